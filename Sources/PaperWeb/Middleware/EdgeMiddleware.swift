import Foundation
import Hummingbird
import Logging
import PaperStore

/// The outermost layer: every request enters and every response leaves through it.
///
/// - Paths are normalized before anything routes on them: `//api/query`, `/./api/query` or `/feeds/../api/query`
///   would otherwise reach a handler while the middleware that matches on `/api/` (rate limits, CORS, cookie
///   stripping) saw another path. Such aliases get a 308 to the canonical path instead.
/// - No error leaves without a body: errors that are not already HTTP responses become a logged 500 (or, for a
///   store that stayed locked past its busy timeout, a 503 with `Retry-After`).
/// - Every response carries the security headers.
struct EdgeMiddleware: RouterMiddleware {
    typealias Context = PaperboyRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        if request.uri.path.contains("\\") {
            // Browsers read a backslash as `/`: a path with one is never redirected (`/\\evil/./` would
            // become `//evil/`, another origin) and names nothing here.
            response = Self.plain(.badRequest, api: APIEdgeMiddleware.isAPI(request.uri.path), code: .invalidParameter,
                                  retryAfter: nil, "A path may not contain a backslash.")
        } else if let canonical = Self.canonicalPath(request.uri.path) {
            let query = request.uri.query.map { "?" + $0 } ?? ""
            response = Response(
                status: .permanentRedirect, headers: [.location: canonical + query, .contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "See \(canonical)\n")))
        } else {
            do {
                response = try await next(request, context)
            } catch {
                response = Self.response(for: error, request, context)
            }
        }
        SecurityHeaders.apply(to: &response.headers)
        return response
    }

    /// The response of an error that reached the edge.
    static func response(for error: any Error, _ request: Request, _ context: Context) -> Response {
        let api = APIEdgeMiddleware.isAPI(request.uri.path) || request.uri.path == "/healthz"
        // The router's own errors (no such route, wrong method) have no body: give them one.
        if let http = error as? HTTPError {
            let code: APIError.Code = switch http.status {
            case .notFound: .notFound
            case .unauthorized: .unauthorized
            case .forbidden: .forbidden
            case .contentTooLarge: .payloadTooLarge
            case .tooManyRequests: .rateLimited
            default: http.status.code >= 500 ? .internal : .invalidParameter
            }
            let message = http.body ?? (http.status == .notFound ? "There is nothing at \(request.uri.path)." : http.status.reasonPhrase)
            var response = plain(http.status, api: api, code: code, retryAfter: nil, message)
            for field in http.headers where field.name != .contentType && field.name != .contentLength { response.headers.append(field) }
            return response
        }
        if let http = error as? any HTTPResponseError, let response = try? http.response(from: request, context: context) {
            return response
        }
        if let store = error as? StoreError, store.code == .busy {
            context.logger.warning("store busy; answered 503", metadata: ["path": "\(request.uri.path)", "error": "\(store)"])
            return plain(.serviceUnavailable, api: api, code: .unavailable, retryAfter: busyRetryAfter,
                         "The database is busy; retry in \(busyRetryAfter) s.")
        }
        if let store = error as? StoreError, let (status, code) = store.http {
            return plain(status, api: api, code: code, retryAfter: nil, store.message)
        }
        context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
        return plain(.internalServerError, api: api, code: .internal, retryAfter: nil, "Internal error; it was logged.")
    }

    /// Seconds a client should wait when the store is busy: a bounded import batch takes well under this.
    static let busyRetryAfter = 2

    static func plain(
        _ status: HTTPResponse.Status, api: Bool, code: APIError.Code, retryAfter: Int?, _ message: String
    ) -> Response {
        var headers: HTTPFields = [:]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if api {
            headers[.contentType] = "application/json; charset=utf-8"
            let body = "{\"error\":\(jsonString(message)),\"code\":\"\(code.rawValue)\"}"
            return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
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

extension StoreError {
    /// The answer a store error gets when no handler translated it: rejected input is the client's (4xx), a
    /// busy store a 503; nil for storage failures, which are 500s whose details stay in the log.
    var http: (status: HTTPResponse.Status, code: APIError.Code)? {
        switch code {
        case .paperNotFound, .userNotFound, .notFound: (.notFound, .notFound)
        case .invalidInput, .invalidUsername: (.badRequest, .invalidParameter)
        case .usernameTaken, .alreadySubmitted: (.conflict, .conflict)
        case .forbidden: (.forbidden, .forbidden)
        case .busy: (.serviceUnavailable, .unavailable)
        case .storage: nil
        }
    }
}
