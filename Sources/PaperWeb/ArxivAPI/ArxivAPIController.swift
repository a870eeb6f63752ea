import Foundation
import Hummingbird
import PaperModel
import PaperServices
import PaperStore

/// `GET /api/query`: the arXiv API (Atom 1.0 with `opensearch:` and `arxiv:` elements) over Paperboy's papers,
/// so that the `arxiv` client works with `Client.query_url_format = "http://HOST/api/query?{}"`.
struct ArxivAPIController<Search: PaperSearching>: Sendable {
    let store: any PaperStore
    let search: Search?
    let configuration: WebConfiguration

    /// arXiv's own limits: at most 2000 results per call, 30000 in all.
    static var maxResultsPerCall: Int { 2_000 }
    static var maxStart: Int { 30_000 }

    func addRoutes(to router: some RouterMethods<PaperboyRequestContext>) {
        router.get("query", use: query)
    }

    struct Parameters {
        var query: FieldedQuery?
        var ids: [String]
        var start: Int
        var maxResults: Int
        var sortBy: String
        var ascending: Bool
    }

    static func parameters(_ request: Request) throws -> Parameters {
        let q = APIQuery(request)
        let text = try q.text("search_query", maxLength: FieldedQuery.maxLength) ?? ""
        let query = try FieldedQuery.parse(text)
        var ids: [String] = []
        if let list = try q.text("id_list", maxLength: 20_000) {
            for raw in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !raw.isEmpty {
                guard let id = PaperIdentifier.canonical(raw) else {
                    throw WebError(.invalidArxivQuery, "incorrect id format for \(raw.prefix(40).debugDescription)")
                }
                if !ids.contains(id) { ids.append(id) }
            }
        }
        let sortBy = try q.text("sortBy", maxLength: 40) ?? "relevance"
        guard ["relevance", "lastUpdatedDate", "submittedDate"].contains(sortBy) else {
            throw WebError(.invalidArxivQuery, "sortBy must be relevance, lastUpdatedDate or submittedDate")
        }
        let order = try q.text("sortOrder", maxLength: 40) ?? "descending"
        guard order == "ascending" || order == "descending" else {
            throw WebError(.invalidArxivQuery, "sortOrder must be ascending or descending")
        }
        return Parameters(
            query: query, ids: ids, start: try q.integer("start", default: 0, range: 0...maxStart),
            maxResults: try q.integer("max_results", default: 10, range: 0...maxResultsPerCall), sortBy: sortBy,
            ascending: order == "ascending")
    }

    /// Malformed parameters are answered by the group's error middleware, as arXiv does: an Atom feed with one
    /// entry titled "Error" (`ErrorAudience.arxiv`).
    @Sendable func query(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        try await answer(try Self.parameters(request), request, base: baseURL(request, configuration))
    }

    func answer(_ parameters: Parameters, _ request: Request, base: String) async throws -> Response {
        // Matching ids with relevance scores, in relevance order.
        var matches: [(String, Float)] = []
        if let query = parameters.query {
            guard let search else { throw WebError(.searchNotReady, "The search index is not ready yet.") }
            var scores = try await search.fieldedMatches(query)
            if !parameters.ids.isEmpty { scores = scores.filter { parameters.ids.contains($0.key) } }
            matches = scores.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map {
                ($0.key, $0.value)
            }
        } else if !parameters.ids.isEmpty {
            let found = Set(try await store.papers(ids: parameters.ids).map(\.id))
            matches = parameters.ids.filter(found.contains).map { ($0, 0) }
        }
        var ordered = matches.map(\.0)
        /// Papers already read to sort by date, so the page below is not read twice.
        var known: [String: Paper] = [:]
        if parameters.sortBy != "relevance" {
            let papers = try await store.papers(ids: ordered)
            known = Dictionary(papers.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            func key(_ p: Paper) -> Date {
                (parameters.sortBy == "lastUpdatedDate" ? p.updatedAt ?? p.publishedAt : p.publishedAt) ?? .distantPast
            }
            let sorted = papers.sorted { a, b in
                let (ka, kb) = (key(a), key(b))
                if ka != kb { return parameters.ascending ? ka < kb : ka > kb }
                return a.id < b.id
            }
            ordered = sorted.map(\.id)
        } else if parameters.ascending {
            ordered.reverse()
        }
        let pageIDs = Array(ordered.dropFirst(parameters.start).prefix(parameters.maxResults))
        if known.isEmpty {
            known = Dictionary(
                try await store.papers(ids: pageIDs).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        }
        let page = pageIDs.compactMap { known[$0] }
        let feed = ArxivAtom.feed(
            page, total: ordered.count, start: parameters.start, perPage: parameters.maxResults,
            selfLink: base + request.uri.description, base: base, title: "Paperboy query: \(request.uri.query ?? "")",
            now: configuration.clock())
        return atomResponse(feed, status: .ok)
    }

    func atomResponse(_ body: String, status: HTTPResponse.Status) -> Response {
        Response(
            status: status, headers: [.contentType: "application/atom+xml; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

}

/// XML text and attribute escaping. Characters XML 1.0 forbids (most C0 controls, U+FFFE, U+FFFF) are dropped,
/// so a stray control character in an abstract cannot make a feed unparseable.
enum XML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                if v < 0x20 || v == 0xFFFE || v == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
