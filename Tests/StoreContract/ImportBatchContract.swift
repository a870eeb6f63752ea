import Foundation
import PaperModel
import PaperStore
import Testing

/// The batched import (journal and short transactions) and backups, for every store.
/// Store contract: batched imports and backups.
public struct ImportBatchContract: Sendable {
    let make: StoreFactory

    let file = ImportFileIdentity(path: "/data/recent.jsonl", size: 1234, sha256: "ab", settings: "format=kaggle")
    let day = Day("2026-05-30")!

    func papers(_ range: ClosedRange<Int>) -> [ImportRecord] {
        range.map { .paper(samplePaper(String(format: "2501.%05d", $0))) }
    }

    public func batchesAdvanceTheJournalAndFinishWithTheWholeSummary() async throws {
        let store = try await make()
        #expect(try await store.importJournal(file: file) == nil)
        var result = try await store.applyImportBatch(papers(1...3), file: file, offset: 0, timeLimit: .seconds(10))
        #expect(result == ImportBatchResult(applied: 3, recordsApplied: 3, summary: ImportSummary(inserted: 3)))
        let entry = try #require(try await store.importJournal(file: file))
        #expect(entry.recordsApplied == 3)
        #expect(entry.summary == ImportSummary(inserted: 3))
        // Another file identity (the file changed) has no entry.
        var changed = file
        changed.sha256 = "cd"
        #expect(try await store.importJournal(file: changed) == nil)

        let second: [ImportRecord] = [
            .paper(samplePaper("2501.00001")),  // already applied in the first batch: unchanged
            .dailySubmission(paperID: "2501.00002", day: day, submitter: "curator"),
            .paper(samplePaper("2501.00004")),
        ]
        result = try await store.applyImportBatch(second, file: file, offset: 3, timeLimit: .seconds(10))
        #expect(result.applied == 3)
        #expect(result.recordsApplied == 6)
        #expect(result.summary == ImportSummary(inserted: 4, unchanged: 1, submissionsAdded: 1))
        #expect(try await store.dailyFeed(day: day).map(\.paper.id) == ["2501.00002"])
        #expect(try await store.user(named: "curator")?.role == .curator)

        let summary = try await store.finishImport(file: file)
        #expect(summary == ImportSummary(inserted: 4, unchanged: 1, submissionsAdded: 1))
        #expect(try await store.importJournal(file: file) == nil)
        #expect(try await store.paperCount() == 4)
        // Finishing what has no entry (nothing applied) is an empty summary.
        #expect(try await store.finishImport(file: file) == ImportSummary())
    }

    public func aBatchAtTheWrongOffsetIsRefused() async throws {
        let store = try await make()
        // Nothing in progress: only offset 0 starts an import.
        await #expect(throws: StoreError.self) {
            try await store.applyImportBatch(papers(1...2), file: file, offset: 5, timeLimit: .seconds(10))
        }
        #expect(try await store.paperCount() == 0)
        _ = try await store.applyImportBatch(papers(1...2), file: file, offset: 0, timeLimit: .seconds(10))
        // Two imports of one file at once: the second one's batch does not continue where the journal is.
        do {
            _ = try await store.applyImportBatch(papers(3...4), file: file, offset: 0, timeLimit: .seconds(10))
            Issue.record("a batch at offset 0 was applied over 2 applied records")
        } catch let error as StoreError {
            #expect(error.code == .invalidInput)
        }
        #expect(try await store.paperCount() == 2)
        #expect(try await store.importJournal(file: file)?.recordsApplied == 2)
    }

    public func aFailingBatchChangesNothingAndKeepsTheJournal() async throws {
        let store = try await make()
        _ = try await store.applyImportBatch(papers(1...2), file: file, offset: 0, timeLimit: .seconds(10))
        let before = try await store.status()
        let failing: [ImportRecord] = [
            .paper(samplePaper("2501.00003")),
            .dailySubmission(paperID: "2501.99999", day: day, submitter: "curator"),
        ]
        do {
            _ = try await store.applyImportBatch(failing, file: file, offset: 2, timeLimit: .seconds(10))
            Issue.record("a submission of an unknown paper was applied")
        } catch let error as StoreError {
            #expect(error.code == .paperNotFound)
        }
        #expect(try await store.status() == before)
        #expect(try await store.paper(id: "2501.00003") == nil)
        #expect(try await store.user(named: "curator") == nil)
        #expect(try await store.importJournal(file: file)?.recordsApplied == 2)
    }

    public func theTimeLimitEndsATransactionEarly() async throws {
        let store = try await make()
        // A zero limit: one record per transaction, the caller passes the rest again.
        var pending = papers(1...3)
        var offset = 0
        var transactions = 0
        while !pending.isEmpty {
            let result = try await store.applyImportBatch(pending, file: file, offset: offset, timeLimit: .zero)
            #expect(result.applied == 1)
            pending.removeFirst(result.applied)
            offset = result.recordsApplied
            transactions += 1
        }
        #expect(transactions == 3)
        #expect(try await store.finishImport(file: file) == ImportSummary(inserted: 3))
    }

    public func aFreshImportOfAPathForgetsEntriesOfItsEarlierVersions() async throws {
        let store = try await make()
        _ = try await store.applyImportBatch(papers(1...2), file: file, offset: 0, timeLimit: .seconds(10))
        var newer = file
        newer.sha256 = "ef"
        newer.size = 99
        _ = try await store.applyImportBatch(papers(3...3), file: newer, offset: 0, timeLimit: .seconds(10))
        #expect(try await store.importJournal(file: file) == nil)
        #expect(try await store.importJournal(file: newer)?.recordsApplied == 1)
    }

    public func existingPaperIDsAnswersInChunks() async throws {
        let store = try await make()
        let ids = (1...700).map { String(format: "2501.%05d", $0) }
        try await store.upsert(ids.filter { $0.hasSuffix("0") }.map { samplePaper($0) })
        let found = try await store.existingPaperIDs(ids + ["2501.99999"])
        #expect(found == Set(ids.filter { $0.hasSuffix("0") }))
        #expect(try await store.existingPaperIDs([]).isEmpty)
    }

    public func backupWritesAnOpenableCopyAndNeverOverwrites() async throws {
        let store = try await make()
        try await store.upsert((1...50).map { samplePaper(String(format: "2501.%05d", $0)) })
        _ = try await store.createUser(username: "ada", displayName: "Ada", role: .admin, passwordHash: "h")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("paperboy-backup-\(UUID().uuidString)")
        let file = dir.appendingPathComponent("paperboy.sqlite")
        try await store.backup(to: file)
        let copy = try SQLitePaperStore.open(directory: dir)
        #expect(try await copy.paperCount() == 50)
        #expect(try await copy.user(named: "ada")?.role == .admin)
        #expect(try await copy.status().latestChangeSequence == store.status().latestChangeSequence)

        let size = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int
        do {
            try await store.backup(to: file)
            Issue.record("an existing backup was overwritten")
        } catch let error as StoreError {
            #expect(error.code == .invalidInput)
            #expect(error.message.contains("already exists"))
        }
        #expect(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int == size)
        // Nothing half-written is left next to it.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(names.allSatisfy { $0.hasPrefix("paperboy.sqlite") })
    }

    public static let checks: [StoreContractCheck] = [
        .init("ImportBatchContract.batchesAdvanceTheJournalAndFinishWithTheWholeSummary") {
            try await ImportBatchContract(make: $0).batchesAdvanceTheJournalAndFinishWithTheWholeSummary()
        },
        .init("ImportBatchContract.aBatchAtTheWrongOffsetIsRefused") {
            try await ImportBatchContract(make: $0).aBatchAtTheWrongOffsetIsRefused()
        },
        .init("ImportBatchContract.aFailingBatchChangesNothingAndKeepsTheJournal") {
            try await ImportBatchContract(make: $0).aFailingBatchChangesNothingAndKeepsTheJournal()
        },
        .init("ImportBatchContract.theTimeLimitEndsATransactionEarly") {
            try await ImportBatchContract(make: $0).theTimeLimitEndsATransactionEarly()
        },
        .init("ImportBatchContract.aFreshImportOfAPathForgetsEntriesOfItsEarlierVersions") {
            try await ImportBatchContract(make: $0).aFreshImportOfAPathForgetsEntriesOfItsEarlierVersions()
        },
        .init("ImportBatchContract.existingPaperIDsAnswersInChunks") {
            try await ImportBatchContract(make: $0).existingPaperIDsAnswersInChunks()
        },
        .init("ImportBatchContract.backupWritesAnOpenableCopyAndNeverOverwrites") {
            try await ImportBatchContract(make: $0).backupWritesAnOpenableCopyAndNeverOverwrites()
        },
    ]
}
