import DemoCorpus
import Foundation
import PaperModel
import PaperStore
import PostgresStore
import Synchronization
import Testing

/// `copy(from:)`, what `paperboy store copy` runs: the demo store (plus some community and digest rows) moved into
/// an empty database, checked table by table and through the store protocols.
@Suite("PostgreSQL: store copy", .serialized, .enabled(if: TestPostgres.serverURL != nil, TestPostgres.skipReason))
struct PostgresCopyTests {
    @Test func theDemoStoreIsCopiedWithEveryTableAndTheChangeSequence() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "paperboy-copy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try SQLitePaperStore.open(directory: directory)
        _ = try await DemoCorpus.importIfEmpty(into: source)
        let paperID = try #require(try await source.changes(after: 0, limit: 1).first?.paper.id)
        _ = try await source.createUser(username: "Ada", displayName: "Ada L.", role: .admin, passwordHash: "h")
        _ = try await source.setUpvote(paperID: paperID, username: "ada", upvoted: true)
        let root = try await source.addComment(
            paperID: paperID, author: "ada", parentID: nil, body: "first",
            at: Date(timeIntervalSince1970: 1_800_000_000))
        _ = try await source.addComment(
            paperID: paperID, author: "ada", parentID: root.id, body: "reply",
            at: Date(timeIntervalSince1970: 1_800_000_001))
        let collection = try await source.createCollection(owner: "ada", name: "Reading", isPublic: true)
        try await source.setCollectionItem(collectionID: collection.id, paperID: paperID, present: true)
        try await source.saveEmbeddings(
            [PaperEmbedding(paperID: paperID, vectors: [[0.25, -1], [0.5, 2]])], model: "m", throughSequence: 5)
        let subscriber = try await source.subscribe(
            email: "Ada@Example.org", username: "ada", frequency: .weekly,
            at: Date(timeIntervalSince1970: 1_800_000_000))
        _ = try await source.updateSubscriberPreferences(
            id: subscriber.id, frequency: .weekly, categories: ["cs.CL"], savedSearches: ["parsing"])
        _ = try await source.secret(named: "signing") { Data([1, 2, 3]) }

        try await withFreshStores { stores in
            let target = try await stores.make()
            let reported = Mutex<[String: Int]>([:])
            let copied = try await target.copy(from: source) { table, done, _ in
                reported.withLock { $0[table] = done }
            }
            for (table, rows) in copied {
                #expect(reported.withLock { $0[table] } == rows, "progress of \(table)")
            }
            #expect(copied.first { $0.table == "paper" }?.rows == (try await source.paperCount()))
            #expect(try await target.paperCount() == (try await source.paperCount()))
            #expect(try await target.latestChangeSequence() == (try await source.latestChangeSequence()))
            #expect(try await target.changes(after: 0, limit: 50) == (try await source.changes(after: 0, limit: 50)))
            let day = try #require(try await source.latestFeedDay(onOrBefore: nil))
            #expect(try await target.dailyFeed(day: day) == (try await source.dailyFeed(day: day)))
            #expect(try await target.user(named: "ADA") == (try await source.user(named: "ada")))
            #expect(try await target.passwordHash(username: "ada") == "h")
            #expect(try await target.comments(paperID: paperID) == (try await source.comments(paperID: paperID)))
            #expect(try await target.collectionPapers(id: collection.id).map(\.id) == [paperID])
            #expect(
                try await target.embeddings(model: "m", changedAfter: 0, limit: 10)
                    == (try await source.embeddings(model: "m", changedAfter: 0, limit: 10)))
            #expect(
                try await target.subscriber(email: "ada@example.org")
                    == (try await source.subscriber(id: subscriber.id)))
            #expect(try await target.secret(named: "signing") { Data() } == Data([1, 2, 3]))
            // The identity sequences continue after the copied ids.
            let next = try await target.createCollection(owner: "ada", name: "Later", isPublic: false)
            #expect(next.id > collection.id)

            // A second copy into a database that has rows now is refused, and changes nothing.
            do {
                _ = try await target.copy(from: source)
                Issue.record("copied into a database that is not empty")
            } catch let error as StoreError {
                #expect(error.code == .invalidInput && error.message.contains("not empty"))
            }
            #expect(try await target.paperCount() == (try await source.paperCount()))
        }
    }
}
