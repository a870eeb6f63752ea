import Foundation
import GRDB
import PaperModel
import PaperStore
import StoreContract
import Testing

@Suite("SQLite store: the published-day index")
struct SQLitePublishedIndexTests {
    @Test func theSchemaHasThePublishedIndex() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "paperboy-published-\(UUID().uuidString)")
        _ = try SQLitePaperStore.open(directory: directory)
        let indexes = try await DatabaseQueue(path: directory.appendingPathComponent("paperboy.sqlite").path).read {
            db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'paper'")
        }
        #expect(indexes.contains("paper_published_at"), "\(indexes)")
    }
}
