import Crypto
import Foundation
import PaperModel
import PaperStore

/// The formats `paperboy import` understands.
public enum ImportFormat: String, Sendable, CaseIterable {
    /// Decide from the first non-blank line: `{` means kaggle, anything else a listing page.
    case auto
    /// A saved Hugging Face Papers listing page: chrome, a date line, then title / abstract paragraphs.
    case listing
    /// JSON lines in the arXiv metadata snapshot (Kaggle) format.
    case kaggle
    /// Tab-separated `day<TAB>paper id<TAB>submitter` lines that put stored papers on daily feeds.
    case submissions
}

public struct ImportOptions: Sendable {
    public var format: ImportFormat = .auto
    /// The day for listing pages (their date line has no year); nil: the latest such day not in the future.
    public var listingDay: Day?
    /// The account listing papers are submitted by.
    public var submitter = "curator"
    /// Skip invalid records (and report them) instead of failing the whole file.
    public var skipInvalid = false
    /// "Now", for choosing a listing's year.
    public var now = Date()
    /// Records per write transaction of the apply pass.
    public var batchSize = 1_000
    /// A write transaction stops after this long (and the rest of its batch goes in the next one), so that the
    /// write lock is never held for long while `paperboy serve` uses the same store.
    public var batchTimeLimit: Duration = .milliseconds(100)
    /// The pause after each write transaction, in which other writers (the web app) take the lock: this share of
    /// the transaction's duration, and at least `minimumPause`. (Writers of a `SQLitePaperStore` retry a held
    /// lock every 2 ms; other SQLite clients may back off to 100 ms and need longer pauses.)
    public var pauseRatio = 0.25
    public var minimumPause: Duration = .milliseconds(5)
    /// The checking pass keeps the records it parsed for the applying pass while they take about this much
    /// memory (parsing is most of an import's work); a larger file is parsed again instead.
    public var retainedRecordBudget = 256 << 20

    public init() {}

    /// What shapes the records a file yields besides its bytes: part of the import journal's key, so that an
    /// interrupted import is only continued with the same records.
    func settings(format: ImportFormat) -> String {
        "format=\(format.rawValue);submitter=\(submitter);date=\(listingDay?.description ?? "latest")"
    }
}

/// The passes of an import: reading and checking the whole file (the store untouched), then applying it.
public enum ImportPhase: String, Sendable {
    case checking
    case applying
}

public struct ImportProgress: Sendable, Equatable {
    public var phase: ImportPhase
    /// Bytes of the file on disk read by this pass (compressed bytes for gzip input).
    public var bytesRead: Int64
    public var totalBytes: Int64
}

/// A record that `--skip-invalid` left out.
public struct SkippedRecord: Sendable, Equatable {
    public var line: Int
    public var reason: String
}

public struct ImportReport: Sendable {
    public var file: String
    public var format: ImportFormat
    public var summary: ImportSummary
    public var skipped: [SkippedRecord]
    public var seconds: Double
    public var bytes: Int64
    /// Records the file yielded (after skipping invalid ones).
    public var records: Int
    /// Records an earlier, interrupted run had already applied; this run applied the rest.
    public var resumedAt: Int
}

/// An import that failed after part of the file was applied (the store gave an error in the apply pass). The
/// import journal keeps the progress: running the same import again finishes it.
public struct ImportIncomplete: Error, Equatable, CustomStringConvertible {
    public let file: String
    public let recordsApplied: Int
    public let records: Int
    public let reason: String

    public var description: String {
        "\(file): stopped after \(recordsApplied) of \(records) records were applied: \(reason). "
            + "Run the same import again to finish it."
    }
}

/// Imports files into a store.
///
/// An import has two passes. The first reads and checks every record, the store untouched: a malformed file
/// fails with `file:line: reason` and changes nothing. The second applies the records (kept from the first pass
/// while they fit `retainedRecordBudget`, else read again) in short write transactions (`batchSize` records, at
/// most about `batchTimeLimit` each), pausing after each so that other writers get in; each transaction also advances the file's entry in the store's import journal,
/// so an import cut off part-way is finished by running it again, with the same end result and summary as one
/// uninterrupted run. Re-importing a file changes nothing.
public struct Importer: Sendable {
    public let store: any PaperStore
    public let options: ImportOptions

    public init(store: any PaperStore, options: ImportOptions = ImportOptions()) {
        self.store = store
        self.options = options
    }

    /// Imports one file. `progress` hears now and then how far each pass has read.
    public func importFile(
        _ path: String, progress: (@Sendable (ImportProgress) -> Void)? = nil
    ) async throws -> ImportReport {
        let started = Date()
        let format = options.format == .auto ? try Self.detectFormat(path) : options.format
        // Pass 1: read and check everything; nothing is written.
        let check = try source(path, format: format, phase: .checking, progress: progress)
        let (records, retained) = try await checkRecords(check)
        progress?(
            ImportProgress(phase: .checking, bytesRead: check.reader.totalBytes, totalBytes: check.reader.totalBytes))
        let file = ImportFileIdentity(
            path: URL(fileURLWithPath: path).standardizedFileURL.path, size: check.reader.totalBytes,
            sha256: try Self.sha256(path), settings: options.settings(format: format))

        // Pass 2: apply in batches, continuing an interrupted run of the same file and settings.
        let resumedAt = try await store.importJournal(file: file)?.recordsApplied ?? 0
        guard resumedAt <= records else {
            throw ImportIncomplete(
                file: path, recordsApplied: resumedAt, records: records,
                reason: "the import journal counts more records than the file has")
        }
        let apply: RecordFeed
        if let retained {
            apply = RecordFeed(retained: retained, totalBytes: check.reader.totalBytes, progress: progress)
        } else {
            apply = RecordFeed(source: try source(path, format: format, phase: .applying, progress: progress))
        }
        var applied = resumedAt
        var exhausted = false
        var batch: [ImportRecord] = []
        batch.reserveCapacity(options.batchSize)
        do {
            // Records an earlier run applied: past them.
            try apply.skip(resumedAt)
            while true {
                while !exhausted, batch.count < max(1, options.batchSize) {
                    guard let record = try apply.next() else {
                        exhausted = true
                        break
                    }
                    batch.append(record)
                }
                if batch.isEmpty { break }
                let began = ContinuousClock.now
                let result = try await store.applyImportBatch(
                    batch, file: file, offset: applied, timeLimit: options.batchTimeLimit)
                let took = ContinuousClock.now - began
                applied = result.recordsApplied
                batch.removeFirst(result.applied)
                // Let the writers that queued up behind this transaction in.
                try await Task.sleep(for: max(options.minimumPause, took * options.pauseRatio))
            }
        } catch let error as StoreError {
            throw ImportIncomplete(file: path, recordsApplied: applied, records: records, reason: error.message)
        } catch let error as ImportError {
            throw ImportIncomplete(file: path, recordsApplied: applied, records: records, reason: "\(error)")
        }
        let summary: ImportSummary
        do {
            summary = try await store.finishImport(file: file)
        } catch let error as StoreError {
            throw ImportIncomplete(file: path, recordsApplied: applied, records: records, reason: error.message)
        }
        progress?(
            ImportProgress(phase: .applying, bytesRead: check.reader.totalBytes, totalBytes: check.reader.totalBytes))
        return ImportReport(
            file: path, format: format, summary: summary, skipped: check.skipped,
            seconds: Date().timeIntervalSince(started), bytes: check.reader.totalBytes, records: records,
            resumedAt: resumedAt)
    }

    func source(
        _ path: String, format: ImportFormat, phase: ImportPhase, progress: (@Sendable (ImportProgress) -> Void)?
    ) throws -> RecordSource {
        let source: RecordSource
        switch format {
        case .listing, .auto:
            source = try ListingSource(path: path, options: options)
        case .kaggle:
            source = try KaggleSource(path: path, options: options)
        case .submissions:
            source = try SubmissionsSource(path: path, options: options)
        }
        if let progress {
            source.progress = { progress(ImportProgress(phase: phase, bytesRead: $0, totalBytes: $1)) }
        }
        return source
    }

    /// The first pass: every record read, and checked for what the store would reject (a paper without a title,
    /// a submission of a paper that is neither earlier in the file nor stored, an invalid submitter). Returns
    /// how many records the file yields, and the records themselves while they fit `retainedRecordBudget`.
    func checkRecords(_ source: RecordSource) async throws -> (count: Int, retained: [ImportRecord]?) {
        let path = source.reader.path
        var count = 0
        var paperIDs: Set<String> = []
        var notInFile: [(id: String, line: Int)] = []
        var retained: [ImportRecord]? = []
        var retainedBytes = 0
        while let record = try source.next() {
            count += 1
            if retained != nil {
                retainedBytes += Self.estimatedSize(record)
                if retainedBytes <= options.retainedRecordBudget { retained!.append(record) } else { retained = nil }
            }
            switch record {
            case .paper(let paper):
                guard !paper.id.isEmpty, !paper.title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    throw ImportError(
                        file: path, line: source.reader.lineNumber,
                        reason: "paper \(paper.id.debugDescription) has no title")
                }
                paperIDs.insert(paper.id)
            case .dailySubmission(let paperID, _, let submitter):
                guard User.isValidUsername(submitter) else {
                    throw ImportError(
                        file: path, line: source.reader.lineNumber,
                        reason: "submitter \(submitter.debugDescription) is not a valid username")
                }
                if !paperIDs.contains(paperID) { notInFile.append((paperID, source.reader.lineNumber)) }
            }
        }
        if !notInFile.isEmpty {
            let stored = try await store.existingPaperIDs(Array(Set(notInFile.map(\.id))))
            if let missing = notInFile.first(where: { !stored.contains($0.id) }) {
                throw ImportError(file: path, line: missing.line, reason: "paper \(missing.id) is not in the store")
            }
        }
        return (count, retained)
    }

    /// Roughly the memory a record takes: its text plus per-object overhead.
    static func estimatedSize(_ record: ImportRecord) -> Int {
        switch record {
        case .paper(let paper):
            var size = 400 + paper.id.utf8.count + paper.title.utf8.count + paper.abstract.utf8.count
            for author in paper.authors { size += 32 + author.utf8.count }
            for category in paper.categories { size += 32 + category.utf8.count }
            size +=
                (paper.comments?.utf8.count ?? 0) + (paper.journalRef?.utf8.count ?? 0) + (paper.doi?.utf8.count ?? 0)
            for link in paper.links { size += 64 + link.url.utf8.count }
            return size
        case .dailySubmission(let paperID, _, let submitter):
            return 96 + paperID.utf8.count + submitter.utf8.count
        }
    }

    /// The SHA-256 of the file's bytes on disk, in hex: with path and size, the file's identity in the journal.
    static func sha256(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ImportError(file: path, line: nil, reason: "cannot open file")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        } catch {
            throw ImportError(file: path, line: nil, reason: "cannot read file: \(error.localizedDescription)")
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    static func detectFormat(_ path: String) throws -> ImportFormat {
        let reader = try LineReader(path: path)
        while let line = try reader.nextLine() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            if trimmed.hasPrefix("{") { return .kaggle }
            let fields = trimmed.split(separator: "\t", omittingEmptySubsequences: false)
            if fields.count == 3, Day(String(fields[0])) != nil || fields[0] == "day" { return .submissions }
            return .listing
        }
        throw ImportError(file: path, line: nil, reason: "file is empty")
    }
}

/// The applying pass's records: those the checking pass kept, or the file read again.
final class RecordFeed {
    private let retained: [ImportRecord]?
    private let source: RecordSource?
    private let totalBytes: Int64
    private let progress: (@Sendable (ImportProgress) -> Void)?
    private var position = 0

    init(retained: [ImportRecord], totalBytes: Int64, progress: (@Sendable (ImportProgress) -> Void)?) {
        self.retained = retained
        self.source = nil
        self.totalBytes = totalBytes
        self.progress = progress
    }

    init(source: RecordSource) {
        self.retained = nil
        self.source = source
        self.totalBytes = source.reader.totalBytes
        self.progress = nil  // the source reports bytes read itself
    }

    func next() throws -> ImportRecord? {
        if let source { return try source.next() }
        guard let retained, position < retained.count else { return nil }
        defer { position += 1 }
        if position % 500 == 0, let progress, !retained.isEmpty {
            // Kept records have no file offset; the share of records applied stands in for it.
            let done = Int64(Double(totalBytes) * Double(position) / Double(retained.count))
            progress(ImportProgress(phase: .applying, bytesRead: done, totalBytes: totalBytes))
        }
        return retained[position]
    }

    func skip(_ count: Int) throws {
        if source != nil {
            var skipped = 0
            while skipped < count, try next() != nil { skipped += 1 }
        } else {
            position = min(count, retained?.count ?? 0)
        }
    }
}

/// Shared plumbing of the format readers: a line reader, skip-invalid bookkeeping and progress reporting.
/// `@unchecked`: a source is read by one import task at a time (the protocol is pull-based).
class RecordSource: ImportRecordSource, @unchecked Sendable {
    // Only touched by one task at a time (one pass of the importer), so no locking is needed.
    let reader: LineReader
    let options: ImportOptions
    var skipped: [SkippedRecord] = []
    var progress: (@Sendable (Int64, Int64) -> Void)?
    private var pending: [ImportRecord] = []
    private var linesSinceProgress = 0

    init(path: String, options: ImportOptions) throws {
        self.reader = try LineReader(path: path)
        self.options = options
    }

    func next() throws -> ImportRecord? {
        while pending.isEmpty {
            guard let line = try reader.nextLine() else { return try finish() }
            linesSinceProgress += 1
            if linesSinceProgress >= 500 {
                linesSinceProgress = 0
                progress?(reader.bytesRead, reader.totalBytes)
            }
            do {
                pending = try records(forLine: line, number: reader.lineNumber)
            } catch let problem as RecordProblem {
                guard options.skipInvalid else {
                    throw ImportError(
                        file: reader.path, line: problem.line ?? reader.lineNumber, reason: problem.reason)
                }
                skipped.append(SkippedRecord(line: problem.line ?? reader.lineNumber, reason: problem.reason))
            }
            pending.reverse()
        }
        return pending.popLast()
    }

    /// Records for one line (often none or one).
    func records(forLine line: String, number: Int) throws -> [ImportRecord] { [] }

    /// Called once at the end of the file; may report a final problem or emit trailing records.
    func finish() throws -> ImportRecord? { nil }
}

/// A problem with one record; the importer turns it into an `ImportError` or a skipped record.
struct RecordProblem: Error {
    var line: Int?
    var reason: String

    init(_ reason: String, line: Int? = nil) {
        self.reason = reason
        self.line = line
    }
}

extension String {
    /// Hard-wrapped arXiv text on one line: runs of whitespace (newlines included) become one space.
    var collapsingWhitespace: String {
        // Byte-level, because Character.isWhitespace is a costly Unicode lookup and this runs over every title
        // and abstract of an import. Besides ASCII whitespace it folds the Unicode spaces found in real
        // metadata: U+00A0, U+2000-U+200A, U+202F, U+3000.
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var pendingSpace = false
        let bytes = Array(utf8)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            var width = 0
            switch b {
            case 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D: width = 1
            case 0xC2 where i + 1 < bytes.count && bytes[i + 1] == 0xA0: width = 2
            case 0xE2
            where i + 2 < bytes.count && bytes[i + 1] == 0x80
                && (bytes[i + 2] <= 0x8A || bytes[i + 2] == 0xAF):
                width = 3
            case 0xE3 where i + 2 < bytes.count && bytes[i + 1] == 0x80 && bytes[i + 2] == 0x80: width = 3
            default: break
            }
            if width > 0 {
                pendingSpace = !out.isEmpty
                i += width
            } else {
                if pendingSpace { out.append(0x20) }
                pendingSpace = false
                out.append(b)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
