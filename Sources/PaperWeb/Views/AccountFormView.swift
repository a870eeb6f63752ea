/// Sign up, log in and change password (`account-form.mustache`).
struct AccountFormView: PageView {
    static let template = "account-form"

    var site: SiteInfo
    var heading: String
    var action: String
    var submitLabel: String
    var error: String?
    var username: String?
    var next: String
    var askUsername = true
    var askCurrent = false
    var askConfirm = false
    var passwordLabel = "Password"
    var passwordAutocomplete = "current-password"
    var minLength = 1
    /// A link to the other form (log in / sign up).
    var alternativeHTML: SafeHTML?
}
