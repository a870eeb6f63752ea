import Foundation
import GRDB
import PaperModel
import PaperStore
import Testing

@Suite("paperboy backup", .enabled(if: paperboyBinary != nil, "the paperboy binary was not built"))
struct BackupCommandTests {
    @Test func backsUpAConsistentCopyWhileWritesGoOnAndNeverOverwrites() async throws {
        let work = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let data = work.appendingPathComponent("data")
        let ids = (1...2_000).map { String(format: "2401.%05d", $0) }
        let file = work.appendingPathComponent("papers.jsonl")
        try Data(ids.map { kaggleTestLine($0, title: "Paper \($0)") }.joined(separator: "\n").utf8).write(to: file)
        var run = try paperboy(["import", "--data-dir", data.path, file.path])
        #expect(run.status == 0, "\(run.stderr)")
        let store = try SQLitePaperStore.open(directory: data)
        _ = try await store.createUser(username: "ada", displayName: "Ada", role: .member, passwordHash: nil)

        // Another writer (standing in for `paperboy serve`) keeps commenting during the backup.
        let writer = Task {
            var written = 0
            while !Task.isCancelled {
                do {
                    _ = try await store.addComment(
                        paperID: ids[written % ids.count], author: "ada", parentID: nil, body: "comment \(written)",
                        at: Date())
                } catch is CancellationError {
                    break
                }
                written += 1
            }
            return written
        }
        try await Task.sleep(for: .milliseconds(200))
        let backups = work.appendingPathComponent("backups")
        run = try paperboy(["backup", "--data-dir", data.path, backups.path])
        writer.cancel()
        let written = try await writer.value
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("backed up"))
        #expect(written > 0)

        let copyPath = backups.appendingPathComponent("paperboy.sqlite").path
        let (papers, comments, integrity) = try await DatabaseQueue(path: copyPath).read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM paper") ?? -1,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM comment") ?? -1,
                try String.fetchAll(db, sql: "PRAGMA integrity_check")
            )
        }
        #expect(papers == ids.count)
        #expect(integrity == ["ok"])
        // A snapshot of one moment in the middle of the writes.
        #expect(comments >= 0 && comments <= written)
        // The copy opens as a store, at the current schema.
        let copy = try SQLitePaperStore.open(directory: backups)
        #expect(try await copy.paperCount() == ids.count)
        #expect(try await copy.status().schemaVersion == SQLitePaperStore.currentSchemaVersion)

        // A second backup into the same folder is refused and leaves the first one alone.
        let before = try Data(contentsOf: URL(fileURLWithPath: copyPath))
        run = try paperboy(["backup", "--data-dir", data.path, backups.path])
        #expect(run.status != 0)
        #expect(run.stderr.contains("already exists"), "\(run.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: copyPath)) == before)
        let names = try FileManager.default.contentsOfDirectory(atPath: backups.path)
        #expect(names.allSatisfy { $0.hasPrefix("paperboy.sqlite") }, "\(names)")

        // Into the data folder itself, or from a folder without a store: clear errors.
        run = try paperboy(["backup", "--data-dir", data.path, data.path])
        #expect(run.status != 0 && run.stderr.contains("data folder itself"), "\(run.stderr)")
        run = try paperboy([
            "backup", "--data-dir", work.appendingPathComponent("nothing").path, work.appendingPathComponent("b2").path,
        ])
        #expect(run.status != 0 && run.stderr.contains("no store"), "\(run.stderr)")
    }
}
