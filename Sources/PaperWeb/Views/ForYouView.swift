import PaperServices

/// `GET /papers/for-you` (`for-you.mustache`): the reader's recommendations, or a sign-in prompt.
struct ForYouView: PageView {
    static let template = "for-you"

    /// The latest "Not interested", to take back.
    struct Undo {
        var id: String
        var title: String
    }

    var site: SiteInfo
    var tabs: [FeedPageView.Tab]
    var signedIn: Bool
    /// No upvotes, saved papers or authorship yet: the list comes from follows and trending.
    var coldStart = false
    /// Just after start the shared index is still being built: say so instead of an empty list.
    var preparing = false
    var windowLabel = ""
    var cards: [CardView] = []
    var undo: Undo?
    /// Where card forms return to.
    var here = ForYouController.path
}

/// Why a paper was recommended, as HTML: every piece of paper or reader text escaped, the markup constant.
enum ExplanationHTML {
    static func render(_ item: RecommendedPaper) -> SafeHTML {
        var parts: [SafeHTML] = []
        if let author = item.followedAuthor {
            parts.append(SafeHTML(literal: "By an author you follow: ") + .escaping(author))
        }
        if let because = item.because {
            let lead: SafeHTML =
                switch because.source {
                case .upvoted: SafeHTML(literal: "Because you upvoted ")
                case .saved: SafeHTML(literal: "Because you saved ")
                case .authored: SafeHTML(literal: "Because you wrote ")
                case .search: SafeHTML(literal: "Because you saved the search ")
                case .collection: SafeHTML(literal: "Like ")
                }
            var title = SafeHTML(literal: "<em>") + .escaping(because.title) + SafeHTML(literal: "</em>")
            if let id = because.paperID {
                title =
                    SafeHTML(literal: "<a href=\"/papers/") + .escaping(id) + SafeHTML(literal: "\">") + title
                    + SafeHTML(literal: "</a>")
            }
            var piece = lead + title
            if because.source == .collection { piece = piece + SafeHTML(literal: " in this collection") }
            parts.append(piece)
        }
        if !item.terms.isEmpty {
            parts.append(SafeHTML(literal: "Terms: ") + .escaping(item.terms.joined(separator: ", ")))
        }
        if item.followedAuthor == nil, let category = item.followedCategory, item.because == nil {
            parts.append(SafeHTML(literal: "In ") + .escaping(category) + SafeHTML(literal: ", which you follow"))
        }
        switch item.reason {
        case .trending: parts.append(SafeHTML(literal: "Trending now"))
        case .recent: parts.append(SafeHTML(literal: "New in the last days"))
        default: break
        }
        guard var html = parts.first else { return SafeHTML(literal: "") }
        for part in parts.dropFirst() { html = html + SafeHTML(literal: " · ") + part }
        return html
    }
}
