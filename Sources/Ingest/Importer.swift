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

    public init() {}
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
}

/// Imports files into a store, each file atomically.
public struct Importer: Sendable {
    public let store: any PaperStore
    public let options: ImportOptions

    public init(store: any PaperStore, options: ImportOptions = ImportOptions()) {
        self.store = store
        self.options = options
    }

    /// Imports one file in one store transaction. `progress` gets (bytes read, total bytes) now and then.
    public func importFile(
        _ path: String, progress: (@Sendable (Int64, Int64) -> Void)? = nil
    ) async throws -> ImportReport {
        let started = Date()
        let format = options.format == .auto ? try Self.detectFormat(path) : options.format
        let source: RecordSource
        switch format {
        case .listing, .auto:
            source = try ListingSource(path: path, options: options)
        case .kaggle:
            source = try KaggleSource(path: path, options: options)
        case .submissions:
            source = try SubmissionsSource(path: path, options: options)
        }
        source.progress = progress
        let summary: ImportSummary
        do {
            summary = try await store.importRecords(from: source)
        } catch let error as StoreError {
            // The store rejected the record just read: point at its line.
            throw ImportError(file: path, line: source.reader.lineNumber, reason: error.message)
        }
        progress?(source.reader.totalBytes, source.reader.totalBytes)
        return ImportReport(
            file: path, format: format, summary: summary, skipped: source.skipped,
            seconds: Date().timeIntervalSince(started), bytes: source.reader.totalBytes)
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

/// Shared plumbing of the format readers: a line reader, skip-invalid bookkeeping and progress reporting.
class RecordSource: ImportRecordSource, @unchecked Sendable {
    // Only touched from the one store transaction that pulls records, so no locking is needed.
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
                    throw ImportError(file: reader.path, line: problem.line ?? reader.lineNumber, reason: problem.reason)
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
            case 0xE2 where i + 2 < bytes.count && bytes[i + 1] == 0x80
                && (bytes[i + 2] <= 0x8A || bytes[i + 2] == 0xAF): width = 3
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
