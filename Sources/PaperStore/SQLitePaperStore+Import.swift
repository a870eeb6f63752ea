import Foundation
import GRDB
import PaperModel

/// Batched imports with their journal, and online backups.
extension SQLitePaperStore {
    // MARK: Import journal

    public func importJournal(file: ImportFileIdentity) async throws -> ImportJournalEntry? {
        try await read { db in try Self.journalEntry(file, db) }
    }

    public func applyImportBatch(
        _ records: [ImportRecord], file: ImportFileIdentity, offset: Int, timeLimit: Duration
    ) async throws -> ImportBatchResult {
        guard offset >= 0 else { throw StoreError(.invalidInput, "an import batch cannot start at record \(offset)") }
        return try await write { db in
            let now = self.clock.now()
            var entry: ImportJournalEntry
            if let existing = try Self.journalEntry(file, db) {
                guard existing.recordsApplied == offset else {
                    throw StoreError(
                        .invalidInput,
                        "the import journal of \(file.path) has \(existing.recordsApplied) records applied, not \(offset): "
                            + "is another import of this file running?")
                }
                entry = existing
            } else {
                guard offset == 0 else {
                    throw StoreError(
                        .invalidInput, "no import of \(file.path) is in progress to continue at record \(offset)")
                }
                // A fresh import of this path: entries of earlier versions of the file (or other settings) can
                // never be continued, so they go.
                try db.execute(sql: "DELETE FROM import_journal WHERE path = ?", arguments: [file.path])
                entry = ImportJournalEntry(
                    file: file, recordsApplied: 0, summary: ImportSummary(), startedAt: now, updatedAt: now)
            }
            // The batch's time budget is measured on the monotonic clock (a duration, not a time of day).
            let monotonic = ContinuousClock()
            let deadline = monotonic.now.advanced(by: timeLimit)
            var submitterIDs: [String: Int64] = [:]
            var applied = 0
            var titles: Set<String> = []
            for record in records {
                try Self.apply(record, db, &entry.summary, &submitterIDs, &titles, now: now)
                applied += 1
                if monotonic.now >= deadline { break }
            }
            try Self.resolveListingPapers(titles: titles, db, now: now)
            entry.recordsApplied += applied
            entry.updatedAt = now
            try Self.saveJournalEntry(entry, db)
            return ImportBatchResult(applied: applied, recordsApplied: entry.recordsApplied, summary: entry.summary)
        }
    }

    public func finishImport(file: ImportFileIdentity) async throws -> ImportSummary {
        try await write { db in
            let summary = try Self.journalEntry(file, db)?.summary ?? ImportSummary()
            try db.execute(
                sql: "DELETE FROM import_journal WHERE path = ? AND size = ? AND sha256 = ? AND settings = ?",
                arguments: [file.path, file.size, file.sha256, file.settings])
            return summary
        }
    }

    public func existingPaperIDs(_ ids: [String]) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return try await read { db in
            var found: Set<String> = []
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = Array(ids[start..<min(ids.count, start + 500)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                found.formUnion(
                    try String.fetchAll(
                        db, sql: "SELECT id FROM paper WHERE id IN (\(marks))", arguments: StatementArguments(chunk)))
                // A listing id that became an arXiv paper: records naming it apply to that paper.
                found.formUnion(
                    try String.fetchAll(
                        db, sql: "SELECT local_id FROM paper_alias WHERE local_id IN (\(marks))",
                        arguments: StatementArguments(chunk)))
            }
            return found
        }
    }

    static func journalEntry(_ file: ImportFileIdentity, _ db: Database) throws -> ImportJournalEntry? {
        try Row.fetchOne(
            db,
            sql: "SELECT * FROM import_journal WHERE path = ? AND size = ? AND sha256 = ? AND settings = ?",
            arguments: [file.path, file.size, file.sha256, file.settings]
        ).map { row in
            ImportJournalEntry(
                file: file, recordsApplied: row["records_applied"],
                summary: ImportSummary(
                    inserted: row["inserted"], updated: row["updated"], unchanged: row["unchanged"],
                    submissionsAdded: row["submissions_added"]),
                startedAt: row["started_at"], updatedAt: row["updated_at"])
        }
    }

    static func saveJournalEntry(_ entry: ImportJournalEntry, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO import_journal (path, size, sha256, settings, records_applied, inserted, updated, unchanged,
                  submissions_added, started_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(path, size, sha256, settings) DO UPDATE SET records_applied = excluded.records_applied,
                  inserted = excluded.inserted, updated = excluded.updated, unchanged = excluded.unchanged,
                  submissions_added = excluded.submissions_added, updated_at = excluded.updated_at
                """,
            arguments: [
                entry.file.path, entry.file.size, entry.file.sha256, entry.file.settings, entry.recordsApplied,
                entry.summary.inserted, entry.summary.updated, entry.summary.unchanged, entry.summary.submissionsAdded,
                entry.startedAt, entry.updatedAt,
            ])
    }

    // MARK: Backups

    public func backup(to file: URL) async throws {
        let manager = FileManager.default
        let target = file.standardizedFileURL
        if manager.fileExists(atPath: target.path) {
            throw StoreError(.invalidInput, "\(target.path) already exists; a backup never overwrites a file")
        }
        let directory = target.deletingLastPathComponent()
        do {
            try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.storage, "cannot create \(directory.path): \(error.localizedDescription)")
        }
        // Written under a temporary name and linked into place at the end: a failed or interrupted backup never
        // leaves a half-written file at `target`, and link(2) refuses to replace a file that appeared meanwhile.
        let partial = directory.appendingPathComponent(".\(target.lastPathComponent).partial-\(UUID().uuidString)")
        defer { try? manager.removeItem(at: partial) }
        let partialPath = partial.path
        do {
            // VACUUM INTO reads one snapshot (a read transaction in WAL mode: writers go on meanwhile) and writes
            // a compact copy. It cannot run inside a transaction, hence the unsafe (transaction-less) read.
            try await writer.unsafeRead { db in
                try db.execute(sql: "VACUUM INTO ?", arguments: [partialPath])
            }
        } catch let error as DatabaseError {
            throw Self.storeError(error)
        }
        try Self.syncFile(partialPath)
        guard link(partialPath, target.path) == 0 else {
            let code = errno
            if code == EEXIST {
                throw StoreError(.invalidInput, "\(target.path) already exists; a backup never overwrites a file")
            }
            throw StoreError(.storage, "cannot create \(target.path): \(String(cString: strerror(code)))")
        }
        try? Self.syncFile(directory.path)
    }

    static func syncFile(_ path: String) throws {
        let fd = Foundation.open(path, O_RDONLY)
        guard fd >= 0 else { throw StoreError(.storage, "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else {
            throw StoreError(.storage, "cannot sync \(path): \(String(cString: strerror(errno)))")
        }
    }
}
