import Foundation
import Hummingbird
import PaperModel
import PaperServices
import PaperStore

/// Community actions on papers. Upvotes toggle: one per user and paper. The forms work without JavaScript
/// (303 back to the page); scripts send `Accept: application/json` and get the new count instead.
struct CommunityController: Sendable {
    let store: any PaperStore
    let site: SiteStatusProvider

    func addRoutes(to router: some RouterMethods<PaperboyRequestContext>) {
        router.post("/papers/{id}/upvote", use: upvote)
        router.post("/papers/{id}/{number}/upvote", use: upvote)
        router.post("/papers/{id}/comments", use: comment)
        router.post("/papers/{id}/{number}/comments", use: comment)
        router.post("/comments/{comment}/edit", use: editComment)
        router.post("/comments/{comment}/delete", use: deleteComment)
        router.post("/papers/{id}/claim", use: claim)
        router.post("/papers/{id}/{number}/claim", use: claim)
        router.post("/curate/claims", use: confirmClaim)
        router.post("/papers/{id}/hide", use: hide)
        router.post("/papers/{id}/{number}/hide", use: hide)
    }

    /// Curators take spam off the daily feed; the paper stays in the store and in search.
    @Sendable func hide(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let (form, request) = try await CSRF.verifiedForm(request, context)
        let id = try await paperID(context)
        guard let viewer = context.viewer, viewer.role != .member else {
            throw WebError(.forbidden, heading: "Curators only", "Only curators and admins take papers off the feed.")
        }
        try await store.removeSubmission(paperID: id)
        return .redirect(to: "/papers/\(id)", type: .normal)
    }

    @Sendable func claim(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let (form, request) = try await CSRF.verifiedForm(request, context)
        let id = try await paperID(context)
        guard let viewer = context.viewer else { return .redirect(to: "/login?next=/papers/\(id)", type: .normal) }
        try await store.claimAuthorship(paperID: id, username: viewer.username, authorName: form["author"] ?? "")
        return .redirect(to: "/papers/\(id)", type: .normal)
    }

    /// Curators and admins confirm author claims (listed on /curate).
    @Sendable func confirmClaim(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let (form, request) = try await CSRF.verifiedForm(request, context)
        guard let viewer = context.viewer, viewer.role != .member else {
            throw WebError(.forbidden, heading: "Curators only", "Only curators and admins confirm author claims.")
        }
        guard let paper = form["paper"], let user = form["user"] else {
            throw WebError(.invalidParameter, heading: "Missing fields", "Say which paper and user the claim is for.")
        }
        try await store.confirmClaim(paperID: paper, username: user)
        return .redirect(to: "/curate", type: .normal)
    }

    func paperID(_ context: PaperboyRequestContext) async throws -> String {
        var raw = context.parameters.get("id") ?? ""
        if let number = context.parameters.get("number") { raw += "/" + number }
        guard let id = PaperIdentifier.canonical(raw), try await store.paper(id: id) != nil else {
            throw WebError(.notFound, heading: "Paper not found", "There is no paper \(raw.debugDescription) here.")
        }
        return id
    }

    @Sendable func comment(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let (form, request) = try await CSRF.verifiedForm(request, context)
        let id = try await paperID(context)
        guard let viewer = context.viewer else { return .redirect(to: "/login?next=/papers/\(id)", type: .normal) }
        let parent = form["parent"].flatMap { Int64($0) }
        let comment = try await store.addComment(
            paperID: id, author: viewer.username, parentID: parent, body: form["body"] ?? "", at: site.now())
        return .redirect(to: "/papers/\(id)#comment-\(comment.id)", type: .normal)
    }

    @Sendable func editComment(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let (form, request) = try await CSRF.verifiedForm(request, context)
        guard let viewer = context.viewer else { return .redirect(to: "/login", type: .normal) }
        guard let commentID = context.parameters.get("comment").flatMap({ Int64($0) }) else {
            throw WebError(.notFound, heading: "Comment not found", "There is no such comment.")
        }
        let comment = try await CommunityService(store: store).editComment(
            id: commentID, by: viewer, body: form["body"] ?? "", at: site.now())
        return .redirect(to: "/papers/\(comment.paperID)#comment-\(comment.id)", type: .normal)
    }

    @Sendable func deleteComment(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let (form, request) = try await CSRF.verifiedForm(request, context)
        guard let viewer = context.viewer else { return .redirect(to: "/login", type: .normal) }
        guard let commentID = context.parameters.get("comment").flatMap({ Int64($0) }) else {
            throw WebError(.notFound, heading: "Comment not found", "There is no such comment.")
        }
        try await CommunityService(store: store).deleteComment(id: commentID, by: viewer, at: site.now())
        return .redirect(
            to: SafeRedirect.path(request.headers[.referer].flatMap { URLComponents(string: $0)?.path }), type: .normal)
    }

    @Sendable func upvote(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let (form, request) = try await CSRF.verifiedForm(request, context)
        var raw = context.parameters.get("id") ?? ""
        if let number = context.parameters.get("number") { raw += "/" + number }
        guard let id = PaperIdentifier.canonical(raw), try await store.paper(id: id) != nil else {
            throw WebError(.notFound, heading: "Paper not found", "There is no paper \(raw.debugDescription) here.")
        }
        let wantsJSON = request.headers[.accept]?.contains("application/json") == true
        guard let viewer = context.viewer else {
            if wantsJSON { throw WebError(.unauthorized, heading: "Log in to upvote", "Log in to upvote papers.") }
            return .redirect(to: "/login?next=/papers/\(id)", type: .normal)
        }
        // "on"/"off" set the state; anything else toggles.
        let upvoted: Bool, count: Int
        switch form["state"] {
        case "on":
            (upvoted, count) = (true, try await store.setUpvote(paperID: id, username: viewer.username, upvoted: true))
        case "off":
            (upvoted, count) = (
                false, try await store.setUpvote(paperID: id, username: viewer.username, upvoted: false)
            )
        default: (upvoted, count) = try await store.toggleUpvote(paperID: id, username: viewer.username)
        }
        if wantsJSON {
            let body = "{\"paper\":\(jsonString(id)),\"upvoted\":\(upvoted),\"upvotes\":\(count)}"
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        return .redirect(to: SafeRedirect.path(form["next"] ?? "/papers/\(id)"), type: .normal)
    }
}
