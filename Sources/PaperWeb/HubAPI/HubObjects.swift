import Foundation
import Hummingbird
import PaperModel
import PaperServices
import PaperStore

/// The Hugging Face Hub's paper objects and how they are built from the store: shared by the Hub-compatible reads and
/// the write API (`POST /api/papers/index` answers the paper's object).
enum HubAPI {
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
                githubRepo: submission?.githubRepo ?? paper.codeURL,
                projectPage: submission?.projectPage ?? Self.projectPage(paper),
                githubStars: nil, ai_summary: nil, ai_keywords: nil, categories: paper.categories,
                url: "\(base)/papers/\(paper.id)", arxivUrl: paper.arxivID.map { "https://arxiv.org/abs/\($0.base)" },
                pdfUrl: paper.arxivID.map { "https://arxiv.org/pdf/\($0.base)" })
        }

        mutating func item(
            _ paper: Paper, submission: DailySubmission?, upvotes: Int, comments: Int
        ) async throws -> HubListItem {
            let p = try await self.paper(paper, submission: submission, upvotes: upvotes)
            return HubListItem(
                paper: p, publishedAt: submission.map { Timestamp.hub($0.submittedAt) } ?? p.publishedAt,
                title: p.title,
                summary: p.summary, upvotes: upvotes, numComments: comments,
                submittedBy: try await submission.asyncMap { try await user($0.submitter) }, githubRepo: p.githubRepo,
                projectPage: p.projectPage, githubStars: nil, ai_summary: nil, ai_keywords: nil,
                isAuthorParticipating: false, thumbnail: nil)
        }

        static func projectPage(_ paper: Paper) -> String? {
            paper.links.first { $0.kind == .projectPage }?.url
        }
    }

    static func period(_ query: APIQuery) throws -> (first: Day, last: Day)? {
        let given = ["date", "week", "month"].filter { query[$0] != nil }
        guard given.count <= 1 else {
            throw WebError.invalidParameter(
                "give at most one of date, week and month (got \(given.joined(separator: ", ")))")
        }
        if let text = query["date"] {
            guard let day = Day(text) else {
                throw WebError.invalidParameter("date must be YYYY-MM-DD, got \(text.prefix(40).debugDescription)")
            }
            return (day, day)
        }
        if let text = query["week"] {
            guard let week = FeedPeriod.week(text) else {
                throw WebError.invalidParameter(
                    "week must be an ISO week YYYY-Www (e.g. 2026-W22), got \(text.prefix(40).debugDescription)")
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
}
