import Foundation
import PaperModel
import PaperStore

/// Reads JSON lines in the arXiv metadata snapshot format (the Kaggle `arxiv-metadata-oai-snapshot` layout):
/// `id, submitter, authors, title, comments, journal-ref, doi, categories, abstract,
/// versions[{version, created}], update_date, authors_parsed`.
///
/// Some exports carry no versions; a sidecar `NAME-listing-dates.tsv[.gz]` next to `NAME.jsonl[.gz]`
/// (`id<TAB>listing_date`) then supplies the date each paper was first announced.
final class KaggleSource: RecordSource, @unchecked Sendable {
    struct Record: Decodable {
        struct Version: Decodable {
            var version: String
            var created: String
        }

        var id: String?
        var authors: String?
        var title: String?
        var comments: String?
        var journalRef: String?
        var doi: String?
        var categories: String?
        var abstract: String?
        var versions: [Version]?
        var updateDate: String?
        var authorsParsed: [[String]]?

        enum CodingKeys: String, CodingKey {
            case id, authors, title, comments, doi, categories, abstract, versions
            case journalRef = "journal-ref"
            case updateDate = "update_date"
            case authorsParsed = "authors_parsed"
        }
    }

    private let decoder = JSONDecoder()
    private let listingDates: [String: Day]

    override init(path: String, options: ImportOptions) throws {
        listingDates = try Self.loadListingDates(nextTo: path)
        try super.init(path: path, options: options)
    }

    override func records(forLine line: String, number: Int) throws -> [ImportRecord] {
        if line.allSatisfy(\.isWhitespace) { return [] }
        let record: Record
        do {
            record = try decoder.decode(Record.self, from: Data(line.utf8))
        } catch let error as DecodingError {
            throw RecordProblem("invalid JSON record: \(Self.describe(error))")
        }
        return [.paper(try paper(from: record))]
    }

    func paper(from record: Record) throws -> Paper {
        guard let rawID = record.id, !rawID.isEmpty else { throw RecordProblem("record has no \"id\"") }
        guard let arxivID = ArxivID.parse(rawID) else {
            throw RecordProblem("\(rawID.debugDescription) is not an arXiv id")
        }
        let title = (record.title ?? "").collapsingWhitespace
        guard !title.isEmpty else { throw RecordProblem("record \(rawID) has no title") }

        var versionNumbers: [(number: Int, created: Date?)] = []
        for v in record.versions ?? [] {
            guard v.version.hasPrefix("v"), let n = Int(v.version.dropFirst()), n > 0 else {
                throw RecordProblem("record \(rawID) has an invalid version \(v.version.debugDescription)")
            }
            versionNumbers.append((n, rfc2822.date(from: v.created)))
        }
        versionNumbers.sort { $0.number < $1.number }
        let version = versionNumbers.last?.number ?? arxivID.version ?? 1
        let published = versionNumbers.first?.created ?? listingDates[arxivID.base]?.startDate
        var updated = versionNumbers.count > 1 ? versionNumbers.last?.created : nil
        if let text = record.updateDate, let day = Day(text) { updated = max(updated ?? day.startDate, day.startDate) }

        let categories = (record.categories ?? "").split(separator: " ").map(String.init)
        return Paper(
            id: arxivID.base, version: version, title: title,
            abstract: (record.abstract ?? "").collapsingWhitespace,
            authors: Self.authors(parsed: record.authorsParsed, raw: record.authors),
            categories: categories, publishedAt: published, updatedAt: updated,
            comments: record.comments?.collapsingWhitespace.nilIfEmpty,
            journalRef: record.journalRef?.collapsingWhitespace.nilIfEmpty,
            doi: record.doi?.trimmingCharacters(in: .whitespaces).nilIfEmpty)
    }

    /// `authors_parsed` is `[last, first, suffix]` with LaTeX accents already resolved; fall back to the raw
    /// comma / "and" separated string.
    static func authors(parsed: [[String]]?, raw: String?) -> [String] {
        if let parsed, !parsed.isEmpty {
            return parsed.compactMap { parts in
                let last = parts.first ?? ""
                let first = parts.count > 1 ? parts[1] : ""
                let suffix = parts.count > 2 ? parts[2] : ""
                return [first, last, suffix].filter { !$0.isEmpty }.joined(separator: " ").collapsingWhitespace
                    .nilIfEmpty
            }
        }
        guard let raw else { return [] }
        return raw.collapsingWhitespace
            .replacingOccurrences(of: " and ", with: ", ")
            .split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    /// Parses `Mon, 2 Apr 2007 19:18:42 GMT`; one per source because formatters are costly to make.
    let rfc2822: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, d MMM yyyy HH:mm:ss zzz"
        return formatter
    }()

    static func loadListingDates(nextTo path: String) throws -> [String: Day] {
        var base = path
        for suffix in [".gz", ".jsonl", ".json"] where base.hasSuffix(suffix) { base.removeLast(suffix.count) }
        let candidates = [base + "-listing-dates.tsv.gz", base + "-listing-dates.tsv"]
        guard let sidecar = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else { return [:] }
        let reader = try LineReader(path: sidecar)
        var dates: [String: Day] = [:]
        while let line = try reader.nextLine() {
            let fields = line.split(separator: "\t")
            guard fields.count == 2, let day = Day(String(fields[1])), let id = ArxivID.parse(String(fields[0])) else {
                continue  // header or blank line
            }
            dates[id.base] = day
        }
        return dates
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context):
            return context.underlyingError.map { "\($0.localizedDescription)" } ?? context.debugDescription
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "field \(path.debugDescription): \(context.debugDescription)"
        case .keyNotFound(let key, _):
            return "missing field \(key.stringValue.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
