import Mustache
import PaperModel

/// `GET /about` (`about.mustache`): what Paperboy is, and the trending formula's constants.
struct AboutView: Equatable, MustacheParent, PageView {
    static let template = "about"

    var site: SiteInfo
    var commentWeight: Double
    var offsetHours: Double
    var gravity: Double
    var windowDays: Int

    init(site: SiteInfo, formula: TrendingFormula) {
        self.site = site
        commentWeight = formula.commentWeight
        offsetHours = formula.offsetHours
        gravity = formula.gravity
        windowDays = formula.windowDays
    }

    func child(named name: String) -> Any? {
        switch name {
        case "site": site
        case "commentWeight": commentWeight
        case "offsetHours": offsetHours
        case "gravity": gravity
        case "windowDays": windowDays
        default: nil
        }
    }
}
