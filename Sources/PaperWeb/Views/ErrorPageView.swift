import Hummingbird
import Mustache

/// An error shown to people as a page (`error.mustache`): 404s, 403s, failed forms, 5xx.
struct ErrorPageView: Equatable, MustacheParent, PageView {
    static let template = "error"

    var site: SiteInfo
    /// The HTTP status code, shown large.
    var status: Int
    var heading: String
    var message: String
    /// The error catalog's code (`/errors#code`).
    var code: String?
    /// The id of the request: the same id is in the log and in the response's headers.
    var requestID: String?

    init(
        site: SiteInfo, status: HTTPResponse.Status, heading: String, message: String, code: String? = nil,
        requestID: String? = nil
    ) {
        self.site = site
        self.status = Int(status.code)
        self.heading = heading
        self.message = message
        self.code = code
        self.requestID = requestID
    }

    func child(named name: String) -> Any? {
        switch name {
        case "site": site
        case "status": status
        case "heading": heading
        case "message": message
        case "code": code
        case "requestID": requestID
        default: nil
        }
    }
}

extension PageRenderer {
    /// The HTML error page with `status`: what the error middleware answers people with.
    func errorPage(
        site: SiteInfo, status: HTTPResponse.Status, heading: String, message: String, code: String? = nil,
        requestID: String? = nil
    ) throws -> HTML {
        let view = ErrorPageView(
            site: site, status: status, heading: heading, message: message, code: code, requestID: requestID)
        return HTML(status: status, body: try render(view))
    }
}
