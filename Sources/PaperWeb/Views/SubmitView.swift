/// `GET /submit` and a failed `POST /submit` (`submit.mustache`).
struct SubmitView: PageView {
    static let template = "submit"

    var site: SiteInfo
    var today: String
    var error: String?
    var paper: String?
    var github: String?
    var project: String?
    var isCurator = false
    var onBehalf: String?
}
