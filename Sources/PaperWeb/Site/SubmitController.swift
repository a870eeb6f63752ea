import Foundation
import Hummingbird
import PaperModel
import PaperServices
import PaperStore

/// Submitting papers to the daily feed, and profile pages.
struct SubmitController: Sendable {
    let store: any PaperStore
    let renderer: PageRenderer
    let site: SiteStatusProvider
    /// On-demand imports from arXiv: a paper not stored yet is fetched before it is submitted. Nil: it must be
    /// imported first.
    var imports: PaperImports? = nil

    func addRoutes(to router: some RouterMethods<PaperboyRequestContext>) {
        router.get("/submit", use: submitPage)
        router.post("/submit", use: submit)
        router.get("/users/{name}", use: profile)
        router.post("/settings/tokens", use: createToken)
        router.post("/settings/tokens/{token}/delete", use: deleteToken)
        router.post("/settings/for-you-feed", use: createFeedToken)
        router.post("/settings/for-you-feed/delete", use: deleteFeedToken)
        router.post("/settings/seen/forget", use: forgetSeen)
        router.get("/avatars/{file}", use: avatar)
        router.get("/curate", use: curate)
    }

    @Sendable func submitPage(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        guard context.viewer != nil else { return .redirect(to: "/login?next=/submit", type: .normal) }
        var view = SubmitView(site: try await site.info(context), today: Day(site.now()).description)
        view.isCurator = context.viewer.map { $0.role != .member } ?? false
        return try HTML(body: try renderer.render(view)).response(from: request, context: context)
    }

    /// An optional link field: empty, or an http(s) URL (anything else could be a script URL on the page).
    @Sendable func submit(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let (form, request) = try await CSRF.verifiedForm(request, context)
        guard let viewer = context.viewer else { return .redirect(to: "/login?next=/submit", type: .normal) }
        let today = Day(site.now())
        var view = SubmitView(
            site: try await site.info(context), today: today.description, paper: form["paper"], github: form["github"],
            project: form["project"], isCurator: viewer.role != .member, onBehalf: form["on_behalf"])
        func fail(_ message: String, status: HTTPResponse.Status = .badRequest) throws -> Response {
            view.error = message
            return try HTML(status: status, body: try renderer.render(view)).response(from: request, context: context)
        }
        guard let arxiv = ArxivID.parse(form["paper"] ?? "") else {
            return try fail(
                "That is not an arXiv id or URL (e.g. 2605.12345, arXiv:2605.12345v2, https://arxiv.org/abs/2605.12345)."
            )
        }
        let github = PaperLinks.validated(form["github"], host: "github.com")
        guard github.ok else { return try fail("The GitHub repository must be an https://github.com/… URL.") }
        let project = PaperLinks.validated(form["project"])
        guard project.ok else { return try fail("The project page must be an http(s) URL.") }
        // Curators submit on behalf of others (say, a paper someone mailed them).
        var submitter = viewer.username
        if let other = form["on_behalf"]?.trimmingCharacters(in: .whitespaces), !other.isEmpty {
            guard viewer.role != .member else { return try fail("Only curators submit on behalf of others.") }
            guard User.isValidUsername(other), let user = try await store.user(named: other) else {
                return try fail("There is no user \(other.debugDescription).")
            }
            submitter = user.username
        }
        // A refused import or submission (arXiv has no such paper, a limit, already on a feed) is answered on the
        // form itself, so nothing typed is lost.
        if try await store.paper(id: arxiv.base) == nil {
            guard let imports else {
                return try fail(
                    "Paper \(arxiv.base) is not in Paperboy yet. Import it (paperboy import) or wait for the arXiv harvest, then submit again."
                )
            }
            do {
                _ = try await imports.importPaper(arxiv.base, by: viewer.username)
            } catch let failure as PaperImports.Failure {
                return try fail(failure.publicMessage, status: failure.catalogCode.status)
            }
        }
        do {
            _ = try await store.submit(
                paperID: arxiv.base, day: today, submitter: submitter, at: site.now(), githubRepo: github.url,
                projectPage: project.url)
        } catch let error as StoreError where error.catalogCode.status.code < 500 {
            return try fail(error.publicMessage)
        }
        return .redirect(to: "/papers/date/\(today)", type: .normal)
    }

    @Sendable func curate(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        guard let viewer = context.viewer, viewer.role != .member else {
            throw WebError(.forbidden, heading: "Curators only", "This page is for curators and admins.")
        }
        let claims = try await store.pendingClaims()
        let ambiguous = try await store.ambiguousResolutions()
        return HTML(
            body: try renderer.render(
                CurateView(site: try await site.info(context), claims: claims, ambiguous: ambiguous)))
    }

    @Sendable func profile(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        try await profilePage(name: context.parameters.get("name") ?? "", context: context)
    }

    func profilePage(
        name: String, context: PaperboyRequestContext, newToken: String? = nil, newFeedURLs: [FeedLink] = []
    ) async throws -> HTML {
        guard User.isValidUsername(name), let user = try await store.user(named: name) else {
            throw WebError(.notFound, heading: "No such user", "There is no user \(name.debugDescription) here.")
        }
        let submissions = try await store.submissions(by: user.username)
        let upvoted = try await store.upvotedPapers(by: user.username)
        let isSelf = context.viewer?.id == user.id
        // Others see only public collections.
        let collections = try await store.collections(owner: user.username).filter { isSelf || $0.isPublic }
        var view = ProfileView(
            site: try await site.info(context), username: user.username, displayName: user.displayName,
            role: user.role.rawValue, isSelf: isSelf,
            submissions: submissions.map { CardView(entry: $0, now: site.now()) },
            upvoted: upvoted.map { .init(id: $0.id, title: $0.title, authors: nil) },
            collections: collections, here: "/users/\(user.username)")
        if isSelf {
            view.tokens = try await store.accessTokens(username: user.username).map {
                TokenView(
                    id: $0.id, name: $0.name, created: Day($0.createdAt).description,
                    lastUsed: $0.lastUsedAt.map { Day($0).description })
            }
            view.newToken = newToken
            let signals = try await store.readerSignals(username: user.username)
            view.followedAuthors = signals.followedAuthors.map { FollowedAuthorView(name: $0.name) }
            view.followedCategories = signals.followedCategories
            view.notInterested = try await store.papers(ids: signals.rejected).map {
                .init(id: $0.id, title: $0.title, authors: nil)
            }
            let seen = try await store.seenCount(username: user.username)
            view.seen = seen == 0 ? nil : seen == 1 ? "1 paper" : "\(seen) papers"
            view.hasFeedToken = try await store.hasRecommendationFeedToken(username: user.username)
            view.newFeedURLs = newFeedURLs
        }
        return HTML(body: try renderer.render(view))
    }

    /// Creates a personal access token and shows its secret once, on the profile page.
    @Sendable func createToken(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let (form, request) = try await CSRF.verifiedForm(request, context)
        guard let viewer = context.viewer else { return .redirect(to: "/login", type: .normal) }
        let secret = AccessTokenSecret.generate()
        _ = try await store.createAccessToken(
            username: viewer.username, name: form["name"] ?? "", tokenHash: AccessTokenSecret.hash(secret))
        var response = try await profilePage(name: viewer.username, context: context, newToken: secret)
            .response(from: request, context: context)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// Makes (or replaces) the secret address of the reader's private "For you" feed and shows it once.
    @Sendable func createFeedToken(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        _ = try await CSRF.verifiedForm(request, context)
        guard let viewer = context.viewer else { return .redirect(to: "/login", type: .normal) }
        let secret = RecommendationFeedSecret.generate()
        try await store.setRecommendationFeedToken(
            username: viewer.username, tokenHash: RecommendationFeedSecret.hash(secret), at: site.now())
        let base = baseURL(request, site.configuration)
        let links = Syndication.Format.allCases.map {
            FeedLink(type: $0.contentType, title: $0.label, href: "\(base)/feeds/for-you/\(secret).\($0.rawValue)")
        }
        var response = try await profilePage(name: viewer.username, context: context, newFeedURLs: links)
            .response(from: request, context: context)
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// Forgets the papers the reader opened: For you may show them again.
    @Sendable func forgetSeen(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        _ = try await CSRF.verifiedForm(request, context)
        guard let viewer = context.viewer else { return .redirect(to: "/login", type: .normal) }
        try await store.forgetSeen(username: viewer.username)
        return .redirect(to: "/users/\(viewer.username)#seen", type: .normal)
    }

    /// Revokes the private feed's address: readers of it get a 404 from then on.
    @Sendable func deleteFeedToken(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        _ = try await CSRF.verifiedForm(request, context)
        guard let viewer = context.viewer else { return .redirect(to: "/login", type: .normal) }
        try await store.setRecommendationFeedToken(username: viewer.username, tokenHash: nil, at: site.now())
        return .redirect(to: "/users/\(viewer.username)#for-you-feed", type: .normal)
    }

    @Sendable func deleteToken(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        _ = try await CSRF.verifiedForm(request, context)
        guard let viewer = context.viewer else { return .redirect(to: "/login", type: .normal) }
        guard let id = context.parameters.get("token").flatMap(Int64.init) else {
            throw WebError(.notFound, heading: "No such token", "There is no such access token.")
        }
        try await store.deleteAccessToken(id: id, username: viewer.username)
        return .redirect(to: "/users/\(viewer.username)#tokens", type: .normal)
    }

    /// `/avatars/{username}.svg`: a generated initial on a colour derived from the name (API user objects and
    /// pages need an avatar URL; nobody uploads pictures).
    @Sendable func avatar(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        var name = context.parameters.get("file") ?? ""
        if name.hasSuffix(".svg") { name.removeLast(4) }
        guard User.isValidUsername(name) else {
            throw WebError(.notFound, heading: "No such avatar", "There is no avatar \(name.debugDescription).")
        }
        let hue = name.lowercased().unicodeScalars.reduce(UInt32(7)) { ($0 &* 31 &+ $1.value) % 360 }
        let initial = String(name.prefix(1)).uppercased()
        let svg = """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64"><circle cx="32" cy="32" r="32" fill="hsl(\(hue),55%,45%)"/><text x="32" y="42" font-family="sans-serif" font-size="30" font-weight="600" text-anchor="middle" fill="#fff">\(initial)</text></svg>
            """
        return Response(
            status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "public, max-age=86400"],
            body: .init(byteBuffer: ByteBuffer(string: svg)))
    }
}
