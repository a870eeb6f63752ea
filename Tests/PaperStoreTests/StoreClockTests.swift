import Foundation
import PaperModel
import PaperStore
import PaperSupport
import Testing

/// The store's timestamps come from its injected clock, not the machine's.
@Suite("Store clock")
struct StoreClockTests {
    @Test func timestampsComeFromTheInjectedClock() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_900_000_000))  // 2030-03-17
        let store = try SQLitePaperStore.inMemory(clock: clock.wallClock)
        let user = try await store.createUser(username: "ada", displayName: "Ada", role: .member, passwordHash: "h")
        #expect(user.createdAt == clock.now)
        clock.advance(by: 86_400)
        let token = try await store.createAccessToken(username: "ada", name: "laptop", tokenHash: "th")
        #expect(token.createdAt == clock.now)
    }

    @Test func aSessionEndsWhenTheClockPassesItsExpiry() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_900_000_000))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("paperboy-clock-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLitePaperStore.open(directory: dir, clock: clock.wallClock)
        _ = try await store.createUser(username: "ada", displayName: "Ada", role: .member, passwordHash: "h")
        try await store.createSession(username: "ada", tokenHash: "s", expiresAt: clock.now.addingTimeInterval(3600))
        #expect(try await store.sessionUser(tokenHash: "s", now: clock.now)?.username == "ada")
        clock.advance(by: 3599)
        #expect(try await store.sessionUser(tokenHash: "s", now: clock.now)?.username == "ada")
        clock.advance(by: 2)
        #expect(try await store.sessionUser(tokenHash: "s", now: clock.now) == nil)
    }
}
