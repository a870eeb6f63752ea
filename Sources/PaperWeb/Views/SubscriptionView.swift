/// `GET /subscription?token=` (`subscription.mustache`): a subscriber's digest preferences.
struct SubscriptionView: PageView {
    static let template = "subscription"

    struct Choice {
        var value: String
        var label: String
        var checked: Bool
    }

    var site: SiteInfo
    var email: String
    var status: String
    var isActive: Bool
    var token: String
    var frequencies: [Choice]
    var categories: String
    var savedSearches: String
    var saved: Bool
    var unsubscribeAction: String
}
