import Foundation
import Synchronization

/// What a `ReplayArxivService` is asked: the request, and the URL the live service would have fetched.
public enum ArxivRequest: Sendable, Equatable {
    case listRecords(OAIListRecords)
    case query(ArxivQuery)
}

/// An `ArxivService` that answers from recorded bodies (no network), through the same parsers as the live
/// one, and remembers what it was asked. For tests of code that harvests, and for offline runs.
public final class ReplayArxivService: ArxivService, Sendable {
    public typealias Responder = @Sendable (ArxivRequest) throws -> Data

    private let respond: Responder
    private let log = Mutex<[ArxivRequest]>([])

    /// `respond` returns the recorded body for a request, or throws (e.g. to simulate a failure).
    public init(respond: @escaping Responder) {
        self.respond = respond
    }

    /// Serves OAI pages in order: the first request gets `oaiPages[0]`, a request resuming with the token of
    /// page `i` gets page `i + 1`. Query API requests get `atom[id_list or search_query]`, or an empty feed.
    public convenience init(oaiPages: [Data], atom: [String: Data] = [:]) {
        let tokens = oaiPages.map { (try? OAIPageParser.parse($0))?.nextToken }
        self.init { request in
            switch request {
            case .listRecords(let list):
                guard let token = list.resumptionToken else {
                    guard let first = oaiPages.first else { return Self.noRecordsMatch }
                    return first
                }
                guard let index = tokens.firstIndex(of: token), index + 1 < oaiPages.count else {
                    return Self.badResumptionToken
                }
                return oaiPages[index + 1]
            case .query(let query):
                let key = query.idList.isEmpty ? (query.searchQuery ?? "") : query.normalizedIDs.joined(separator: ",")
                return atom[key] ?? Self.emptyFeed
            }
        }
    }

    /// The requests answered so far, oldest first.
    public var requests: [ArxivRequest] {
        log.withLock { $0 }
    }

    public func listRecords(_ request: OAIListRecords) async throws -> OAIPage {
        try OAIPageParser.parse(record(.listRecords(request)))
    }

    public func query(_ query: ArxivQuery) async throws -> AtomFeedPage {
        try AtomFeedParser.parse(record(.query(query)))
    }

    private func record(_ request: ArxivRequest) throws -> Data {
        log.withLock { $0.append(request) }
        return try respond(request)
    }

    static let oaiHead =
        #"<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">"#
    public static let noRecordsMatch = Data(
        (oaiHead + #"<responseDate>2026-01-01T00:00:00Z</responseDate><request verb="ListRecords">replay</request>"#
            + #"<error code="noRecordsMatch">The combination of the values of the from, until, set and metadataPrefix"#
            + " arguments results in an empty list.</error></OAI-PMH>").utf8)
    public static let badResumptionToken = Data(
        (oaiHead + #"<responseDate>2026-01-01T00:00:00Z</responseDate><request verb="ListRecords">replay</request>"#
            + #"<error code="badResumptionToken">The value of the resumptionToken argument is invalid or expired."#
            + "</error></OAI-PMH>").utf8)
    public static let emptyFeed = Data(
        (#"<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" "#
            + #"xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"><title>replay</title>"#
            + "<opensearch:totalResults>0</opensearch:totalResults><opensearch:startIndex>0</opensearch:startIndex>"
            + "</feed>").utf8)
}
