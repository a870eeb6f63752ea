import Foundation
import Hummingbird
import PaperModel
import PaperServices
import PaperStore

/// The Hugging Face Papers-compatible read API, so that `huggingface_hub` (with `HF_ENDPOINT` pointing here) and
/// the `hf papers` CLI work unmodified: `/api/papers/search`, `/api/daily_papers`, `/api/papers/{id}` and the
/// Markdown page `/papers/{id}.md`.
///
/// Shapes follow what the client parses into `PaperInfo` (rules learned from it): `title`, `githubRepo`,
/// `projectPage`, `githubStars`, `ai_summary`, `ai_keywords`, `organization` are read from the top level, so they
/// are there (and inside `paper`); `authors` goes inside `paper` only, because a top-level copy overwrites the
/// parsed authors; timestamps are `YYYY-MM-DDTHH:MM:SS.sssZ`. The `Authorization` header the client sends is
/// ignored here (and never logged).
struct HubAPIController: Sendable {
    let store: any PaperStore
    let search: PaperSearchEngine?
    let configuration: WebConfiguration

    static let defaultLimit = 50
    static let maxLimit = 100

    func addRoutes(to router: some RouterMethods<PaperboyRequestContext>) {
        router.get("papers/search", use: searchPapers)
        router.get("daily_papers", use: dailyPapers)
        router.get("papers/{id}", use: paperInfo)
        router.get("papers/{id}/{number}", use: paperInfo)
    }

    // MARK: JSON shapes

    struct HubUser: Encodable {
        var user: String
        var fullname: String
        var avatarUrl: String
        var type = "user"
        var isPro = false
    }

    struct HubAuthor: Encodable {
        var name: String
        var hidden = false
        var user: HubUser?
    }

    /// The `paper` object of list items.
    struct HubPaper: Encodable {
        var id: String
        var authors: [HubAuthor]
        var publishedAt: String?
        var submittedOnDailyAt: String?
        var title: String
        var summary: String
        var upvotes: Int
        var discussionId: String
        var githubRepo: String?
        var projectPage: String?
        var githubStars: Int?
        var ai_summary: String?
        var ai_keywords: [String]?
        var categories: [String]
        var url: String
        var arxivUrl: String?
        var pdfUrl: String?
    }

    /// An item of `/api/daily_papers` and `/api/papers/search`.
    struct HubListItem: Encodable {
        var paper: HubPaper
        /// When the paper appeared on a daily feed (its publication time when it never did).
        var publishedAt: String?
        var title: String
        var summary: String
        var upvotes: Int
        var numComments: Int
        var submittedBy: HubUser?
        var githubRepo: String?
        var projectPage: String?
        var githubStars: Int?
        var ai_summary: String?
        var ai_keywords: [String]?
        var isAuthorParticipating: Bool
        var thumbnail: String?
    }

    /// `/api/papers/{id}`: one flat object.
    struct HubPaperInfo: Encodable {
        var id: String
        var authors: [HubAuthor]
        var publishedAt: String?
        var submittedOnDailyAt: String?
        var submittedOnDailyBy: HubUser?
        var title: String
        var summary: String
        var upvotes: Int
        var numComments: Int
        var discussionId: String
        var githubRepo: String?
        var projectPage: String?
        var githubStars: Int?
        var ai_summary: String?
        var ai_keywords: [String]?
        var categories: [String]
        /// arXiv's comments field ("12 pages, 3 figures"); not `comments`, which the client reads as a count.
        var arxivComment: String?
        var journalRef: String?
        var doi: String?
        var url: String
        var arxivUrl: String?
        var pdfUrl: String?
    }

    /// Builds the shapes for a set of papers, looking up users and claims once per request.
    struct Builder {
        let store: any PaperStore
        let base: String
        var users: [String: HubUser] = [:]

        mutating func user(_ username: String) async throws -> HubUser {
            if let u = users[username] { return u }
            let stored = try await store.user(named: username)
            let u = HubUser(
                user: stored?.username ?? username, fullname: stored?.displayName ?? username,
                avatarUrl: "\(base)/avatars/\(stored?.username ?? username).svg")
            users[username] = u
            return u
        }

        mutating func authors(_ paper: Paper) async throws -> [HubAuthor] {
            let claims = try await store.claims(paperID: paper.id).filter(\.confirmed)
            var result: [HubAuthor] = []
            for name in paper.authors {
                var author = HubAuthor(name: name)
                if let claim = claims.first(where: { $0.authorName == name }) {
                    author.user = try await user(claim.username)
                }
                result.append(author)
            }
            return result
        }

        mutating func paper(_ paper: Paper, submission: DailySubmission?, upvotes: Int) async throws -> HubPaper {
            HubPaper(
                // Always present: the client reads `paper.publishedAt` first and falls back to the item's top-level
                // `publishedAt`, which would then be taken for the publication date and the submission time lost.
                id: paper.id, authors: try await authors(paper),
                publishedAt: (paper.publishedAt ?? submission?.submittedAt).map(Timestamp.hub),
                submittedOnDailyAt: submission.map { Timestamp.hub($0.submittedAt) }, title: paper.title,
                summary: paper.abstract, upvotes: upvotes, discussionId: paper.id,
                githubRepo: submission?.githubRepo ?? paper.codeURL, projectPage: submission?.projectPage ?? Self.projectPage(paper),
                githubStars: nil, ai_summary: nil, ai_keywords: nil, categories: paper.categories,
                url: "\(base)/papers/\(paper.id)", arxivUrl: paper.arxivID.map { "https://arxiv.org/abs/\($0.base)" },
                pdfUrl: paper.arxivID.map { "https://arxiv.org/pdf/\($0.base)" })
        }

        mutating func item(_ paper: Paper, submission: DailySubmission?, upvotes: Int, comments: Int) async throws -> HubListItem {
            let p = try await self.paper(paper, submission: submission, upvotes: upvotes)
            return HubListItem(
                paper: p, publishedAt: submission.map { Timestamp.hub($0.submittedAt) } ?? p.publishedAt, title: p.title,
                summary: p.summary, upvotes: upvotes, numComments: comments,
                submittedBy: try await submission.asyncMap { try await user($0.submitter) }, githubRepo: p.githubRepo,
                projectPage: p.projectPage, githubStars: nil, ai_summary: nil, ai_keywords: nil,
                isAuthorParticipating: false, thumbnail: nil)
        }

        static func projectPage(_ paper: Paper) -> String? {
            paper.links.first { $0.kind == .projectPage }?.url
        }
    }

    // MARK: Routes

    /// `GET /api/papers/search?q=&limit=`: the best search mode available (hybrid with a model).
    @Sendable func searchPapers(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let query = APIQuery(request)
        let limit = try query.integer("limit", default: Self.defaultLimit, range: 1...Self.maxLimit)
        let text = try query.text("q", maxLength: SearchHighlighting.maxQueryCharacters) ?? ""
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            return try JSONBody(value: [HubListItem]()).response(from: request, context: context)
        }
        guard let search else { throw WebError(.searchNotReady, "The search index is not ready yet.") }
        let response = try await search.search(SearchRequest(query: text, limit: limit))
        let ids = response.hits.map(\.paperID)
        let papers = try await store.papers(ids: ids)
        let upvotes = try await store.upvoteCounts(paperIDs: ids)
        var builder = Builder(store: store, base: baseURL(request, configuration))
        var items: [HubListItem] = []
        for paper in papers {
            let submission = try await store.submission(paperID: paper.id)
            let comments = try await store.comments(paperID: paper.id).filter { !$0.isDeleted }.count
            items.append(try await builder.item(paper, submission: submission, upvotes: upvotes[paper.id] ?? 0, comments: comments))
        }
        return try JSONBody(value: items).response(from: request, context: context)
    }

    /// The days a daily-papers request covers, from exactly one of `date`, `week`, `month` (none: every day).
    static func period(_ query: APIQuery) throws -> (first: Day, last: Day)? {
        let given = ["date", "week", "month"].filter { query[$0] != nil }
        guard given.count <= 1 else {
            throw WebError.invalidParameter("give at most one of date, week and month (got \(given.joined(separator: ", ")))")
        }
        if let text = query["date"] {
            guard let day = Day(text) else { throw WebError.invalidParameter("date must be YYYY-MM-DD, got \(text.prefix(40).debugDescription)") }
            return (day, day)
        }
        if let text = query["week"] {
            guard let week = FeedPeriod.week(text) else {
                throw WebError.invalidParameter("week must be an ISO week YYYY-Www (e.g. 2026-W22), got \(text.prefix(40).debugDescription)")
            }
            return (week.first, week.last)
        }
        if let text = query["month"] {
            guard let month = FeedPeriod.month(text) else {
                throw WebError.invalidParameter("month must be YYYY-MM, got \(text.prefix(40).debugDescription)")
            }
            return (month.first, month.last)
        }
        return nil
    }

    /// `GET /api/daily_papers?date=|week=|month=&submitter=&sort=publishedAt|trending&p=&limit=`.
    /// Without a sort: the feed order (most upvoted first, then earliest submitted). `p` pages from 0; a page
    /// past the end is `[]`.
    @Sendable func dailyPapers(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let query = APIQuery(request)
        let period = try Self.period(query)
        let limit = try query.integer("limit", default: Self.defaultLimit, range: 1...Self.maxLimit)
        let page = try query.integer("p", default: 0, range: 0...100_000)
        let sort = try query.text("sort", maxLength: 40)
        guard sort == nil || sort == "publishedAt" || sort == "trending" else {
            throw WebError.invalidParameter("sort must be publishedAt or trending")
        }
        let submitter = try query.text("submitter", maxLength: 39)
        if let submitter, !User.isValidUsername(submitter) {
            throw WebError.invalidParameter("submitter must be a username (letters, digits, - and _)")
        }
        var entries: [FeedEntry]
        if let submitter {
            entries = try await store.submissions(by: submitter)
            if let period { entries = entries.filter { $0.submission.day >= period.first && $0.submission.day <= period.last } }
            entries.sort { ($0.upvotes, $1.submission.submittedAt) > ($1.upvotes, $0.submission.submittedAt) }
        } else {
            let first = period?.first ?? Day(year: 1, month: 1, day: 1)!
            let last = period?.last ?? Day(year: 9999, month: 12, day: 31)!
            entries = try await store.feed(from: first, through: last, limit: 10_000, offset: 0)
        }
        switch sort {
        case "publishedAt":
            entries.sort { ($0.submission.submittedAt, $1.paper.id) > ($1.submission.submittedAt, $0.paper.id) }
        case "trending":
            let clockNow = configuration.clock()
            let latest = entries.map(\.submission.submittedAt).max() ?? clockNow
            entries = TrendingPapers.rank(entries, now: min(clockNow, latest.addingTimeInterval(86_400)))
        default:
            break
        }
        let start = page * limit
        let slice = start < entries.count ? entries[start..<min(entries.count, start + limit)] : []
        var builder = Builder(store: store, base: baseURL(request, configuration))
        var items: [HubListItem] = []
        for entry in slice {
            items.append(try await builder.item(
                entry.paper, submission: entry.submission, upvotes: entry.upvotes, comments: entry.commentCount))
        }
        return try JSONBody(value: items).response(from: request, context: context)
    }

    static func paperID(_ context: PaperboyRequestContext) -> String? {
        var raw = context.parameters.get("id") ?? ""
        if let number = context.parameters.get("number") { raw += "/" + number }
        return PaperIdentifier.canonical(raw)
    }

    /// The flat object of `GET /api/papers/{id}` (also the answer of `POST /api/papers/index`).
    static func info(_ paper: Paper, store: any PaperStore, base: String) async throws -> HubPaperInfo {
        let id = paper.id
        async let upvotes = store.upvoteCount(paperID: id)
        async let submission = store.submission(paperID: id)
        async let comments = store.comments(paperID: id)
        var builder = Builder(store: store, base: base)
        let s = try await submission
        let p = try await builder.paper(paper, submission: s, upvotes: try await upvotes)
        return HubPaperInfo(
            id: p.id, authors: p.authors, publishedAt: p.publishedAt, submittedOnDailyAt: p.submittedOnDailyAt,
            submittedOnDailyBy: try await s.asyncMap { try await builder.user($0.submitter) }, title: p.title,
            summary: p.summary, upvotes: p.upvotes, numComments: try await comments.filter { !$0.isDeleted }.count,
            discussionId: p.discussionId, githubRepo: p.githubRepo, projectPage: p.projectPage, githubStars: nil,
            ai_summary: nil, ai_keywords: nil, categories: p.categories, arxivComment: paper.comments,
            journalRef: paper.journalRef, doi: paper.doi, url: p.url, arxivUrl: p.arxivUrl, pdfUrl: p.pdfUrl)
    }

    /// `GET /api/papers/{id}`: 404 `{"error"}` for an unknown or malformed id.
    @Sendable func paperInfo(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        guard let id = Self.paperID(context), let paper = try await store.paper(id: id) else {
            // A listing paper that became an arXiv paper: its old address moves permanently.
            if let id = Self.paperID(context), LocalPaperID.isLocal(id), let target = try await store.alias(of: id) {
                return Response(status: .movedPermanently, headers: [.location: "/api/papers/\(target)"])
            }
            let raw = context.parameters.get("id") ?? ""
            throw WebError(.paperNotFound, "Paper \(raw.prefix(80).debugDescription) not found")
        }
        let info = try await Self.info(paper, store: store, base: baseURL(request, configuration))
        return try JSONBody(value: info).response(from: request, context: context)
    }
}

/// A paper as Markdown (`/papers/{id}.md`, or `Accept: text/markdown` on the page URL): for tools and readers.
enum PaperMarkdown {
    static func render(_ paper: Paper, submission: DailySubmission?, upvotes: Int, base: String) -> String {
        var out = "# \(paper.title)\n\n"
        if !paper.authors.isEmpty { out += "**Authors:** \(paper.authors.joined(separator: ", "))\n\n" }
        var facts: [String] = []
        if let published = paper.publishedAt { facts.append("Published: \(Day(published))") }
        if let submission { facts.append("On the daily feed: \(submission.day) (submitted by \(submission.submitter))") }
        facts.append("Upvotes: \(upvotes)")
        if !paper.categories.isEmpty { facts.append("Categories: \(paper.categories.joined(separator: ", "))") }
        out += facts.map { "- \($0)" }.joined(separator: "\n") + "\n\n"
        out += "## Abstract\n\n\(paper.abstract)\n\n"
        var links = ["- Paperboy: \(base)/papers/\(paper.id)"]
        if let arxiv = paper.arxivID {
            links.append("- arXiv: https://arxiv.org/abs/\(arxiv.base)")
            links.append("- PDF: https://arxiv.org/pdf/\(arxiv.base)")
        }
        if let code = submission?.githubRepo ?? paper.codeURL { links.append("- Code: \(code)") }
        if let page = submission?.projectPage ?? HubAPIController.Builder.projectPage(paper) { links.append("- Project page: \(page)") }
        if let doi = paper.doi { links.append("- DOI: https://doi.org/\(doi)") }
        out += "## Links\n\n" + links.joined(separator: "\n") + "\n"
        if let comments = paper.comments { out += "\n## Comments\n\n\(comments)\n" }
        return out
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let value): try await transform(value)
        case .none: nil
        }
    }
}
