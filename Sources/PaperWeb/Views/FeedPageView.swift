import Foundation
import Mustache
import PaperModel
import PaperStore

/// A feed page: a day, an ISO week, a month, or trending. Equatable: `RenderedPageCache` keeps pages by view.
/// The `MustacheParent` conformances here answer the templates' lookups directly (Mustache would otherwise
/// reflect the whole struct with `Mirror` for every `{{name}}`); each must list every stored property.
struct FeedPageView: Equatable, MustacheParent, PageView {
    static let template = "daily"

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
    var tabs: [Tab]
    /// Where vote forms return to.
    var here: String

    enum Kind { case daily, weekly, monthly, trending, forYou }

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
        case "tabs": tabs
        case "here": here
        default: nil
        }
    }

    /// Daily / Weekly / Monthly / Trending, each pointing at the period that contains `day`, and "For you" for
    /// signed-in readers.
    static func tabs(active: Kind, day: Day, signedIn: Bool = false) -> [Tab] {
        var tabs = [
            Tab(label: "Daily", href: "/papers/date/\(day)", active: active == .daily),
            Tab(
                label: "Weekly", href: "/papers/week/\(FeedPeriod.week(containing: day).name)",
                active: active == .weekly),
            Tab(
                label: "Monthly", href: "/papers/month/\(FeedPeriod.month(containing: day).name)",
                active: active == .monthly),
            Tab(label: "Trending", href: "/papers/trending", active: active == .trending),
        ]
        if signedIn || active == .forYou {
            tabs.append(Tab(label: "For you", href: "/papers/for-you", active: active == .forYou))
        }
        return tabs
    }
}
