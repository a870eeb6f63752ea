import Foundation
import Hummingbird
import PaperModel
import PaperStore

/// "New on arXiv": `/papers/new?date=YYYY-MM-DD&cat=cs.CL`, the papers first published on a day (the latest day
/// with papers by default), newest first, filtered by category, each with a one-click submit form for members.
/// Its feeds are `/feeds/new.{rss,atom,json}` with the same parameters (see `FeedsController`).
struct NewPapersController: Sendable {
    let store: any PaperStore
    let renderer: PageRenderer
    let site: SiteStatusProvider

    /// Papers read for a day (arXiv announces up to a few thousand a day), and shown on the page.
    static let dayLimit = 5_000
    static let pageLimit = 300

    func addRoutes(to router: some RouterMethods<PaperboyRequestContext>) {
        router.get("/papers/new", use: page)
    }

    typealias Query = NewPapersQuery

    @Sendable func page(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let query = try NewPapersQuery.parse(request)
        let day = try await query.day(store: store, today: Day(site.now()))
        let all = try await site.cache.value("new \(day)", store: store) {
            try await store.papersPublished(on: day, category: nil, limit: Self.dayLimit)
        }
        let (previous, next) = try await site.cache.value("new around \(day)", store: store) {
            let around = try await store.neighbouringPublishedDays(of: day)
            return [around.previous, around.next]
        }.pair
        var counts: [String: Int] = [:]
        for paper in all { for category in Set(paper.categories) { counts[category, default: 0] += 1 } }
        let chosen = query.category.map { category in all.filter { $0.categories.contains(category) } } ?? all
        var cards: [NewPaperCardView] = []
        for paper in chosen.prefix(Self.pageLimit) {
            var card = NewPaperCardView(
                id: paper.id, title: paper.title, authorsShort: CardView.shortAuthors(paper.authors),
                teaser: CardView.teaser(paper.abstract, limit: 320), categories: paper.categories,
                published: paper.publishedAt.map(Timestamp.atom) ?? "")
            if context.viewer != nil {
                card.submittedDay = try await store.submission(paperID: paper.id)?.day.description
            }
            cards.append(card)
        }
        var info = try await site.info(context)
        info.feeds = FeedLink.alternates("/feeds/new", title: "New on arXiv").map {
            var link = $0
            link.href += query.queryString(day: query.day)
            return link
        }
        let categories = counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(30).map {
            NewPapersCategoryView(
                name: $0.key, count: $0.value, href: "/papers/new" + Query(category: $0.key).queryString(day: day),
                active: $0.key == query.category)
        }
        let view = NewPapersPageView(
            site: info, day: day.description, dayLabel: DateText.long(day), category: query.category,
            previousHref: previous.map { "/papers/new" + query.queryString(day: $0) },
            previousLabel: previous.map(DateText.short),
            nextHref: next.map { "/papers/new" + query.queryString(day: $0) }, nextLabel: next.map(DateText.short),
            allHref: "/papers/new" + Query().queryString(day: day), categories: Array(categories),
            cards: cards, count: chosen.count,
            shownCount: cards.count, truncated: chosen.count > cards.count, canSubmit: context.viewer != nil)
        return HTML(body: try renderer.render(view))
    }
}

extension Array where Element == Day? {
    fileprivate var pair: (Day?, Day?) { (self[0], self[1]) }
}
