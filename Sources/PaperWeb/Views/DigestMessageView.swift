/// The pages of digest subscriptions that say what happened (`digest-message.mustache`): mail sent,
/// subscription confirmed, unsubscribed.
struct DigestMessageView: PageView {
    static let template = "digest-message"

    var site: SiteInfo
    var heading: String
    var message: String
    var linkHref: String?
    var linkLabel: String?
    /// A POST button (unsubscribe confirmation).
    var formAction: String?
    var formLabel: String?
}
