import Foundation
import Mustache
import PaperModel
import PaperStore

/// Loads the Mustache templates once and renders pages; every value a template prints with `{{ }}` is escaped by
/// Mustache, the few `{{{ }}}` values are built by `HTMLText`.
struct PageRenderer: Sendable {
    let library: MustacheLibrary

    static func load() async throws -> PageRenderer {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Templates") else {
            throw WebSetupError("templates are missing from the PaperWeb resources")
        }
        return PageRenderer(library: try await MustacheLibrary(directory: directory.path))
    }

    func render(_ template: String, _ object: Any) -> String {
        guard let html = library.render(object, withTemplate: template) else {
            return "<!doctype html><title>Paperboy</title><p>Template \(template) is missing.</p>"
        }
        return html
    }
}

struct WebSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What every page shows in its footer.
struct SiteInfo: Equatable, MustacheParent {
    var paperCount: Int
    var searchMode: String
    /// The logged-in user's name, nil for visitors.
    var viewer: String? = nil
    var csrf: String = ""
    /// Feeds of this page, for `<link rel="alternate">`.
    var feeds: [FeedLink] = []
    /// The digest address of the logged-in user's subscription, for the one-click subscribe form.
    var subscriberEmail: String? = nil

    func child(named name: String) -> Any? {
        switch name {
        case "paperCount": paperCount
        case "searchMode": searchMode
        case "viewer": viewer
        case "csrf": csrf
        case "feeds": feeds
        case "subscriberEmail": subscriberEmail
        default: nil
        }
    }
}

enum DateText {
    static func long(_ day: Day) -> String { day.longText }

    static func short(_ day: Day) -> String {
        "\(Day.monthNames[day.month - 1].prefix(3)) \(day.day)"
    }

    static func isoDay(_ date: Date?) -> String? {
        date.map { Day($0).description }
    }

    static func iso8601(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}

/// A feed page: a day, an ISO week, a month, or trending. Equatable: `RenderedPageCache` keeps pages by view.
/// The `MustacheParent` conformances here answer the templates' lookups directly (Mustache would otherwise
/// reflect the whole struct with `Mirror` for every `{{name}}`); each must list every stored property.
struct FeedPageView: Equatable, MustacheParent {
    struct Tab: Equatable, MustacheParent {
        var label: String
        var href: String
        var active: Bool

        func child(named name: String) -> Any? {
            switch name {
            case "label": label
            case "href": href
            case "active": active
            default: nil
            }
        }
    }

    var site: SiteInfo
    var heading: String
    var subtitle: String
    var periodLabel: String
    var emptyPeriod: String
    var previousHref: String?
    var previousLabel: String?
    var nextHref: String?
    var nextLabel: String?
    var latestDay: String?
    var cards: [CardView]
    var hasCards: Bool
    var tabs: [Tab]
    /// Where vote forms return to.
    var here: String

    enum Kind { case daily, weekly, monthly, trending }

    func child(named name: String) -> Any? {
        switch name {
        case "site": site
        case "heading": heading
        case "subtitle": subtitle
        case "periodLabel": periodLabel
        case "emptyPeriod": emptyPeriod
        case "previousHref": previousHref
        case "previousLabel": previousLabel
        case "nextHref": nextHref
        case "nextLabel": nextLabel
        case "latestDay": latestDay
        case "cards": cards
        case "hasCards": hasCards
        case "tabs": tabs
        case "here": here
        default: nil
        }
    }

    /// Daily / Weekly / Monthly / Trending, each pointing at the period that contains `day`.
    static func tabs(active: Kind, day: Day) -> [Tab] {
        [
            Tab(label: "Daily", href: "/papers/date/\(day)", active: active == .daily),
            Tab(label: "Weekly", href: "/papers/week/\(FeedPeriod.week(containing: day).name)", active: active == .weekly),
            Tab(label: "Monthly", href: "/papers/month/\(FeedPeriod.month(containing: day).name)", active: active == .monthly),
            Tab(label: "Trending", href: "/papers/trending", active: active == .trending),
        ]
    }
}

struct CardView: Equatable, MustacheParent {
    var id: String
    var title: String
    var authorsShort: String?
    var teaser: String
    var submitter: String?
    var upvotes: Int
    var commentCount: Int?
    var codeURL: String?
    var primaryCategory: String?
    var isNew = false

    init(entry: FeedEntry, now: Date = Date()) {
        self.init(paper: entry.paper, upvotes: entry.upvotes, submitter: entry.submission.submitter)
        commentCount = entry.commentCount > 0 ? entry.commentCount : nil
        isNew = Self.isNew(entry, now: now)
        if codeURL == nil { codeURL = entry.submission.githubRepo }
    }

    /// "new": submitted in the last 24 hours.
    static func isNew(_ entry: FeedEntry, now: Date) -> Bool {
        isNew(submittedAt: entry.submission.submittedAt, now: now)
    }

    static func isNew(submittedAt: Date, now: Date) -> Bool {
        now.timeIntervalSince(submittedAt) < 24 * 3600
    }

    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "title": title
        case "authorsShort": authorsShort
        case "teaser": teaser
        case "submitter": submitter
        case "upvotes": upvotes
        case "commentCount": commentCount
        case "codeURL": codeURL
        case "primaryCategory": primaryCategory
        case "isNew": isNew
        default: nil
        }
    }

    init(paper: Paper, upvotes: Int, submitter: String?) {
        id = paper.id
        title = paper.title
        authorsShort = Self.shortAuthors(paper.authors)
        teaser = Self.teaser(paper.abstract, limit: 320)
        self.submitter = submitter
        self.upvotes = upvotes
        codeURL = paper.codeURL
        primaryCategory = paper.primaryCategory
    }

    static func shortAuthors(_ authors: [String]) -> String? {
        if authors.isEmpty { return nil }
        if authors.count <= 4 { return authors.joined(separator: ", ") }
        return authors.prefix(3).joined(separator: ", ") + " et al. (\(authors.count) authors)"
    }

    /// The first `limit` characters, cut at a word boundary.
    static func teaser(_ text: String, limit: Int) -> String {
        guard text.count > limit else { return text }
        let cut = text.prefix(limit)
        let end = cut.lastIndex(of: " ") ?? cut.endIndex
        return String(cut[..<end]).trimmingCharacters(in: .punctuationCharacters) + "…"
    }
}

struct PaperPageView {
    struct LinkView {
        var label: String
        var url: String
    }

    struct SubmissionView {
        var day: String
        var dayLong: String
        var submitter: String
    }

    struct CommentView {
        var id: Int64
        var author: String
        var bodyHTML: String
        var rawBody: String
        var createdAt: String
        var edited: Bool
        var deleted: Bool
        var depth: Int
        var parentAuthor: String?
        var isSubmitter: Bool
        var isAuthor: Bool
        var canEdit: Bool
        var canDelete: Bool
    }

    struct ArxivView {
        var versioned: String
        var absURL: String
        var pdfURL: String
    }

    var site: SiteInfo
    var id: String
    /// The paper id, under a name comment templates cannot shadow.
    var paperID: String
    var title: String
    var authors: [String]
    var abstractHTML: String
    var comments: String?
    var arxiv: ArxivView?
    var codeURL: String?
    var upvotes: Int
    var oneUpvote: Bool
    var publishedDate: String?
    var updatedDate: String?
    var categories: [String]
    var hasCategories: Bool
    var journalRef: String?
    var doi: String?
    var links: [LinkView]
    var hasLinks: Bool
    var submission: SubmissionView?
    var commentList: [CommentView]
    var hasComments: Bool
    var similar: [SimilarView] = []
    var hasSimilar = false
    var upvoters: [String] = []
    var hasUpvoters = false
    var viewerUpvoted = false
    var loggedIn = false
    var canModerate = false
    var viewerCollections: [CollectionOption] = []
    var hasCollections = false
    var authorChoices: [String] = []
    var hasAuthorChoices = false

    struct CollectionOption {
        var id: Int64
        var name: String
    }

    struct SimilarView {
        var id: String
        var title: String
        var authors: String?
    }

    init(site: SiteInfo, paper: Paper, upvotes: Int, submission: DailySubmission?, comments: [Comment]) {
        self.site = site
        id = paper.id
        paperID = paper.id
        title = paper.title
        authors = paper.authors
        abstractHTML = HTMLText.linkified(paper.abstract)
        self.comments = paper.comments.map(HTMLText.linkified)
        arxiv = paper.arxivID.map {
            let versioned = ArxivID.parse("\($0.base)v\(paper.version)") ?? $0
            return ArxivView(versioned: versioned.versioned, absURL: versioned.absURL, pdfURL: versioned.pdfURL)
        }
        codeURL = paper.codeURL
        self.upvotes = upvotes
        oneUpvote = upvotes == 1
        publishedDate = DateText.isoDay(paper.publishedAt)
        updatedDate = DateText.isoDay(paper.updatedAt)
        categories = paper.categories
        hasCategories = !paper.categories.isEmpty
        journalRef = paper.journalRef
        doi = paper.doi
        links = paper.links.map { LinkView(label: Self.label($0.kind), url: $0.url) }
        hasLinks = !links.isEmpty
        self.submission = submission.map {
            SubmissionView(day: $0.day.description, dayLong: DateText.long($0.day), submitter: $0.submitter)
        }
        commentList = []
        hasComments = !comments.isEmpty
    }

    /// Comments in thread order (each reply under its parent), with badges and the viewer's permissions.
    static func thread(
        _ comments: [Comment], submitter: String?, confirmedAuthors: Set<String>, viewer: User?
    ) -> [CommentView] {
        let children = Dictionary(grouping: comments, by: { $0.parentID ?? 0 })
        let authors = Dictionary(comments.map { ($0.id, $0.author) }, uniquingKeysWith: { a, _ in a })
        var out: [CommentView] = []
        func visit(_ parent: Int64, depth: Int) {
            for c in children[parent] ?? [] {
                let own = viewer?.username.lowercased() == c.author.lowercased()
                out.append(CommentView(
                    id: c.id, author: c.author, bodyHTML: SafeMarkdown.render(c.body), rawBody: c.body,
                    createdAt: DateText.iso8601(c.createdAt), edited: c.editedAt != nil, deleted: c.isDeleted,
                    depth: min(depth, 4), parentAuthor: c.parentID.flatMap { authors[$0] },
                    isSubmitter: c.author == submitter, isAuthor: confirmedAuthors.contains(c.author),
                    canEdit: own && !c.isDeleted,
                    canDelete: !c.isDeleted && (own || viewer?.role == .curator || viewer?.role == .admin)))
                visit(c.id, depth: depth + 1)
            }
        }
        visit(0, depth: 0)
        return out
    }

    static func label(_ kind: PaperLink.Kind) -> String {
        switch kind {
        case .github: "Code"
        case .projectPage: "Project page"
        case .huggingFaceModel: "Model"
        case .huggingFaceDataset: "Dataset"
        case .huggingFaceSpace: "Space"
        case .other: "Link"
        }
    }
}
