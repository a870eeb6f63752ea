import Mustache

/// The `/errors` page.
struct ErrorCatalogView: MustacheParent, PageView {
    static let template = "errors"

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
