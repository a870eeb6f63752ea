import Foundation
import PaperModel

/// What Paperboy asks of arXiv: pages of OAI-PMH records, and query API (Atom) lookups and searches.
///
/// One call is one HTTP request (one page): the caller drives paging with the resumption token, so it can save
/// its progress between pages. `LiveArxivService` talks to arXiv politely (rate limit, retries, timeouts);
/// `ReplayArxivService` answers from recorded bodies through the same parsers, for tests and offline runs.
public protocol ArxivService: Sendable {
    /// One `ListRecords` page: the first one for `request`'s harvest, or the next one when it carries a
    /// resumption token. `noRecordsMatch` is an empty final page; other OAI errors are thrown as `OAIError`.
    func listRecords(_ request: OAIListRecords) async throws -> OAIPage

    /// One query API answer (`id_list` and/or `search_query`, with paging). arXiv's Atom error entry is
    /// thrown as `ArxivAPIError`.
    func query(_ query: ArxivQuery) async throws -> AtomFeedPage
}

extension ArxivService {
    /// Looks papers up by id, in any form arXiv accepts (`2210.14199`, `2210.14199v2`, `hep-th/9901001`, or a
    /// pasted abs URL). An id arXiv does not know yields no entry; an id it cannot parse is an `ArxivAPIError`.
    /// Long lists are asked for `batchSize` ids per request.
    public func lookup(ids: [String], batchSize: Int = 100) async throws -> [ArxivEntry] {
        var entries: [ArxivEntry] = []
        let size = max(1, batchSize)
        for start in stride(from: 0, to: ids.count, by: size) {
            let batch = Array(ids[start..<min(start + size, ids.count)])
            entries += try await query(ArxivQuery(idList: batch, start: 0, maxResults: batch.count)).entries
        }
        return entries
    }

    /// Papers whose title has all of `title`'s words (`ti:` terms joined with AND), one page of them.
    public func search(title: String, start: Int = 0, maxResults: Int = 10) async throws -> AtomFeedPage {
        try await query(ArxivQuery(searchQuery: ArxivQuery.titleQuery(title), start: start, maxResults: maxResults))
    }
}

// MARK: - OAI-PMH

/// The two arXiv metadata formats Paperboy reads: `arXiv` (current metadata, dates of first and last
/// version) and `arXivRaw` (the full version history with dates, raw author string).
public enum OAIMetadataPrefix: String, Sendable, CaseIterable {
    case arXiv
    case arXivRaw
}

/// The arguments of one `ListRecords` request.
///
/// A harvest starts with `metadataPrefix`, optional `from`/`until` (day granularity, inclusive) and `set`
/// (`cs`, `math`, `physics:hep-th`, ...); every following page is asked for with the previous page's
/// resumption token alone (OAI-PMH makes it an exclusive argument).
public struct OAIListRecords: Sendable, Equatable {
    public var metadataPrefix: OAIMetadataPrefix
    public var from: Day?
    public var until: Day?
    public var set: String?
    public var resumptionToken: String?

    public init(
        metadataPrefix: OAIMetadataPrefix = .arXiv, from: Day? = nil, until: Day? = nil, set: String? = nil
    ) {
        self.metadataPrefix = metadataPrefix
        self.from = from
        self.until = until
        self.set = set
        self.resumptionToken = nil
    }

    /// The request for the page after one whose token was `token`.
    public static func resuming(_ token: String) -> OAIListRecords {
        var request = OAIListRecords()
        request.resumptionToken = token
        return request
    }

    /// The query string arguments, in a stable order.
    public var queryItems: [(name: String, value: String)] {
        var items: [(String, String)] = [("verb", "ListRecords")]
        if let resumptionToken {
            items.append(("resumptionToken", resumptionToken))
            return items
        }
        items.append(("metadataPrefix", metadataPrefix.rawValue))
        if let from { items.append(("from", from.description)) }
        if let until { items.append(("until", until.description)) }
        if let set { items.append(("set", set)) }
        return items
    }
}

/// A `<resumptionToken>`: the value to send for the next page (empty on the last page) and, when the server
/// gives them, the size of the whole list and the position of this page in it.
public struct OAIResumptionToken: Sendable, Equatable {
    public var value: String
    public var completeListSize: Int?
    public var cursor: Int?
    public var expirationDate: String?

    public init(value: String, completeListSize: Int? = nil, cursor: Int? = nil, expirationDate: String? = nil) {
        self.value = value
        self.completeListSize = completeListSize
        self.cursor = cursor
        self.expirationDate = expirationDate
    }
}

/// One version of a paper, from `arXivRaw`'s `<version version="v2"><date>...</date><size>...</size>`.
public struct ArxivVersion: Sendable, Equatable {
    public var number: Int
    public var submittedAt: Date?
    public var size: String?

    public init(number: Int, submittedAt: Date?, size: String? = nil) {
        self.number = number
        self.submittedAt = submittedAt
        self.size = size
    }
}

/// A record of a `ListRecords` page mapped to a `Paper`.
///
/// With `arXiv` metadata the version is unknown (`paper.version` is 1 unless the id names one, and `versions`
/// is empty); `arXivRaw` gives every version, and `paper.version` is the newest.
public struct OAIRecord: Sendable, Equatable {
    /// The OAI identifier, e.g. `oai:arXiv.org:0704.0001`.
    public var identifier: String
    /// When the record last changed in the repository (day granularity); the harvest's progress mark.
    public var datestamp: Day
    public var setSpecs: [String]
    public var paper: Paper
    public var versions: [ArxivVersion]
    public var metadataPrefix: OAIMetadataPrefix
    public var license: String?
    public var submitter: String?

    public init(
        identifier: String, datestamp: Day, setSpecs: [String], paper: Paper, versions: [ArxivVersion] = [],
        metadataPrefix: OAIMetadataPrefix, license: String? = nil, submitter: String? = nil
    ) {
        self.identifier = identifier
        self.datestamp = datestamp
        self.setSpecs = setSpecs
        self.paper = paper
        self.versions = versions
        self.metadataPrefix = metadataPrefix
        self.license = license
        self.submitter = submitter
    }
}

/// A `<header status="deleted">`: the paper was removed from the repository, so the caller marks it withdrawn.
public struct OAIDeletion: Sendable, Equatable {
    public var identifier: String
    /// The versionless arXiv id the identifier names, when it names one.
    public var paperID: String?
    public var datestamp: Day?
    public var setSpecs: [String]

    public init(identifier: String, paperID: String?, datestamp: Day?, setSpecs: [String] = []) {
        self.identifier = identifier
        self.paperID = paperID
        self.datestamp = datestamp
        self.setSpecs = setSpecs
    }
}

/// A record that could not be mapped (no id, no title, an invalid version, ...): skipped, the page goes on.
public struct SkippedRecord: Sendable, Equatable, CustomStringConvertible {
    /// The OAI identifier (or the Atom entry id), when the record had one.
    public var identifier: String?
    public var reason: String

    public init(identifier: String?, reason: String) {
        self.identifier = identifier
        self.reason = reason
    }

    public var description: String { "\(identifier ?? "record without identifier"): \(reason)" }
}

/// One `ListRecords` answer.
public struct OAIPage: Sendable, Equatable {
    public var records: [OAIRecord]
    public var deletions: [OAIDeletion]
    public var skipped: [SkippedRecord]
    /// nil when the answer carried none (a one-page list, or `noRecordsMatch`).
    public var resumptionToken: OAIResumptionToken?
    public var responseDate: String?

    public init(
        records: [OAIRecord] = [], deletions: [OAIDeletion] = [], skipped: [SkippedRecord] = [],
        resumptionToken: OAIResumptionToken? = nil, responseDate: String? = nil
    ) {
        self.records = records
        self.deletions = deletions
        self.skipped = skipped
        self.resumptionToken = resumptionToken
        self.responseDate = responseDate
    }

    /// The token to send for the next page, nil when this page is the last.
    public var nextToken: String? {
        guard let value = resumptionToken?.value, !value.isEmpty else { return nil }
        return value
    }

    public var isFinal: Bool { nextToken == nil }

    /// The newest datestamp on the page (records, deletions and skipped ones alike are all behind it).
    public var latestDatestamp: Day? {
        (records.map(\.datestamp) + deletions.compactMap(\.datestamp)).max()
    }
}

/// The OAI-PMH error codes, typed. `badResumptionToken` means the harvest must restart from the caller's last
/// safe datestamp (tokens expire); `noRecordsMatch` is not an error here but an empty final page.
public enum OAIError: Error, Equatable, Sendable {
    case badResumptionToken(String)
    case badArgument(String)
    case badVerb(String)
    case cannotDisseminateFormat(String)
    case idDoesNotExist(String)
    case noMetadataFormats(String)
    case noSetHierarchy(String)
    case other(code: String, message: String)

    init(code: String, message: String) {
        switch code {
        case "badResumptionToken": self = .badResumptionToken(message)
        case "badArgument": self = .badArgument(message)
        case "badVerb": self = .badVerb(message)
        case "cannotDisseminateFormat": self = .cannotDisseminateFormat(message)
        case "idDoesNotExist": self = .idDoesNotExist(message)
        case "noMetadataFormats": self = .noMetadataFormats(message)
        case "noSetHierarchy": self = .noSetHierarchy(message)
        default: self = .other(code: code, message: message)
        }
    }
}

// MARK: - Query API (Atom)

/// The arguments of one query API request (`https://export.arxiv.org/api/query`).
public struct ArxivQuery: Sendable, Equatable {
    public var searchQuery: String?
    public var idList: [String]
    public var start: Int
    public var maxResults: Int

    public init(searchQuery: String? = nil, idList: [String] = [], start: Int = 0, maxResults: Int = 10) {
        self.searchQuery = searchQuery
        self.idList = idList
        self.start = start
        self.maxResults = maxResults
    }

    /// `ti:word AND ti:word ...` for the words of a title (quotes and parentheses dropped, so a pasted title
    /// cannot break the query syntax).
    public static func titleQuery(_ title: String) -> String {
        let words = title.split { $0.isWhitespace || "\"()".contains($0) }.map { "ti:\($0)" }
        return words.joined(separator: " AND ")
    }

    /// Ids are sent in the form arXiv documents (`2210.14199v2`, `hep-th/9901001`) when `ArxivID` can read
    /// them (a pasted URL becomes its id); anything else is sent as typed, so arXiv answers with its error.
    public var normalizedIDs: [String] {
        idList.map { raw in
            ArxivID.parse(raw)?.versioned ?? raw.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    public var queryItems: [(name: String, value: String)] {
        var items: [(String, String)] = []
        if let searchQuery { items.append(("search_query", searchQuery)) }
        if !idList.isEmpty { items.append(("id_list", normalizedIDs.joined(separator: ","))) }
        items.append(("start", String(start)))
        items.append(("max_results", String(maxResults)))
        return items
    }
}

/// One Atom entry: the paper plus what the query API says that `Paper` has no field for.
public struct ArxivEntry: Sendable, Equatable {
    public var paper: Paper
    /// The id with its version, e.g. `2210.14199v2`.
    public var versionedID: String
    public var primaryCategory: String?
    public var absURL: String?
    public var pdfURL: String?
    public var doiURL: String?

    public init(
        paper: Paper, versionedID: String, primaryCategory: String?, absURL: String?, pdfURL: String?,
        doiURL: String? = nil
    ) {
        self.paper = paper
        self.versionedID = versionedID
        self.primaryCategory = primaryCategory
        self.absURL = absURL
        self.pdfURL = pdfURL
        self.doiURL = doiURL
    }
}

/// One query API answer.
public struct AtomFeedPage: Sendable, Equatable {
    public var entries: [ArxivEntry]
    public var skipped: [SkippedRecord]
    public var totalResults: Int?
    public var startIndex: Int?
    public var itemsPerPage: Int?

    public init(
        entries: [ArxivEntry] = [], skipped: [SkippedRecord] = [], totalResults: Int? = nil, startIndex: Int? = nil,
        itemsPerPage: Int? = nil
    ) {
        self.entries = entries
        self.skipped = skipped
        self.totalResults = totalResults
        self.startIndex = startIndex
        self.itemsPerPage = itemsPerPage
    }
}

/// arXiv's Atom error entry (sent with HTTP 400), e.g. `incorrect id format for abc`.
public struct ArxivAPIError: Error, Equatable, Sendable {
    /// The entry id, e.g. `https://arxiv.org/api/errors#incorrect_id_format_for_abc`.
    public var id: String
    public var message: String
    public var httpStatus: Int?

    public init(id: String, message: String, httpStatus: Int? = nil) {
        self.id = id
        self.message = message
        self.httpStatus = httpStatus
    }
}

// MARK: - Transport errors

/// Failures of a request itself, after the politeness layer's retries.
public enum ArxivClientError: Error, Equatable, Sendable {
    /// The body was not a complete answer of the expected kind (truncated XML, an HTML error page, ...).
    case malformedResponse(String)
    /// An HTTP status that is not retried (4xx other than arXiv's own error answers).
    case httpStatus(Int, String)
    /// Connection refused or reset, a timeout, a body cut short.
    case transport(String)
    /// Every attempt failed with a retryable error; `last` describes the last one.
    case retriesExhausted(attempts: Int, last: String)
    /// A base URL that cannot be requested.
    case invalidURL(String)
}
