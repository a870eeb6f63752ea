import Crypto
import Foundation
import Hummingbird
import PaperModel
import PaperServices
import PaperStore

/// "For you": the signed-in reader's recommendations page, and the forms that teach the recommender (not
/// interested, follow an author or a category). The forms work without JavaScript (303 back to `next`); scripts
/// send `Accept: application/json` and get the new state instead.
struct ForYouController: Sendable {
    let store: any PaperStore
    let recommender: RecommendationService
    let renderer: PageRenderer
    let site: SiteStatusProvider

    static let path = "/papers/for-you"

    func addRoutes(to router: some RouterMethods<PaperboyRequestContext>) {
        router.get("/papers/for-you", use: page)
        router.post("/papers/{id}/not-interested", use: notInterested)
        router.post("/papers/{id}/{number}/not-interested", use: notInterested)
        router.post("/follows/authors", use: followAuthor)
        router.post("/follows/categories", use: followCategory)
    }

    @Sendable func page(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let info = try await site.info(context)
        let tabs = FeedPageView.tabs(active: .forYou, day: Day(site.now()), signedIn: context.viewer != nil)
        guard let viewer = context.viewer else {
            return HTML(body: try renderer.render(ForYouView(site: info, tabs: tabs, signedIn: false)))
        }
        let feed = try await recommender.recommendations(for: viewer.username)
        let upvotes = try await store.upvoteCounts(paperIDs: feed.items.map(\.paper.id))
        let signals = try await store.readerSignals(username: viewer.username)
        // The latest "Not interested" can be taken back right here, without going to the profile.
        var undo: ForYouView.Undo?
        if let latest = signals.rejected.first, let paper = try await store.paper(id: latest) {
            undo = .init(id: paper.id, title: paper.title)
        }
        let view = ForYouView(
            site: info, tabs: tabs, signedIn: true, coldStart: feed.coldStart, preparing: feed.preparing,
            windowLabel: "\(DateText.short(feed.windowStart)) – \(DateText.short(feed.windowEnd))",
            cards: feed.items.map { item in
                var card = CardView(paper: item.paper, upvotes: upvotes[item.paper.id] ?? 0, submitter: nil)
                card.explanationHTML = ExplanationHTML.render(item)
                card.canReject = true
                return card
            }, undo: undo)
        return HTML(body: try renderer.render(view))
    }

    func paperID(_ context: PaperboyRequestContext) async throws -> String {
        var raw = context.parameters.get("id") ?? ""
        if let number = context.parameters.get("number") { raw += "/" + number }
        guard let id = PaperIdentifier.canonical(raw), try await store.paper(id: id) != nil else {
            throw WebError(.notFound, heading: "Paper not found", "There is no paper \(raw.debugDescription) here.")
        }
        return id
    }

    static func wantsJSON(_ request: Request) -> Bool {
        request.headers[.accept]?.contains("application/json") == true
    }

    static func json(_ body: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// `POST /papers/{id}/not-interested` (`state=off` takes it back).
    @Sendable func notInterested(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let (form, request) = try await CSRF.verifiedForm(request, context)
        let id = try await paperID(context)
        guard let viewer = context.viewer else {
            if Self.wantsJSON(request) {
                throw WebError(.unauthorized, heading: "Log in first", "Log in to tune your recommendations.")
            }
            return .redirect(to: "/login?next=\(Self.path)", type: .normal)
        }
        let rejected = form["state"] != "off"
        try await store.setNotInterested(paperID: id, username: viewer.username, rejected: rejected, at: site.now())
        if Self.wantsJSON(request) {
            return Self.json("{\"paper\":\(jsonString(id)),\"notInterested\":\(rejected)}")
        }
        return .redirect(to: SafeRedirect.path(form["next"] ?? Self.path), type: .normal)
    }

    /// `POST /follows/authors` with `name` (and `state=off` to unfollow).
    @Sendable func followAuthor(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let (form, request) = try await CSRF.verifiedForm(request, context)
        guard let viewer = context.viewer else { return .redirect(to: "/login", type: .normal) }
        let following = form["state"] != "off"
        try await store.setAuthorFollow(
            username: viewer.username, authorName: form["name"] ?? "", following: following, at: site.now())
        if Self.wantsJSON(request) { return Self.json("{\"following\":\(following)}") }
        return .redirect(to: SafeRedirect.path(form["next"] ?? "/users/\(viewer.username)"), type: .normal)
    }

    /// `POST /follows/categories` with `category` (and `state=off` to unfollow).
    @Sendable func followCategory(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let (form, request) = try await CSRF.verifiedForm(request, context)
        guard let viewer = context.viewer else { return .redirect(to: "/login", type: .normal) }
        let following = form["state"] != "off"
        try await store.setCategoryFollow(
            username: viewer.username, category: form["category"] ?? "", following: following, at: site.now())
        if Self.wantsJSON(request) { return Self.json("{\"following\":\(following)}") }
        return .redirect(to: SafeRedirect.path(form["next"] ?? "/users/\(viewer.username)"), type: .normal)
    }
}

/// The secret of a reader's private recommendations feed: shown once, stored only as its hash.
enum RecommendationFeedSecret {
    static let prefix = "pf_"

    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<20).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix + bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Hex SHA-256, as the store keeps it (64 characters).
    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func isWellFormed(_ token: String) -> Bool {
        token.hasPrefix(prefix) && token.utf8.count == prefix.utf8.count + 40
            && token.dropFirst(prefix.count).allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}
