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
struct HubAPIController<Search: PaperSearching>: Sendable {
    let store: any PaperStore
    let search: Search?
    let configuration: WebConfiguration

    static var defaultLimit: Int { 50 }
    static var maxLimit: Int { 100 }

    func addRoutes(to router: some RouterMethods<PaperboyRequestContext>) {
        router.get("papers/search", use: searchPapers)
        router.get("daily_papers", use: dailyPapers)
        router.get("papers/{id}", use: paperInfo)
        router.get("papers/{id}/{number}", use: paperInfo)
    }

    // MARK: JSON shapes

    typealias Builder = HubAPI.Builder
    typealias HubListItem = HubAPI.HubListItem

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
            items.append(
                try await builder.item(
                    paper, submission: submission, upvotes: upvotes[paper.id] ?? 0, comments: comments))
        }
        return try JSONBody(value: items).response(from: request, context: context)
    }

    /// The days a daily-papers request covers, from exactly one of `date`, `week`, `month` (none: every day).
    @Sendable func dailyPapers(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let query = APIQuery(request)
        let period = try HubAPI.period(query)
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
            if let period {
                entries = entries.filter { $0.submission.day >= period.first && $0.submission.day <= period.last }
            }
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
            items.append(
                try await builder.item(
                    entry.paper, submission: entry.submission, upvotes: entry.upvotes, comments: entry.commentCount))
        }
        return try JSONBody(value: items).response(from: request, context: context)
    }

    @Sendable func paperInfo(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        guard let id = HubAPI.paperID(context), let paper = try await store.paper(id: id) else {
            // A listing paper that became an arXiv paper: its old address moves permanently.
            if let id = HubAPI.paperID(context), LocalPaperID.isLocal(id), let target = try await store.alias(of: id) {
                return Response(status: .movedPermanently, headers: [.location: "/api/papers/\(target)"])
            }
            let raw = context.parameters.get("id") ?? ""
            throw WebError(.paperNotFound, "Paper \(raw.prefix(80).debugDescription) not found")
        }
        let info = try await HubAPI.info(paper, store: store, base: baseURL(request, configuration))
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
        if let submission {
            facts.append("On the daily feed: \(submission.day) (submitted by \(submission.submitter))")
        }
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
        if let page = submission?.projectPage ?? HubAPI.Builder.projectPage(paper) {
            links.append("- Project page: \(page)")
        }
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
