import Foundation
import PaperModel
import PaperStore

/// `GET /papers/{id}`.
struct PaperPageView: PageView {
    static let template = "paper"

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
        var bodyHTML: SafeHTML
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
    var abstractHTML: SafeHTML
    /// arXiv's comments field ("12 pages, code at https://…"), linkified.
    var commentsHTML: SafeHTML?
    var arxiv: ArxivView?
    var codeURL: String?
    var upvotes: Int
    var oneUpvote: Bool
    var publishedDate: String?
    var updatedDate: String?
    var categories: [String]
    var journalRef: String?
    var doi: String?
    var links: [LinkView]
    var submission: SubmissionView?
    var commentList: [CommentView]
    var similar: [SimilarView] = []
    var upvoters: [String] = []
    var viewerUpvoted = false
    var loggedIn = false
    var canModerate = false
    var viewerCollections: [CollectionOption] = []
    var authorChoices: [String] = []
    /// Follow / unfollow the paper's authors and categories (signed-in readers), for "For you".
    var followAuthors: [FollowToggle] = []
    var followCategories: [FollowToggle] = []

    struct FollowToggle {
        var name: String
        var following: Bool
    }

    struct CollectionOption {
        var id: Int64
        var name: String
    }

    struct SimilarView {
        var id: String
        var title: String
        var authors: String?
    }

    init(site: SiteInfo, paper: Paper, upvotes: Int, submission: DailySubmission?) {
        self.site = site
        id = paper.id
        paperID = paper.id
        title = paper.title
        authors = paper.authors
        abstractHTML = .linkified(paper.abstract)
        commentsHTML = paper.comments.map(SafeHTML.linkified)
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
        journalRef = paper.journalRef
        doi = paper.doi
        links = paper.links.map { LinkView(label: Self.label($0.kind), url: $0.url) }
        self.submission = submission.map {
            SubmissionView(day: $0.day.description, dayLong: DateText.long($0.day), submitter: $0.submitter)
        }
        commentList = []
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
                out.append(
                    CommentView(
                        id: c.id, author: c.author, bodyHTML: .markdown(c.body), rawBody: c.body,
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
