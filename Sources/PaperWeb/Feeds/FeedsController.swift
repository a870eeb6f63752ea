import Foundation
import Hummingbird
import Mustache
import PaperModel
import PaperServices
import PaperStore

/// Syndication feeds, each in RSS 2.0 (`.rss`), Atom 1.0 (`.atom`) and JSON Feed 1.1 (`.json`):
/// `/feeds/daily`, `/feeds/trending`, `/feeds/new?date=&cat=` ("New on arXiv"), `/feeds/search?q=...` (a saved search is a feed URL) and
/// `/feeds/collections/{id}` for public collections. Pages link to theirs with `<link rel="alternate">`.
struct FeedsController<Search: PaperSearching>: Sendable {
    let store: any PaperStore
    let search: Search?
    let configuration: WebConfiguration
    /// The private "For you" feeds; nil: not offered.
    var recommender: RecommendationService? = nil

    static var itemLimit: Int { 50 }

    func addRoutes(to router: some RouterMethods<PaperboyRequestContext>) {
        router.get("{file}", use: feed)
        router.get("collections/{file}", use: collectionFeed)
        if recommender != nil { router.get("for-you/{file}", use: forYouFeed) }
    }

    /// `/feeds/for-you/{token}.rss|.atom|.json`: a reader's recommendations behind the secret of their feed URL
    /// (made and revoked on their profile). An unknown or revoked token is a 404, like a feed that is not there.
    @Sendable func forYouFeed(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let (token, format) = try Syndication.split(context.parameters.get("file") ?? "")
        guard let recommender, RecommendationFeedSecret.isWellFormed(token),
            let user = try await store.recommendationFeedUser(tokenHash: RecommendationFeedSecret.hash(token))
        else {
            throw WebError(.notFound, "There is no such private feed (its address was revoked or mistyped)")
        }
        let base = baseURL(request, configuration)
        let feed = try await recommender.recommendations(for: user.username, limit: Self.itemLimit)
        let upvotes = try await store.upvoteCounts(paperIDs: feed.items.map(\.paper.id))
        let now = configuration.clock()
        let document = Feed(
            title: "Paperboy · For you (\(user.username))",
            description: feed.preparing
                ? "Still indexing the latest papers; recommendations follow shortly."
                : feed.coldStart
                    ? "Papers from the authors and categories you follow and what is trending (upvote papers to personalize)."
                    : "New papers ranked by what you upvote, save and follow.",
            pageURL: "\(base)/papers/for-you", feedURL: "\(base)/feeds/for-you/\(token).\(format.rawValue)",
            items: feed.items.map {
                Item(
                    paper: $0.paper, date: $0.paper.publishedAt ?? now, upvotes: upvotes[$0.paper.id] ?? 0,
                    codeURL: $0.paper.codeURL, explanation: $0.explanation)
            })
        var response = Syndication.response(document, format, base: base)
        // Personal: shared caches must not keep it.
        response.headers[.cacheControl] = "private, max-age=300"
        return response
    }

    typealias Format = Syndication.Format
    typealias Item = Syndication.Item
    typealias Feed = Syndication.Feed

    @Sendable func feed(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let (name, format) = try Syndication.split(context.parameters.get("file") ?? "")
        let base = baseURL(request, configuration)
        let feed: Feed
        switch name {
        case "daily": feed = try await daily(base: base, format: format)
        case "trending": feed = try await trending(base: base, format: format)
        case "search": feed = try await searchFeed(request, base: base, format: format)
        case "new": feed = try await newFeed(request, base: base, format: format)
        default:
            throw WebError(
                .notFound, "There is no feed \(name.prefix(40).debugDescription); try daily, trending, new or search")
        }
        return Syndication.response(feed, format, base: base)
    }

    func daily(base: String, format: Format) async throws -> Feed {
        var entries: [FeedEntry] = []
        if let latest = try await store.latestFeedDay(onOrBefore: nil) {
            entries = try await store.feed(from: latest.adding(days: -13), through: latest, limit: 2_000, offset: 0)
        }
        entries.sort { ($0.submission.submittedAt, $1.paper.id) > ($1.submission.submittedAt, $0.paper.id) }
        return Feed(
            title: "Paperboy · Daily Papers", description: "Papers submitted to the daily feed, newest first.",
            pageURL: base + "/", feedURL: "\(base)/feeds/daily.\(format.rawValue)",
            items: entries.prefix(Self.itemLimit).map(Syndication.item))
    }

    func trending(base: String, format: Format) async throws -> Feed {
        let entries = try await TrendingPapers.current(
            store: store, now: configuration.clock(), limit: FeedLimits.periodPageSize
        ).entries
        return Feed(
            title: "Paperboy · Trending Papers", description: "Upvotes and comments, fading with age.",
            pageURL: base + "/papers/trending", feedURL: "\(base)/feeds/trending.\(format.rawValue)",
            items: entries.prefix(Self.itemLimit).map(Syndication.item))
    }

    /// "New on arXiv" of a day (`date`, default the latest with papers) and optionally a category (`cat`).
    func newFeed(_ request: Request, base: String, format: Format) async throws -> Feed {
        let query = try NewPapersQuery.parse(request)
        let day = try await query.day(store: store, today: Day(configuration.clock()))
        let papers = try await store.papersPublished(on: day, category: query.category, limit: Self.itemLimit * 4)
        let upvotes = try await store.upvoteCounts(paperIDs: papers.map(\.id))
        let queryString = query.queryString(day: query.day)
        return Feed(
            title: "Paperboy · New on arXiv" + (query.category.map { " · \($0)" } ?? "")
                + (query.day.map { " · \($0)" } ?? ""),
            description:
                "Papers first published on arXiv on \(day)\(query.category.map { " in \($0)" } ?? ""), newest first.",
            pageURL: "\(base)/papers/new\(queryString)", feedURL: "\(base)/feeds/new.\(format.rawValue)\(queryString)",
            items: papers.map {
                Item(
                    paper: $0, date: $0.publishedAt ?? day.startDate, upvotes: upvotes[$0.id] ?? 0, codeURL: $0.codeURL)
            })
    }

    func searchFeed(_ request: Request, base: String, format: Format) async throws -> Feed {
        let parameters = FormQuery(request.uri.query ?? "")
        let query = try PaperSearchQuery.parse { parameters[$0] }
        let text = query.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else {
            throw WebError.invalidParameter("a search feed needs a query: /feeds/search.\(format.rawValue)?q=...")
        }
        guard let search else { throw WebError(.searchNotReady, "The search index is not ready yet.") }
        let response = try await search.search(
            SearchRequest(query: text, mode: query.mode, filter: query.filter, limit: Self.itemLimit))
        let papers = try await store.papers(ids: response.hits.map(\.paperID))
        let upvotes = try await store.upvoteCounts(paperIDs: papers.map(\.id))
        let queryString = request.uri.query.map { "?" + $0 } ?? ""
        return Feed(
            title: "Paperboy · Search: \(text)", description: "Papers matching \(text.debugDescription).",
            pageURL: "\(base)/papers\(queryString)", feedURL: "\(base)/feeds/search.\(format.rawValue)\(queryString)",
            items: papers.map {
                Item(
                    paper: $0, date: $0.publishedAt ?? Date(timeIntervalSince1970: 0), upvotes: upvotes[$0.id] ?? 0,
                    codeURL: $0.codeURL)
            })
    }

    @Sendable func collectionFeed(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let (name, format) = try Syndication.split(context.parameters.get("file") ?? "")
        guard let id = Int64(name), let collection = try await store.collection(id: id), collection.isPublic else {
            throw WebError(.notFound, "There is no public collection \(name.prefix(40).debugDescription)")
        }
        let base = baseURL(request, configuration)
        let papers = try await store.collectionPapers(id: id)
        let upvotes = try await store.upvoteCounts(paperIDs: papers.map(\.id))
        let feed = Feed(
            title: "Paperboy · \(collection.name) by \(collection.owner)",
            description: "A collection of papers by \(collection.owner).",
            pageURL: "\(base)/collections/\(id)", feedURL: "\(base)/feeds/collections/\(id).\(format.rawValue)",
            items: papers.prefix(Self.itemLimit).map {
                Item(
                    paper: $0, date: $0.publishedAt ?? collection.createdAt, upvotes: upvotes[$0.id] ?? 0,
                    codeURL: $0.codeURL)
            })
        return Syndication.response(feed, format, base: base)
    }

}

/// A `<link rel="alternate">` in a page's head.
struct FeedLink: Equatable, MustacheParent {
    var type: String
    var title: String
    var href: String

    func child(named name: String) -> Any? {
        switch name {
        case "type": type
        case "title": title
        case "href": href
        default: nil
        }
    }
}
