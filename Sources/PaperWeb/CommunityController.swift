import Foundation
import Hummingbird
import PaperModel
import PaperStore

/// Community actions on papers. Upvotes toggle: one per user and paper. The forms work without JavaScript
/// (303 back to the page); scripts send `Accept: application/json` and get the new count instead.
struct CommunityController: Sendable {
    let store: any PaperStore
    let site: SiteStatusProvider

    func addRoutes(to router: Router<PaperboyRequestContext>) {
        router.post("/papers/{id}/upvote", use: upvote)
        router.post("/papers/{id}/{number}/upvote", use: upvote)
    }

    @Sendable func upvote(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        var request = request
        let form = try await request.form()
        try CSRF.verify(form, request, context)
        var raw = context.parameters.get("id") ?? ""
        if let number = context.parameters.get("number") { raw += "/" + number }
        guard let id = PaperIdentifier.canonical(raw), try await store.paper(id: id) != nil else {
            throw PageError(.notFound, "Paper not found", "There is no paper \(raw.debugDescription) here.")
        }
        let wantsJSON = request.headers[.accept]?.contains("application/json") == true
        guard let viewer = context.viewer else {
            if wantsJSON { throw PageError(.unauthorized, "Log in to upvote", "Log in to upvote papers.") }
            return .redirect(to: "/login?next=/papers/\(id)", type: .normal)
        }
        // "on"/"off" set the state; anything else toggles.
        let upvoted: Bool
        switch form["state"] {
        case "on": upvoted = true
        case "off": upvoted = false
        default: upvoted = !(try await store.hasUpvoted(paperID: id, username: viewer.username))
        }
        let count = try await store.setUpvote(paperID: id, username: viewer.username, upvoted: upvoted)
        if wantsJSON {
            let body = "{\"paper\":\(jsonString(id)),\"upvoted\":\(upvoted),\"upvotes\":\(count)}"
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        return .redirect(to: AccountController.safeNext(form["next"] ?? "/papers/\(id)"), type: .normal)
    }
}
