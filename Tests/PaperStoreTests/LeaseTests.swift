import Foundation
import PaperStore
import PaperSupport
import Testing

/// `Lease`, the worker's side of a store lease: renewed while the work runs, lost to another holder, released.
@Suite("Lease: renewal while working, loss, release")
struct LeaseTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func theLeaseIsRenewedWhileTheWorkRunsPastItsFirstExpiry() async throws {
        let store = try SQLitePaperStore.inMemory()
        let clock = ManualClock(t0)
        let lease = Lease(
            "work", store: store, holder: "a", duration: .seconds(60), renewEvery: .milliseconds(20),
            clock: clock.wallClock)
        let result = try await lease.whileHeld {
            // Work that outlasts the lease's first 60 s (on the clock), renewed meanwhile.
            for _ in 0..<4 {
                clock.advance(by: 30)
                try await Task.sleep(for: .milliseconds(100))
            }
            return "done"
        }
        #expect(result == "done")
        #expect(try await store.leaseHolder("work", now: clock.now)?.holder == "a")
        #expect(!(try await store.acquireLease("work", holder: "b", duration: .seconds(60), now: clock.now)))
    }

    @Test func workIsCancelledWhenAnotherHolderTookTheLease() async throws {
        let store = try SQLitePaperStore.inMemory()
        let clock = ManualClock(t0)
        let lease = Lease(
            "work", store: store, holder: "a", duration: .seconds(60), renewEvery: .milliseconds(200),
            clock: clock.wallClock)
        await #expect(throws: LeaseLost.self) {
            try await lease.whileHeld {
                // This holder stalls past its expiry (renewals are held back by the clock jump below, then find
                // the lease taken), so another takes over.
                clock.advance(by: 61)
                _ = try await store.acquireLease("work", holder: "b", duration: .seconds(600), now: clock.now)
                try await Task.sleep(for: .seconds(60))
            }
        }
        #expect(try await store.leaseHolder("work", now: clock.now)?.holder == "b")
    }

    @Test func anotherHoldersLeaseIsNotRunAndAReleaseFromACancelledTaskStillFreesIt() async throws {
        let store = try SQLitePaperStore.inMemory()
        let clock = ManualClock(t0)
        #expect(try await store.acquireLease("work", holder: "b", duration: .seconds(60), now: t0))
        let lease = Lease("work", store: store, holder: "a", clock: clock.wallClock)
        #expect(try await lease.whileHeld { Issue.record("ran without the lease") } == nil)
        try await store.releaseLease("work", holder: "b")
        #expect(try await lease.acquire())
        let stopping = Task {
            while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
            try await lease.release()
        }
        stopping.cancel()
        try await stopping.value
        #expect(try await store.leaseHolder("work", now: clock.now) == nil)
    }
}
