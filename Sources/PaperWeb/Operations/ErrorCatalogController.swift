import Hummingbird
import Mustache

/// `GET /errors`: the error catalog as a page, one anchor per code — the `link` of every error answer.
struct ErrorCatalogController: Sendable {
    let renderer: PageRenderer
    let site: SiteStatusProvider

    func addRoutes(to router: some RouterMethods<PaperboyRequestContext>) {
        router.get("/errors", use: page)
    }

    @Sendable func page(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let view = ErrorCatalogView(site: try await site.info(context), entries: ErrorCode.allCases.map(ErrorCatalogView.Entry.init))
        return HTML(body: try renderer.render("errors", view))
    }
}

/// The `/errors` page.
struct ErrorCatalogView: MustacheParent {
    struct Entry: MustacheParent {
        var code: String
        var status: Int
        var type: String
        var title: String
        var meaning: String

        init(_ code: ErrorCode) {
            self.code = code.rawValue
            status = Int(code.status.code)
            type = code.type.rawValue
            title = code.entry.title
            meaning = code.entry.meaning
        }

        func child(named name: String) -> Any? {
            switch name {
            case "code": code
            case "status": status
            case "type": type
            case "title": title
            case "meaning": meaning
            default: nil
            }
        }
    }

    var site: SiteInfo
    var entries: [Entry]

    func child(named name: String) -> Any? {
        switch name {
        case "site": site
        case "entries": entries
        default: nil
        }
    }
}
