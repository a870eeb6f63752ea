import PaperModel
import PaperStore

/// `GET /users/{name}` (`profile.mustache`).
struct ProfileView: PageView {
    static let template = "profile"

    var site: SiteInfo
    var username: String
    var displayName: String
    var role: String
    var isSelf: Bool
    var submissions: [CardView]
    var upvoted: [PaperPageView.SimilarView]
    var collections: [PaperCollection]
    var here: String
    var tokens: [TokenView] = []
    /// Shown once, right after creation.
    var newToken: String?
    /// What the reader told the recommender, each with a remove button (the reader's own profile only).
    var followedAuthors: [FollowedAuthorView] = []
    var followedCategories: [String] = []
    var notInterested: [PaperPageView.SimilarView] = []
    /// How many papers the reader opened ("3 papers"; nil for none): For you leaves them out, and a button
    /// forgets them.
    var seen: String?
    /// Whether a private "For you" feed address exists, and (once, right after creation) its URLs.
    var hasFeedToken = false
    var newFeedURLs: [FeedLink] = []
}

struct FollowedAuthorView {
    var name: String
}

/// A personal access token on its owner's profile.
struct TokenView {
    var id: Int64
    var name: String
    var created: String
    var lastUsed: String?
}
