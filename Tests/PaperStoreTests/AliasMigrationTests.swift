import Foundation
import GRDB
import PaperModel
import StoreContract
import Testing

@testable import PaperStore

/// A store from before v11 gets its title keys on upgrade, so listing papers stored then are resolved too.
@Suite("Schema: v11-paper-alias upgrade")
struct AliasMigrationTests {
    @Test func listingPapersStoredBeforeTheUpgradeAreResolved() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "paperboy-v11-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let title = "Listing Paper From Before"
        let local = LocalPaperID.make(title: title)
        do {
            let queue = try DatabaseQueue(path: directory.appendingPathComponent("paperboy.sqlite").path)
            try SQLitePaperStore.migrator.migrate(queue, upTo: "v9-harvest")
            try await queue.write { db in
                try db.execute(
                    sql: """
                        UPDATE change_sequence SET value = 1;
                        INSERT INTO paper (id, version, title, abstract, authors, categories, links, change_seq, created_at)
                        VALUES (?, 1, ?, 'Old.', '[]', '[]', '[]', 1, ?);
                        """,
                    arguments: [local, title, Date()])
            }
        }
        let store = try SQLitePaperStore.open(directory: directory)
        #expect(try await store.status().schemaVersion == SQLitePaperStore.currentSchemaVersion)
        let key = try await store.writer.read { db in
            try String.fetchOne(db, sql: "SELECT title_key FROM paper WHERE id = ?", arguments: [local])
        }
        #expect(key == "listing paper from before")
        try await store.upsert([samplePaper("2501.00001", title: "listing paper  from BEFORE")])
        #expect(try await store.alias(of: local) == "2501.00001")
        #expect(try await store.paper(id: local) == nil)
    }
}
