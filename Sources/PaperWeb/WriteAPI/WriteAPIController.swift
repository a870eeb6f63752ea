import Foundation
import Hummingbird
import PaperModel
import PaperServices
import PaperStore
import PaperSupport

/// The write API for programs: upvote, submit, comment and collections, authenticated by personal access tokens
/// (`Authorization: Bearer pb_...`, created on the profile page). No cookies are read here, so there is no CSRF
/// surface; each token has its own rate limit.
struct WriteAPIController: Sendable {
    let store: any PaperStore
    let limiter: Throttle<String>
    /// On-demand imports from arXiv for `POST /api/papers/index`; nil: that endpoint is not offered.
    var imports: PaperImports? = nil
    var configuration = WebConfiguration()
    /// `GET /api/recommendations`; nil: not offered.
    var recommender: RecommendationService? = nil

    static let maxBodyBytes = 64 * 1024

    func addRoutes(to router: some RouterMethods<PaperboyRequestContext>) {
        router.get("whoami", use: whoami)
        router.post("papers", use: submit)
        if imports != nil { router.post("papers/index", use: index) }
        router.post("papers/{id}/upvote", use: upvote)
        router.delete("papers/{id}/upvote", use: removeUpvote)
        router.post("papers/{id}/comments", use: comment)
        router.get("collections", use: collections)
        router.post("collections", use: createCollection)
        router.put("collections/{collection}/papers/{id}", use: addToCollection)
        router.delete("collections/{collection}/papers/{id}", use: removeFromCollection)
        router.post("papers/{id}/not-interested", use: markNotInterested)
        router.delete("papers/{id}/not-interested", use: unmarkNotInterested)
        router.get("follows", use: follows)
        router.put("follows/authors/{name}", use: followAuthor)
        router.delete("follows/authors/{name}", use: unfollowAuthor)
        router.put("follows/categories/{category}", use: followCategory)
        router.delete("follows/categories/{category}", use: unfollowCategory)
        if recommender != nil { router.get("recommendations", use: recommendations) }
    }

    /// The token's owner; 401 without a valid token, 429 when the token is over its limit.
    func authenticate(_ request: Request) async throws -> User {
        guard let token = AccessTokenSecret.bearer(request) else {
            throw WebError(
                .unauthorized,
                "This endpoint needs a personal access token: Authorization: Bearer pb_... (create one on your profile page)"
            )
        }
        let hash = AccessTokenSecret.hash(token)
        guard let user = try await store.accessTokenUser(tokenHash: hash, now: configuration.clock()) else {
            throw WebError(.invalidToken, "The access token is not valid (revoked or mistyped)")
        }
        if let wait = limiter.takeOrWait("token:" + hash) {
            throw WebError(.rateLimited, "Too many writes with this token; retry in \(wait) s.", retryAfter: wait)
        }
        return user
    }

    /// The JSON object of the request body (an empty body is an empty object).
    func body(_ request: Request) async throws -> [String: Any] {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: Self.maxBodyBytes)
        } catch {
            throw WebError(.payloadTooLarge, "The request body is larger than \(Self.maxBodyBytes) bytes")
        }
        if buffer.readableBytes == 0 { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] else {
            throw WebError(.invalidBody, "The request body must be a JSON object")
        }
        return object
    }

    func paper(_ context: PaperboyRequestContext) async throws -> Paper {
        let raw = context.parameters.get("id") ?? ""
        guard let id = PaperIdentifier.canonical(raw.removingPercentEncoding ?? raw),
            let paper = try await store.paper(id: id)
        else {
            throw WebError(.notFound, "Paper \(raw.prefix(80).debugDescription) not found")
        }
        return paper
    }

    struct Whoami: Encodable {
        var user: String
        var fullname: String
        var role: String
        var type = "user"
    }

    @Sendable func whoami(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let user = try await authenticate(request)
        return try JSONBody(value: Whoami(user: user.username, fullname: user.displayName, role: user.role.rawValue))
            .response(from: request, context: context)
    }

    struct UpvoteResult: Encodable {
        var paperId: String
        var upvoted: Bool
        var upvotes: Int
    }

    @Sendable func upvote(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let user = try await authenticate(request)
        let paper = try await paper(context)
        let count = try await store.setUpvote(paperID: paper.id, username: user.username, upvoted: true)
        return try JSONBody(value: UpvoteResult(paperId: paper.id, upvoted: true, upvotes: count)).response(
            from: request, context: context)
    }

    @Sendable func removeUpvote(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let user = try await authenticate(request)
        let paper = try await paper(context)
        let count = try await store.setUpvote(paperID: paper.id, username: user.username, upvoted: false)
        return try JSONBody(value: UpvoteResult(paperId: paper.id, upvoted: false, upvotes: count)).response(
            from: request, context: context)
    }

    struct SubmissionResult: Encodable {
        var paperId: String
        var title: String
        var date: String
        var submittedBy: String
        var githubRepo: String?
        var projectPage: String?
    }

    /// `POST /api/papers {"id": "2605.12345", "githubRepo"?, "projectPage"?}`: puts a stored paper on today's feed.
    @Sendable func submit(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let user = try await authenticate(request)
        let body = try await body(request)
        guard let raw = body["id"] as? String, let arxiv = ArxivID.parse(raw) else {
            throw WebError.invalidParameter("id must be an arXiv id or URL (e.g. 2605.12345)")
        }
        let github = PaperLinks.validated(body["githubRepo"] as? String, host: "github.com")
        guard github.ok else { throw WebError.invalidParameter("githubRepo must be an https://github.com/… URL") }
        let project = PaperLinks.validated(body["projectPage"] as? String)
        guard project.ok else { throw WebError.invalidParameter("projectPage must be an http(s) URL") }
        guard let paper = try await store.paper(id: arxiv.base) else {
            throw WebError(.paperNotFound, "Paper \(arxiv.base) is not in Paperboy yet; import it first")
        }
        let now = configuration.clock()
        let submission = try await store.submit(
            paperID: paper.id, day: Day(now), submitter: user.username, at: now, githubRepo: github.url,
            projectPage: project.url)
        let result = SubmissionResult(
            paperId: paper.id, title: paper.title, date: submission.day.description, submittedBy: submission.submitter,
            githubRepo: submission.githubRepo, projectPage: submission.projectPage)
        return try JSONBody(status: .created, value: result).response(from: request, context: context)
    }

    /// `POST /api/papers/index {"arxivId": "2605.12345"}`: the paper's object, imported from arXiv (201) or already
    /// stored (200); 404 when arXiv has no such paper, 503 when arXiv cannot be reached.
    @Sendable func index(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let user = try await authenticate(request)
        let body = try await body(request)
        guard let imports, let raw = body["arxivId"] as? String, let arxiv = ArxivID.parse(raw) else {
            throw WebError.invalidParameter("arxivId must be an arXiv id or URL (e.g. 2605.12345)")
        }
        let base = baseURL(request, configuration)
        if let stored = try await store.paper(id: arxiv.base) {
            return try JSONBody(value: try await HubAPI.info(stored, store: store, base: base))
                .response(from: request, context: context)
        }
        let paper = try await imports.importPaper(arxiv.base, by: user.username)
        return try JSONBody(status: .created, value: try await HubAPI.info(paper, store: store, base: base))
            .response(from: request, context: context)
    }

    struct CommentResult: Encodable {
        var id: Int64
        var paperId: String
        var author: String
        var parentId: Int64?
        var body: String
        var createdAt: String
    }

    /// `POST /api/papers/{id}/comments {"body": "...", "parentId"?}`.
    @Sendable func comment(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let user = try await authenticate(request)
        let paper = try await paper(context)
        let body = try await body(request)
        guard let text = body["body"] as? String else {
            throw WebError.invalidParameter("body (the comment text) is required")
        }
        var parent: Int64?
        if let p = body["parentId"] {
            guard let n = (p as? NSNumber)?.int64Value, !(p is Bool) else {
                throw WebError.invalidParameter("parentId must be a comment id")
            }
            parent = n
        }
        let comment = try await store.addComment(
            paperID: paper.id, author: user.username, parentID: parent, body: text, at: configuration.clock())
        let result = CommentResult(
            id: comment.id, paperId: paper.id, author: comment.author, parentId: comment.parentID, body: comment.body,
            createdAt: Timestamp.hub(comment.createdAt))
        return try JSONBody(status: .created, value: result).response(from: request, context: context)
    }

    struct CollectionResult: Encodable {
        var id: Int64
        var name: String
        var owner: String
        var isPublic: Bool
        var paperCount: Int
        var createdAt: String

        init(_ c: PaperCollection) {
            id = c.id
            name = c.name
            owner = c.owner
            isPublic = c.isPublic
            paperCount = c.paperCount
            createdAt = Timestamp.hub(c.createdAt)
        }
    }

    @Sendable func collections(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let user = try await authenticate(request)
        let list = try await store.collections(owner: user.username).map(CollectionResult.init)
        return try JSONBody(value: list).response(from: request, context: context)
    }

    /// `POST /api/collections {"name": "...", "public": true|false}`.
    @Sendable func createCollection(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let user = try await authenticate(request)
        let body = try await body(request)
        guard let name = body["name"] as? String else { throw WebError.invalidParameter("name is required") }
        let isPublic = (body["public"] as? Bool) ?? false
        let collection = try await store.createCollection(owner: user.username, name: name, isPublic: isPublic)
        return try JSONBody(status: .created, value: CollectionResult(collection)).response(
            from: request, context: context)
    }

    func setItem(_ request: Request, _ context: PaperboyRequestContext, present: Bool) async throws -> Response {
        let user = try await authenticate(request)
        guard let id = context.parameters.get("collection").flatMap(Int64.init),
            let collection = try await store.collection(id: id)
        else {
            throw WebError(.notFound, "No such collection")
        }
        // Someone else's private collection is not there for this caller at all; a public one is, but not theirs.
        if !collection.isPublic, collection.owner.lowercased() != user.username.lowercased() {
            throw WebError(.notFound, "No such collection")
        }
        let paper = try await paper(context)
        try await CommunityService(store: store).setCollectionItem(
            collectionID: id, paperID: paper.id, present: present, by: user)
        let updated = try await store.collection(id: id) ?? collection
        return try JSONBody(value: CollectionResult(updated)).response(from: request, context: context)
    }

    @Sendable func addToCollection(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        try await setItem(request, context, present: true)
    }

    @Sendable func removeFromCollection(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        try await setItem(request, context, present: false)
    }

    // MARK: Reader signals

    struct NotInterestedResult: Encodable {
        var paperId: String
        var notInterested: Bool
    }

    func setNotInterested(
        _ request: Request, _ context: PaperboyRequestContext, _ rejected: Bool
    ) async throws -> Response {
        let user = try await authenticate(request)
        let paper = try await paper(context)
        try await store.setNotInterested(
            paperID: paper.id, username: user.username, rejected: rejected, at: configuration.clock())
        return try JSONBody(value: NotInterestedResult(paperId: paper.id, notInterested: rejected)).response(
            from: request, context: context)
    }

    /// `POST /api/papers/{id}/not-interested`: the paper leaves the reader's recommendations.
    @Sendable func markNotInterested(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        try await setNotInterested(request, context, true)
    }

    /// `DELETE /api/papers/{id}/not-interested`: undo.
    @Sendable func unmarkNotInterested(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        try await setNotInterested(request, context, false)
    }

    struct FollowsResult: Encodable {
        var authors: [FollowedAuthor]
        var categories: [String]
    }

    func followsResponse(_ user: User, _ request: Request, _ context: PaperboyRequestContext) async throws -> Response {
        let signals = try await store.readerSignals(username: user.username)
        return try JSONBody(
            value: FollowsResult(authors: signals.followedAuthors, categories: signals.followedCategories)
        )
        .response(from: request, context: context)
    }

    /// `GET /api/follows`: the authors and categories the token's owner follows.
    @Sendable func follows(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        try await followsResponse(try await authenticate(request), request, context)
    }

    func pathText(_ context: PaperboyRequestContext, _ name: String) throws -> String {
        let raw = context.parameters.get(name) ?? ""
        guard let text = raw.removingPercentEncoding, !text.isEmpty else {
            throw WebError.invalidParameter("\(name) is missing")
        }
        return text
    }

    func setAuthorFollow(
        _ request: Request, _ context: PaperboyRequestContext, _ following: Bool
    ) async throws -> Response {
        let user = try await authenticate(request)
        try await store.setAuthorFollow(
            username: user.username, authorName: try pathText(context, "name"), following: following,
            at: configuration.clock())
        return try await followsResponse(user, request, context)
    }

    func setCategoryFollow(
        _ request: Request, _ context: PaperboyRequestContext, _ following: Bool
    ) async throws -> Response {
        let user = try await authenticate(request)
        try await store.setCategoryFollow(
            username: user.username, category: try pathText(context, "category"), following: following,
            at: configuration.clock())
        return try await followsResponse(user, request, context)
    }

    /// `PUT /api/follows/authors/{name}` (the name URL-encoded; matched without case, accents or punctuation).
    @Sendable func followAuthor(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        try await setAuthorFollow(request, context, true)
    }

    @Sendable func unfollowAuthor(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        try await setAuthorFollow(request, context, false)
    }

    /// `PUT /api/follows/categories/{category}` (an arXiv category such as cs.CL).
    @Sendable func followCategory(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        try await setCategoryFollow(request, context, true)
    }

    @Sendable func unfollowCategory(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        try await setCategoryFollow(request, context, false)
    }

    // MARK: Recommendations

    struct RecommendationsResult: Encodable {
        struct Because: Encodable {
            var id: String?
            var title: String
            var source: String
        }

        struct Item: Encodable {
            var id: String
            var title: String
            var authors: [String]
            var categories: [String]
            var publishedAt: String?
            var url: String
            var score: Float
            var reason: String
            /// The explanation, one sentence per reason.
            var reasons: [String]
            var because: Because?
            var terms: [String]
            var followedAuthor: String?
            var followedCategory: String?

            enum CodingKeys: String, CodingKey {
                case id, title, authors, categories, url, score, reason, reasons, because, terms
                case publishedAt = "published_at"
                case followedAuthor = "followed_author"
                case followedCategory = "followed_category"
            }
        }

        var papers: [Item]
        var coldStart: Bool
        var preparing: Bool
        var windowStart: String
        var windowEnd: String

        enum CodingKeys: String, CodingKey {
            case papers, preparing
            case coldStart = "cold_start"
            case windowStart = "window_start"
            case windowEnd = "window_end"
        }
    }

    /// `GET /api/recommendations?limit=`: the token owner's "For you" list with scores and reasons.
    @Sendable func recommendations(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let user = try await authenticate(request)
        guard let recommender else { throw WebError(.notFound, "Recommendations are not offered here") }
        let query = FormQuery(request.uri.query ?? "")
        var limit = 30
        if let text = query["limit"] {
            guard let value = Int(text), (1...100).contains(value) else {
                throw WebError.invalidParameter("limit must be a whole number from 1 to 100")
            }
            limit = value
        }
        let feed = try await recommender.recommendations(for: user.username, limit: limit)
        let base = baseURL(request, configuration)
        let items = feed.items.map { item in
            RecommendationsResult.Item(
                id: item.paper.id, title: item.paper.title, authors: item.paper.authors,
                categories: item.paper.categories, publishedAt: item.paper.publishedAt.map(DateText.iso8601),
                url: "\(base)/papers/\(item.paper.id)", score: item.score, reason: item.reason.rawValue,
                reasons: item.reasons,
                because: item.because.map { .init(id: $0.paperID, title: $0.title, source: $0.source.rawValue) },
                terms: item.terms, followedAuthor: item.followedAuthor, followedCategory: item.followedCategory)
        }
        return try JSONBody(
            value: RecommendationsResult(
                papers: items, coldStart: feed.coldStart, preparing: feed.preparing,
                windowStart: feed.windowStart.description,
                windowEnd: feed.windowEnd.description)
        ).response(from: request, context: context)
    }
}
