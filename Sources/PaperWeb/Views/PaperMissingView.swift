import Mustache

/// `GET /papers/{arXiv id}` for an arXiv paper not stored yet (`paper-missing.mustache`, a 404): members may
/// import it, visitors are asked to log in.
struct PaperMissingView: Equatable, MustacheParent, PageView {
    static let template = "paper-missing"

    var site: SiteInfo
    /// The arXiv id, without version.
    var id: String

    func child(named name: String) -> Any? {
        switch name {
        case "site": site
        case "id": id
        default: nil
        }
    }
}
