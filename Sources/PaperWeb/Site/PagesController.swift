import Foundation
import Hummingbird
import PaperModel
import PaperServices
import PaperStore

/// The server-rendered pages: daily feeds and paper pages.
struct PagesController<Search: PaperSearching>: Sendable {
    let store: any PaperStore
    let search: Search?
    let renderer: PageRenderer
    let site: SiteStatusProvider
    /// On-demand imports from arXiv; nil: a missing paper is a plain 404.
    var imports: PaperImports? = nil

    func addRoutes(to router: some RouterMethods<PaperboyRequestContext>) {
        router.get("/", use: home)
        router.get("/papers/date/{day}", use: daily)
        router.get("/papers/week/{week}", use: weekly)
        router.get("/papers/month/{month}", use: monthly)
        router.get("/papers/trending", use: trending)
        router.get("/papers/{id}", use: paper)
        // Old-style arXiv ids contain a slash: /papers/hep-th/9901001
        router.get("/papers/{id}/{number}", use: paper)
        router.get("/about", use: about)
    }

    @Sendable func home(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let day = try await latestFeedDay() ?? Day(site.now())
        return try await dailyPage(day, context)
    }

    /// The store's latest feed day, kept until the next write.
    func latestFeedDay() async throws -> Day? {
        try await site.cache.value("latestFeedDay", store: store) { try await store.latestFeedDay(onOrBefore: nil) }
    }

    /// What a daily page reads from the store.
    struct DailyFeed: Sendable, Equatable {
        var cards: FeedCards
        var previous: Day?
        var next: Day?
        var latestDay: Day?
    }

    @Sendable func daily(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let text = context.parameters.get("day") ?? ""
        guard let day = Day(text) else {
            throw WebError(
                .invalidParameter, heading: "Not a date",
                "\(text.debugDescription) is not a date of the form YYYY-MM-DD.")
        }
        return try await dailyPage(day, context)
    }

    func dailyPage(_ day: Day, _ context: PaperboyRequestContext) async throws -> HTML {
        let feed = try await site.cache.value("daily \(day)", store: store) {
            let entries = try await store.dailyFeed(day: day)
            let (previous, next) = try await store.neighbouringFeedDays(of: day)
            return DailyFeed(
                cards: FeedCards(entries), previous: previous, next: next,
                latestDay: entries.isEmpty ? try await store.latestFeedDay(onOrBefore: nil) : nil)
        }
        let (previous, next) = (feed.previous, feed.next)
        var info = try await site.info(context)
        info.feeds = FeedLink.alternates("/feeds/daily", title: "Daily papers")
        let view = FeedPageView(
            site: info, heading: "Daily Papers", subtitle: "by the research community",
            periodLabel: DateText.long(day), emptyPeriod: "on \(DateText.long(day))",
            previousHref: previous.map { "/papers/date/\($0)" }, previousLabel: previous.map(DateText.short),
            nextHref: next.map { "/papers/date/\($0)" }, nextLabel: next.map(DateText.short),
            latestDay: feed.latestDay?.description,
            cards: feed.cards.cards(at: site.now()),
            tabs: FeedPageView.tabs(active: .daily, day: day, signedIn: context.viewer != nil),
            here: "/papers/date/\(day)")
        return try render(view)
    }

    /// The page of a feed view: rendered once per distinct view, see `RenderedPageCache`.
    func render(_ view: FeedPageView) throws -> HTML {
        var view = view
        // Signed-in readers can tell the recommender a card is not for them, on every feed.
        if view.site.viewer != nil { for i in view.cards.indices { view.cards[i].canReject = true } }
        return HTML(body: try site.pages.html(view) { try renderer.render($0) })
    }

    static var periodPageSize: Int { FeedLimits.periodPageSize }

    @Sendable func weekly(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let text = context.parameters.get("week") ?? ""
        guard let week = FeedPeriod.week(text) else {
            throw WebError(
                .invalidParameter, heading: "Not a week",
                "\(text.debugDescription) is not an ISO week of the form YYYY-Www (e.g. 2026-W22).")
        }
        return try await periodPage(
            week, kind: .weekly, heading: "Weekly Papers",
            label: "Week \(week.name.suffix(2)), \(DateText.short(week.first)) – \(DateText.short(week.last))",
            previous: week.previousWeek, next: week.nextWeek, route: "week", context)
    }

    @Sendable func monthly(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let text = context.parameters.get("month") ?? ""
        guard let month = FeedPeriod.month(text) else {
            throw WebError(
                .invalidParameter, heading: "Not a month",
                "\(text.debugDescription) is not a month of the form YYYY-MM.")
        }
        let label = "\(Day.monthNames[month.first.month - 1]) \(month.first.year)"
        return try await periodPage(
            month, kind: .monthly, heading: "Monthly Papers", label: label, previous: month.previousMonth,
            next: month.nextMonth, route: "month", context)
    }

    func periodPage(
        _ period: FeedPeriod, kind: FeedPageView.Kind, heading: String, label: String, previous: FeedPeriod?,
        next: FeedPeriod?, route: String, _ context: PaperboyRequestContext
    ) async throws -> HTML {
        let feed = try await site.cache.value("period \(period.name)", store: store) {
            let entries = try await store.feed(
                from: period.first, through: period.last, limit: Self.periodPageSize, offset: 0)
            return DailyFeed(
                cards: FeedCards(entries),
                latestDay: entries.isEmpty ? try await store.latestFeedDay(onOrBefore: nil) : nil)
        }
        let view = FeedPageView(
            site: try await site.info(context), heading: heading, subtitle: "the most upvoted papers of the \(route)",
            periodLabel: label, emptyPeriod: "in \(label)",
            previousHref: previous.map { "/papers/\(route)/\($0.name)" }, previousLabel: previous?.name,
            nextHref: next.map { "/papers/\(route)/\($0.name)" }, nextLabel: next?.name,
            latestDay: feed.latestDay?.description,
            cards: feed.cards.cards(at: site.now()),
            tabs: FeedPageView.tabs(active: kind, day: period.first, signedIn: context.viewer != nil),
            here: "/papers/\(route)/\(period.name)")
        return try render(view)
    }

    /// Feed entries submitted since a time, read once per write: `submittedSince` of a later time is this
    /// list without the entries submitted before it (the window only moves forward between writes).
    struct SubmittedSince: Sendable, Equatable {
        let since: Date
        let cards: FeedCards
        /// Each entry's trending inputs, and each paper's entry (a paper is submitted once).
        let candidates: [TrendingFormula.Candidate]
        let indexByID: [String: Int]

        init(since: Date, entries: [FeedEntry]) {
            self.since = since
            cards = FeedCards(entries)
            candidates = entries.map(TrendingPapers.candidate)
            var index: [String: Int] = [:]
            for (i, entry) in entries.enumerated() where index[entry.paper.id] == nil { index[entry.paper.id] = i }
            indexByID = index
        }

        /// The entries submitted at or after `start` and before `end`.
        func indices(since start: Date, before end: Date? = nil) -> [Int] {
            candidates.indices.filter { i in
                let submitted = candidates[i].submittedAt
                if let end, submitted >= end { return false }
                return submitted >= start
            }
        }

        static func == (a: SubmittedSince, b: SubmittedSince) -> Bool { a.cards == b.cards }
    }

    /// `TrendingPapers.current` with the store reads kept until the next write: the entries (as indices into
    /// `source`) in trending order, and the time they are ranked at.
    func cachedTrendingEntries() async throws -> (source: SubmittedSince, ranked: [Int], now: Date) {
        let formula = TrendingFormula.standard
        var now = site.now()
        let window = TimeInterval(formula.windowDays) * 86_400
        let since = now.addingTimeInterval(-window)
        var source = try await site.cache.value("trending recent", store: store, isValid: { $0.since <= since }) {
            SubmittedSince(since: since, entries: try await store.submittedSince(since))
        }
        var chosen = source.indices(since: since)
        if chosen.isEmpty, let latest = try await latestFeedDay() {
            now = latest.adding(days: 1).startDate
            let archiveSince = now.addingTimeInterval(-window)
            source = try await site.cache.value("trending archive \(latest)", store: store) {
                SubmittedSince(since: archiveSince, entries: try await store.submittedSince(archiveSince))
            }
            chosen = source.indices(since: archiveSince, before: now)
        }
        let ranked = formula.rank(chosen.map { source.candidates[$0] }, now: now).prefix(Self.periodPageSize)
            .compactMap { source.indexByID[$0.paperID] }
        return (source, ranked, now)
    }

    @Sendable func trending(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let formula = TrendingFormula.standard
        let (source, ranked, now) = try await cachedTrendingEntries()
        let today = Day(now)
        var info = try await site.info(context)
        info.feeds = FeedLink.alternates("/feeds/trending", title: "Trending papers")
        let view = FeedPageView(
            site: info, heading: "Trending Papers",
            subtitle: "upvotes and comments, fading with age · how: /about",
            periodLabel: "last \(formula.windowDays) days",
            emptyPeriod: "in the last \(formula.windowDays) days", latestDay: nil,
            cards: ranked.map { source.cards.card($0, at: site.now()) },
            tabs: FeedPageView.tabs(active: .trending, day: today, signedIn: context.viewer != nil),
            here: "/papers/trending")
        return try render(view)
    }

    @Sendable func paper(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        var raw: String
        if let archive = context.parameters.get("id"), let number = context.parameters.get("number") {
            raw = "\(archive)/\(number)"
        } else {
            raw = context.parameters.get("id") ?? ""
        }
        // `/papers/{id}.md` and `Accept: text/markdown` ask for the Markdown version.
        var markdown = request.headers[.accept].map { $0.contains("text/markdown") } ?? false
        let markdownSuffix = raw.hasSuffix(".md")
        if markdownSuffix {
            raw.removeLast(3)
            markdown = true
        }
        guard let id = PaperIdentifier.canonical(raw), let paper = try await store.paper(id: id) else {
            // A listing paper that became an arXiv paper: its old address moves permanently.
            if let id = PaperIdentifier.canonical(raw), LocalPaperID.isLocal(id),
                let target = try await store.alias(of: id)
            {
                return Response(
                    status: .movedPermanently,
                    headers: [.location: "/papers/\(target)\(markdownSuffix ? ".md" : "")", .vary: "Accept"])
            }
            if markdown {
                throw WebError(.notFound, "Paper \(raw.prefix(80).debugDescription) not found")
            }
            // An arXiv paper not stored yet: members may import it, visitors are asked to log in.
            if imports != nil, let arxiv = ArxivID.parse(raw) {
                let view = PaperMissingView(site: try await site.info(context), id: arxiv.base)
                return try HTML(status: .notFound, body: try renderer.render(view)).response(
                    from: request, context: context)
            }
            throw WebError(.notFound, heading: "Paper not found", "There is no paper \(raw.debugDescription) here.")
        }
        if markdown {
            let text = PaperMarkdown.render(
                paper, submission: try await store.submission(paperID: id),
                upvotes: try await store.upvoteCount(paperID: id),
                base: baseURL(request, site.configuration))
            return Response(
                status: .ok, headers: [.contentType: "text/markdown; charset=utf-8", .vary: "Accept"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        async let upvotes = store.upvoteCount(paperID: id)
        async let submission = store.submission(paperID: id)
        async let comments = store.comments(paperID: id)
        let similarIDs = search?.similar(to: id, limit: 6).map(\.paperID) ?? []
        var view = PaperPageView(
            site: try await site.info(context), paper: paper, upvotes: try await upvotes,
            submission: try await submission)
        view.similar = try await store.papers(ids: similarIDs).map {
            PaperPageView.SimilarView(id: $0.id, title: $0.title, authors: CardView.shortAuthors($0.authors))
        }
        view.upvoters = try await store.upvoters(paperID: id)
        if let viewer = context.viewer { view.viewerUpvoted = view.upvoters.contains(viewer.username) }
        view.loggedIn = context.viewer != nil
        view.canModerate = context.viewer.map { $0.role != .member } ?? false
        if let viewer = context.viewer {
            // Opened, so seen: For you leaves it out from now on (the profile can forget these). A store too busy
            // to record it must not cost the reader the page.
            do {
                try await store.markSeen(paperID: id, username: viewer.username, at: site.now())
            } catch {
                context.logger.warning("could not record a seen paper", metadata: ["error": "\(error)"])
            }
            view.viewerCollections = try await store.collections(owner: viewer.username).map {
                .init(id: $0.id, name: $0.name)
            }
            view.authorChoices = paper.authors
            let signals = try await store.readerSignals(username: viewer.username)
            let followedAuthors = Set(signals.followedAuthors.map(\.key))
            let followedCategories = Set(signals.followedCategories.map { $0.lowercased() })
            view.followAuthors = paper.authors.filter { !AuthorName.key($0).isEmpty }.map {
                .init(name: $0, following: followedAuthors.contains(AuthorName.key($0)))
            }
            view.followCategories = paper.categories.filter(ArxivCategory.isValid).map {
                .init(name: $0, following: followedCategories.contains($0.lowercased()))
            }
        }
        let confirmed = Set(try await store.claims(paperID: id).filter(\.confirmed).map(\.username))
        view.commentList = PaperPageView.thread(
            try await comments, submitter: try await submission?.submitter, confirmedAuthors: confirmed,
            viewer: context.viewer)
        var response = try HTML(body: try renderer.render(view)).response(from: request, context: context)
        response.headers[.vary] = "Accept"
        return response
    }

    @Sendable func about(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let view = AboutView(site: try await site.info(context), formula: .standard)
        return HTML(body: try renderer.render(view))
    }
}
