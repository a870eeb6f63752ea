import Foundation
import Hummingbird
import PaperModel
import PaperServices
import PaperStore

/// The server-rendered pages: daily feeds and paper pages.
struct PagesController: Sendable {
    let store: any PaperStore
    let search: PaperSearchEngine?
    let renderer: PageRenderer
    let site: SiteStatusProvider

    func addRoutes(to router: Router<PaperboyRequestContext>) {
        router.get("/", use: home)
        router.get("/papers/date/{day}", use: daily)
        router.get("/papers/{id}", use: paper)
        // Old-style arXiv ids contain a slash: /papers/hep-th/9901001
        router.get("/papers/{id}/{number}", use: paper)
        router.get("/about", use: about)
    }

    @Sendable func home(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let day = try await store.latestFeedDay(onOrBefore: nil) ?? Day(Date())
        return try await dailyPage(day, context)
    }

    @Sendable func daily(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let text = context.parameters.get("day") ?? ""
        guard let day = Day(text) else {
            throw PageError(.badRequest, "Not a date", "\(text.debugDescription) is not a date of the form YYYY-MM-DD.")
        }
        return try await dailyPage(day, context)
    }

    func dailyPage(_ day: Day, _ context: PaperboyRequestContext) async throws -> HTML {
        let entries = try await store.dailyFeed(day: day)
        let (previous, next) = try await store.neighbouringFeedDays(of: day)
        let latest = entries.isEmpty ? try await store.latestFeedDay(onOrBefore: nil) : nil
        let view = DailyPageView(
            site: try await site.info(context), day: day.description, dayLong: DateText.long(day),
            previousDay: previous?.description, previousDayShort: previous.map(DateText.short),
            nextDay: next?.description, nextDayShort: next.map(DateText.short), latestDay: latest?.description,
            cards: entries.map(CardView.init(entry:)), hasCards: !entries.isEmpty, here: "/papers/date/\(day)")
        return HTML(body: renderer.render("daily", view))
    }

    @Sendable func paper(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let raw: String
        if let archive = context.parameters.get("id"), let number = context.parameters.get("number") {
            raw = "\(archive)/\(number)"
        } else {
            raw = context.parameters.get("id") ?? ""
        }
        guard let id = PaperIdentifier.canonical(raw), let paper = try await store.paper(id: id) else {
            throw PageError(.notFound, "Paper not found", "There is no paper \(raw.debugDescription) here.")
        }
        async let upvotes = store.upvoteCount(paperID: id)
        async let submission = store.submission(paperID: id)
        async let comments = store.comments(paperID: id)
        let similarIDs = search?.similar(to: id, limit: 6).map(\.paperID) ?? []
        var view = PaperPageView(
            site: try await site.info(context), paper: paper, upvotes: try await upvotes, submission: try await submission,
            comments: try await comments)
        view.similar = try await store.papers(ids: similarIDs).map {
            PaperPageView.SimilarView(id: $0.id, title: $0.title, authors: CardView.shortAuthors($0.authors))
        }
        view.hasSimilar = !view.similar.isEmpty
        view.upvoters = try await store.upvoters(paperID: id)
        view.hasUpvoters = !view.upvoters.isEmpty
        if let viewer = context.viewer { view.viewerUpvoted = view.upvoters.contains(viewer.username) }
        return HTML(body: renderer.render("paper", view))
    }

    @Sendable func about(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        HTML(body: renderer.render("about", ["site": try await site.info(context)]))
    }
}

/// An error shown to people as a page (and to API clients as JSON by `ErrorMiddleware`).
struct PageError: HTTPResponseError {
    let status: HTTPResponse.Status
    let heading: String
    let message: String

    init(_ status: HTTPResponse.Status, _ heading: String, _ message: String) {
        self.status = status
        self.heading = heading
        self.message = message
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = "{\"error\":\(jsonString(message))}"
        return Response(
            status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

func jsonString(_ text: String) -> String {
    let data = try! JSONEncoder().encode(text)
    return String(decoding: data, as: UTF8.self)
}
