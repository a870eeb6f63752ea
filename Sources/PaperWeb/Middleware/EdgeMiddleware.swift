import Foundation
import Hummingbird
import Logging
import PaperStore

/// The outermost layer but the request log: every request enters and every response leaves through it.
///
/// - Paths are normalized before anything routes on them: `//api/query`, `/./api/query` or `/feeds/../api/query`
///   would otherwise reach a handler while the route group that matches on `/api/` saw another path. Such aliases
///   get a 308 to the canonical path instead.
/// - CORS preflights of the programmatic paths are answered here: an `OPTIONS` request matches no route.
/// - Errors no route group answered (no such route, a wrong method, a failing middleware) get the catalog's answer
///   for the product the path belongs to: an HTML page on the site, JSON or Atom on the APIs.
/// - Every response carries the security headers.
struct EdgeMiddleware: RouterMiddleware {
    typealias Context = PaperboyRequestContext
    let configuration: WebConfiguration
    /// Renders site errors as pages; nil in tests of the edge alone (plain text then).
    let pages: ErrorPages?

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response: Response
        let path = request.uri.path
        if path.contains("\\") {
            // Browsers read a backslash as `/`: a path with one is never redirected (`/\\evil/./` would
            // become `//evil/`, another origin) and names nothing here.
            response = await answer(WebError(.invalidPath, "A path may not contain a backslash."), request, context)
        } else if let canonical = Self.canonicalPath(path) {
            let query = request.uri.query.map { "?" + $0 } ?? ""
            response = Response(
                status: .permanentRedirect,
                headers: [.location: canonical + query, .contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "See \(canonical)\n")))
        } else if request.method == .options, ErrorAudience(path: path) != .site {
            // CORS preflight: only simple reads are allowed from other origins.
            response = Response(
                status: .noContent,
                headers: [
                    .accessControlAllowOrigin: "*", .accessControlAllowMethods: "GET, HEAD, OPTIONS",
                    .accessControlAllowHeaders: "Accept, Content-Type", .accessControlMaxAge: "86400",
                ])
        } else {
            do {
                response = try await next(request, context)
            } catch {
                response = await answer(error, request, context)
            }
        }
        SecurityHeaders.apply(to: &response.headers)
        return response
    }

    func answer(_ error: any Error, _ request: Request, _ context: Context) async -> Response {
        let audience = ErrorAudience(path: request.uri.path)
        let resolved = ErrorResponder.resolve(error, request, context)
        if audience == .site, let pages {
            return await pages.response(resolved, request, context)
        }
        var response = ErrorResponder.response(
            resolved, audience: audience, base: baseURL(request, configuration), now: configuration.clock())
        if audience != .site, request.method == .get || request.method == .head {
            response.headers[.accessControlAllowOrigin] = "*"
        }
        return response
    }

    /// The canonical form of `path` when it differs (repeated slashes folded, `.` and `..` segments resolved);
    /// nil when `path` is canonical already.
    static func canonicalPath(_ path: String) -> String? {
        guard path.contains("//") || path.contains("/.") else { return nil }
        var segments: [Substring] = []
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        for part in parts {
            switch part {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(part)
            }
        }
        var canonical = "/" + segments.joined(separator: "/")
        if path.hasSuffix("/"), !segments.isEmpty { canonical += "/" }
        return canonical == path ? nil : canonical
    }
}

/// The headers every response carries.
///
/// The policy fits the site's own pages exactly: styles and the one script come from `/static/`, the favicon is
/// a `data:` image, forms post to this origin, nothing may frame a page.
enum SecurityHeaders {
    static let contentSecurityPolicy = [
        "default-src 'self'", "img-src 'self' data:", "style-src 'self'", "script-src 'self'", "object-src 'none'",
        "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    static let xFrameOptions = HTTPFields.Element.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPFields.Element.Name("Referrer-Policy")!
    static let crossOriginOpenerPolicy = HTTPFields.Element.Name("Cross-Origin-Opener-Policy")!

    static func apply(to headers: inout HTTPFields) {
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        headers[xFrameOptions] = "DENY"
        headers[referrerPolicy] = "strict-origin-when-cross-origin"
        headers[crossOriginOpenerPolicy] = "same-origin"
    }
}
