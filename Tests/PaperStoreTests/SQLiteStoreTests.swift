import Foundation
import GRDB
import PaperModel
import PaperStore
import StoreContract
import Testing

@Suite("SQLite store: reopening")
struct SQLiteStoreTests {
    @Test func onDiskStoreSurvivesReopenAndUsesWAL() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("paperboy-reopen-\(UUID().uuidString)")
        do {
            let store = try SQLitePaperStore.open(directory: dir)
            try await store.upsert([samplePaper()])
        }
        let reopened = try SQLitePaperStore.open(directory: dir)
        #expect(try await reopened.paper(id: "2210.14199") == samplePaper())
        #expect(try await reopened.status().schemaVersion == SQLitePaperStore.currentSchemaVersion)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("paperboy.sqlite-wal").path))
    }
}
