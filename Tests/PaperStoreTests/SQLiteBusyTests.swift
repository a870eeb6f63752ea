import Foundation
import GRDB
import PaperModel
import PaperStore
import StoreContract
import Testing

@Suite("SQLite store under a held lock")
struct SQLiteBusyTests {
    @Test func aWriteThatOutwaitsTheBusyTimeoutFailsWithBusy() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("paperboy-busy-\(UUID().uuidString)")
        let store = try SQLitePaperStore.open(directory: dir, busyTimeout: 0.2)
        try await store.upsert([samplePaper()])
        _ = try await store.createUser(username: "ada", displayName: "Ada", role: .member, passwordHash: nil)

        // A second connection (another process, say `paperboy import`) holds the write lock until the test lets
        // go (a minute at most): a write that waited for the lock instead of its busy timeout would only finish
        // after the release, which the test checks did not happen first. No upper time bound: a loaded machine
        // may take long to run the write, but not to order these events.
        let other = try DatabaseQueue(path: dir.appendingPathComponent("paperboy.sqlite").path)
        let locked = Flag(), letGo = Flag(), released = Flag()
        let holder = Thread {
            try? other.inDatabase { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                try db.execute(sql: "UPDATE change_sequence SET value = value")
                locked.set()
                let deadline = Date().addingTimeInterval(60)
                while !letGo.value, Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
                try db.execute(sql: "COMMIT")
            }
            released.set()
        }
        holder.start()
        try await locked.wait()
        let started = Date()
        do {
            try await store.setUpvote(paperID: "2210.14199", username: "ada", upvoted: true)
            Issue.record("the write went through a held lock")
        } catch let error as StoreError {
            #expect(error.code == .busy)
            #expect(error.code.rawValue == "store_busy")
        }
        #expect(!released.value, "the write gave up while the lock was still held, after its busy timeout")
        #expect(Date().timeIntervalSince(started) >= 0.15, "it waited for the 0.2 s busy timeout first")
        // Reads go on under the writer (WAL).
        #expect(try await store.paperCount() == 1)
        letGo.set()
        try await released.wait()
        // Once the lock is free the same write succeeds.
        #expect(try await store.setUpvote(paperID: "2210.14199", username: "ada", upvoted: true) == 1)
    }
}

/// A flag one thread sets and a test awaits.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var isSet = false

    func set() {
        lock.lock()
        isSet = true
        lock.unlock()
    }

    var value: Bool { lock.withLock { isSet } }

    func wait() async throws {
        while !value { try await Task.sleep(for: .milliseconds(5)) }
    }
}
