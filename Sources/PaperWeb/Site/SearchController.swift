import Foundation
import Hummingbird
import Mustache
import PaperModel
import PaperServices
import PaperStore

/// `/papers?q=`: the search page, in the style of the daily listing.
struct SearchController<Search: PaperSearching>: Sendable {
    let store: any PaperStore
    let engine: Search?
    let renderer: PageRenderer
    let site: SiteStatusProvider

    static var pageSize: Int { 30 }
    /// Results re-sorted by date or upvotes are the top of this many relevant ones.
    static var resortDepth: Int { 200 }

    func addRoutes(to router: some RouterMethods<PaperboyRequestContext>) {
        router.get("/papers", use: search)
    }

    /// The search's parameters as PaperServices reads them.
    typealias Query = PaperSearchQuery

    /// Reads and validates the query string; a bad value is the user's mistake: 400 with what was wrong.
    static func parse(_ request: Request) throws -> Query {
        let params = FormQuery(request.uri.query ?? "")
        return try PaperSearchQuery.parse { params[$0] }
    }

    @Sendable func search(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let query = try Self.parse(request)
        var info = try await site.info(context)
        if !query.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, let q = request.uri.query {
            info.feeds = FeedLink.alternates("/feeds/search", title: "Search: \(query.text)").map {
                FeedLink(type: $0.type, title: $0.title, href: $0.href + "?" + q)
            }
        }
        var view = SearchPageView(site: info, query: query)
        if let engine, !engine.isReady {
            view.indexing =
                "The search index is still being built (\(engine.status.documents) of \(info.paperCount) papers so far); results may be incomplete."
        }
        view.here = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        guard !query.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            return HTML(body: try renderer.render(view))
        }
        guard let engine else {
            throw WebError(.searchNotReady, "The search index is not ready yet.")
        }
        let response = try await engine.search(query.request(limit: Self.pageSize, depth: Self.resortDepth))
        var papers = try await store.papers(ids: response.hits.map(\.paperID))
        let upvotes = try await store.upvoteCounts(paperIDs: papers.map(\.id))
        papers = query.ordered(papers, upvotes: upvotes)
        papers = Array(papers.prefix(Self.pageSize))
        view.results = papers.map {
            SearchResultView(paper: $0, upvotes: upvotes[$0.id] ?? 0, terms: response.highlightTerms)
        }
        view.resultSummary =
            "\(papers.count)\(papers.count == Self.pageSize ? "+" : "") results · \(response.mode.rawValue) search"
        return HTML(body: try renderer.render(view))
    }
}

/// `application/x-www-form-urlencoded` query strings, as browsers send GET forms: `+` is a space, `%2B` a plus.
struct FormQuery {
    private var values: [String: String] = [:]

    init(_ query: String) {
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let key = decode(parts[0])
            if values[key] == nil { values[key] = parts.count > 1 ? decode(parts[1]) : "" }
        }
    }

    subscript(_ name: String) -> String? { values[name] }
}
