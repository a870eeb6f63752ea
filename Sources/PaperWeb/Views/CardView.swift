import Foundation
import Mustache
import PaperModel
import PaperStore

/// A paper in a feed (`card.mustache`).
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
    /// Why the recommender chose this card ("For you", "More like this"), escaped.
    var explanationHTML: SafeHTML?
    /// Shows the "Not interested" button (signed-in readers).
    var canReject = false

    /// `now` decides the "new" badge; nil leaves it off (`FeedCards.card(_:at:)` sets it for each page).
    init(entry: FeedEntry, now: Date?) {
        self.init(paper: entry.paper, upvotes: entry.upvotes, submitter: entry.submission.submitter)
        commentCount = entry.commentCount > 0 ? entry.commentCount : nil
        isNew = now.map { Self.isNew(entry, now: $0) } ?? false
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
        case "explanationHTML": explanationHTML
        case "canReject": canReject
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
