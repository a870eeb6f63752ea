import Foundation
import PaperStore
import Testing

/// Store contract: leases, the way several instances on one database agree on who runs a piece of background work.
public struct LeaseContract: Sendable {
    let make: StoreFactory

    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    public func aFreeLeaseIsTakenAndItsHolderRenewsIt() async throws {
        let store = try await make()
        #expect(try await store.leaseHolder("embedding", now: t0) == nil)
        #expect(try await store.acquireLease("embedding", holder: "a", duration: .seconds(60), now: t0))
        let held = try #require(try await store.leaseHolder("embedding", now: t0))
        #expect(held.holder == "a" && held.expiresAt == t0.addingTimeInterval(60))
        // A renewal before expiry moves the expiry on.
        #expect(try await store.acquireLease("embedding", holder: "a", duration: .seconds(60), now: t0 + 30))
        #expect(try await store.leaseHolder("embedding", now: t0 + 30)?.expiresAt == t0.addingTimeInterval(90))
        #expect(try await store.leaseHolder("embedding", now: t0 + 89)?.holder == "a")
    }

    public func anotherHolderIsRefusedWhileTheLeaseIsLive() async throws {
        let store = try await make()
        #expect(try await store.acquireLease("digest", holder: "a", duration: .seconds(60), now: t0))
        #expect(!(try await store.acquireLease("digest", holder: "b", duration: .seconds(60), now: t0 + 59)))
        #expect(try await store.leaseHolder("digest", now: t0 + 59)?.holder == "a")
        // The refusal changed nothing: the expiry is still the holder's.
        #expect(try await store.leaseHolder("digest", now: t0 + 59)?.expiresAt == t0.addingTimeInterval(60))
        // Names are independent.
        #expect(try await store.acquireLease("harvest", holder: "b", duration: .seconds(60), now: t0))
        #expect(try await store.leaseHolder("harvest", now: t0)?.holder == "b")
    }

    public func concurrentHoldersNeverBothGetTheLease() async throws {
        let store = try await make()
        for round in 0..<3 {
            let name = "race-\(round)"
            let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
                for holder in 0..<8 {
                    group.addTask {
                        try await store.acquireLease(name, holder: "h\(holder)", duration: .seconds(60), now: self.t0)
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(winners == 1, "exactly one of eight racing holders gets \(name)")
        }
    }

    public func anExpiredLeaseIsTakenOverAndItsOldHolderIsRefused() async throws {
        let store = try await make()
        #expect(try await store.acquireLease("embedding", holder: "a", duration: .seconds(60), now: t0))
        // Expired at its expiry: nobody holds it then, and another holder takes it.
        #expect(try await store.leaseHolder("embedding", now: t0 + 60) == nil)
        #expect(try await store.acquireLease("embedding", holder: "b", duration: .seconds(60), now: t0 + 60))
        let held = try #require(try await store.leaseHolder("embedding", now: t0 + 61))
        #expect(held.holder == "b" && held.expiresAt == t0.addingTimeInterval(120))
        // The old holder, back from a long pause, does not get it back while it is live.
        #expect(!(try await store.acquireLease("embedding", holder: "a", duration: .seconds(60), now: t0 + 61)))
        #expect(try await store.leaseHolder("embedding", now: t0 + 61)?.holder == "b")
    }

    public func releaseFreesTheLeaseButOnlyForItsHolder() async throws {
        let store = try await make()
        #expect(try await store.acquireLease("digest", holder: "a", duration: .seconds(60), now: t0))
        // Someone else's release is a no-op, and so is releasing a lease nobody ever took.
        try await store.releaseLease("digest", holder: "b")
        try await store.releaseLease("never-taken", holder: "a")
        #expect(try await store.leaseHolder("digest", now: t0 + 1)?.holder == "a")
        #expect(!(try await store.acquireLease("digest", holder: "b", duration: .seconds(60), now: t0 + 1)))
        // The holder's release frees it at once, long before it would expire.
        try await store.releaseLease("digest", holder: "a")
        #expect(try await store.leaseHolder("digest", now: t0 + 1) == nil)
        #expect(try await store.acquireLease("digest", holder: "b", duration: .seconds(60), now: t0 + 2))
        #expect(try await store.leaseHolder("digest", now: t0 + 2)?.holder == "b")
        // A's late release (it thinks it still holds the lease) does not take B's away.
        try await store.releaseLease("digest", holder: "a")
        #expect(try await store.leaseHolder("digest", now: t0 + 2)?.holder == "b")
    }

    public static let checks: [StoreContractCheck] = [
        .init("LeaseContract.aFreeLeaseIsTakenAndItsHolderRenewsIt") {
            try await LeaseContract(make: $0).aFreeLeaseIsTakenAndItsHolderRenewsIt()
        },
        .init("LeaseContract.anotherHolderIsRefusedWhileTheLeaseIsLive") {
            try await LeaseContract(make: $0).anotherHolderIsRefusedWhileTheLeaseIsLive()
        },
        .init("LeaseContract.concurrentHoldersNeverBothGetTheLease") {
            try await LeaseContract(make: $0).concurrentHoldersNeverBothGetTheLease()
        },
        .init("LeaseContract.anExpiredLeaseIsTakenOverAndItsOldHolderIsRefused") {
            try await LeaseContract(make: $0).anExpiredLeaseIsTakenOverAndItsOldHolderIsRefused()
        },
        .init("LeaseContract.releaseFreesTheLeaseButOnlyForItsHolder") {
            try await LeaseContract(make: $0).releaseFreesTheLeaseButOnlyForItsHolder()
        },
    ]
}

/// Store contract: limits that hold across instances (confirmation mails per address).
public struct ThrottleContract: Sendable {
    let make: StoreFactory

    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    public func eventsKeepTheirSpacing() async throws {
        let store = try await make()
        func record(_ key: String, at seconds: TimeInterval) async throws -> Bool {
            try await store.recordThrottledEvent(
                key, now: t0 + seconds, spacing: .seconds(600), limit: 100, window: .seconds(86_400))
        }
        #expect(try await record("confirm:a@example.org", at: 0))
        #expect(!(try await record("confirm:a@example.org", at: 1)))
        #expect(!(try await record("confirm:a@example.org", at: 599)))
        #expect(try await record("confirm:b@example.org", at: 1), "keys are independent")
        #expect(try await record("confirm:a@example.org", at: 600))
    }

    public func atMostLimitEventsFitTheWindowAndRefusalsAreNotCounted() async throws {
        let store = try await make()
        func record(at seconds: TimeInterval) async throws -> Bool {
            try await store.recordThrottledEvent(
                "confirm:a@example.org", now: t0 + seconds, spacing: .zero, limit: 2, window: .seconds(100))
        }
        #expect(try await record(at: 0))
        #expect(try await record(at: 1))
        #expect(!(try await record(at: 2)))
        #expect(!(try await record(at: 50)))
        // The first event has left the window; the refused ones were never counted, so one more fits.
        #expect(try await record(at: 100))
        #expect(!(try await record(at: 100.5)))
    }

    public func concurrentCallersNeverTogetherExceedTheLimit() async throws {
        let store = try await make()
        let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await store.recordThrottledEvent(
                        "confirm:a@example.org", now: self.t0, spacing: .seconds(600), limit: 5,
                        window: .seconds(86_400))
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(allowed == 1)
    }

    public static let checks: [StoreContractCheck] = [
        .init("ThrottleContract.eventsKeepTheirSpacing") {
            try await ThrottleContract(make: $0).eventsKeepTheirSpacing()
        },
        .init("ThrottleContract.atMostLimitEventsFitTheWindowAndRefusalsAreNotCounted") {
            try await ThrottleContract(make: $0).atMostLimitEventsFitTheWindowAndRefusalsAreNotCounted()
        },
        .init("ThrottleContract.concurrentCallersNeverTogetherExceedTheLimit") {
            try await ThrottleContract(make: $0).concurrentCallersNeverTogetherExceedTheLimit()
        },
    ]
}
