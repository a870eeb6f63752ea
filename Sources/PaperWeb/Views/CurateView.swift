import PaperModel
import PaperStore

/// `GET /curate` (`curate.mustache`): pending author claims and ambiguous listing matches.
struct CurateView: PageView {
    static let template = "curate"

    var site: SiteInfo
    var claims: [AuthorClaim]
    /// Listing papers whose title matches several papers: nothing was moved.
    var ambiguous: [AmbiguousResolution]
}
