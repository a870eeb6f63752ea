import Foundation
import Hummingbird
import Logging

/// Who an error answer is for, which decides its shape: a route group says it once for all of its routes.
enum ErrorAudience: Sendable {
    /// Paperboy's own JSON APIs, feeds and operations: `{"error": {"code", "type", "message", "link"}}`.
    case api
    /// The Hugging Face-compatible reads, whose clients print `error` as a string: `{"error": "…", "code": code}`
    /// (no `X-Error-Code` header: `huggingface_hub` reads that one as the Hub's own error names).
    case hub
    /// The arXiv-compatible query API: an Atom feed with one entry titled "Error", as arXiv answers.
    case arxiv
    /// People: an HTML page (rendered by the site group's `ErrorPageMiddleware`).
    case site

    /// For errors no route group answered (no such route, a wrong method): the audience the path belongs to.
    /// This is the one place that sorts paths by product.
    init(path: String) {
        if path == "/api/query" {
            self = .arxiv
        } else if path.hasPrefix("/api/") || path.hasPrefix("/feeds/") || path == "/healthz" || path == "/metrics"
            || path == "/openapi.json"
        {
            self = .api
        } else {
            self = .site
        }
    }
}

/// An error with everything its answer needs, whatever it was thrown as.
struct ResolvedError: Sendable {
    var code: ErrorCode
    var message: String
    var heading: String?
    var retryAfter: Int?
    /// Headers the error brought (e.g. `Allow` on a 405 from the router).
    var headers: HTTPFields = [:]

    var status: HTTPResponse.Status { code.status }
}

/// Turns any error into the catalog's answer. Every 5xx is logged here, with the request id the logger carries
/// (`hb.request.id`, also sent as `X-Request-Id`), so a report quoting the id finds the log line.
enum ErrorResponder {
    static let requestIDHeader = HTTPFields.Element.Name("X-Request-Id")!

    static func resolve(_ error: any Error, _ request: Request, _ context: PaperboyRequestContext) -> ResolvedError {
        var resolved: ResolvedError
        if let http = error as? HTTPError {
            let message =
                http.body
                ?? (http.status == .notFound ? "There is nothing at \(request.uri.path)." : http.status.reasonPhrase)
            resolved = ResolvedError(code: http.catalogCode, message: message)
            for field in http.headers where field.name != .contentType && field.name != .contentLength {
                resolved.headers.append(field)
            }
        } else if let cataloged = error as? any CatalogedError {
            resolved = ResolvedError(
                code: cataloged.catalogCode, message: cataloged.publicMessage, heading: cataloged.heading,
                retryAfter: cataloged.retryAfter)
        } else if let http = error as? any HTTPResponseError {
            // Hummingbird's other errors (a malformed request it rejected): the status says what kind.
            let code =
                ErrorCode.allCases.first { $0.status == http.status }
                ?? (http.status.code >= 500 ? .internal : .invalidParameter)
            resolved = ResolvedError(code: code, message: http.status.reasonPhrase)
        } else {
            resolved = ResolvedError(code: .internal, message: "")
        }
        let metadata: Logger.Metadata = [
            "path": "\(request.uri.path)", "code": "\(resolved.code.rawValue)", "error": "\(error)",
        ]
        switch resolved.code {
        case .internal:
            context.logger.error("request failed", metadata: metadata)
            resolved.message = "Internal error; it was logged as request \(context.id)."
        case .storeBusy:
            context.logger.warning("store busy; answered 503", metadata: metadata)
        default:
            if resolved.status.code >= 500 { context.logger.error("request failed", metadata: metadata) }
        }
        return resolved
    }

    /// The JSON or Atom answer of an error for a programmatic audience (the site's HTML comes from
    /// `ErrorPageMiddleware`; for `.site` this gives a plain-text body, the last resort).
    static func response(
        _ error: ResolvedError, audience: ErrorAudience, base: String, now: Date
    ) -> Response {
        var headers = error.headers
        if let retryAfter = error.retryAfter { headers[.retryAfter] = String(retryAfter) }
        if error.status == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"paperboy\"" }
        let body: String
        switch audience {
        case .api:
            headers[.contentType] = "application/json; charset=utf-8"
            body = catalogJSON(error, base: base)
        case .hub:
            headers[.contentType] = "application/json; charset=utf-8"
            body = "{\"error\":\(jsonString(error.message)),\"code\":\"\(error.code.rawValue)\"}"
        case .arxiv:
            headers[.contentType] = "application/atom+xml; charset=utf-8"
            body = ArxivAtom.errorFeed(error.message, code: error.code, base: base, now: now)
        case .site:
            headers[.contentType] = "text/plain; charset=utf-8"
            body = error.message + "\n"
        }
        return Response(status: error.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// `{"error": {"code", "type", "message", "link"}}`, keys in a fixed order.
    static func catalogJSON(_ error: ResolvedError, base: String) -> String {
        "{\"error\":{\"code\":\"\(error.code.rawValue)\",\"type\":\"\(error.code.type.rawValue)\",\"message\":"
            + "\(jsonString(error.message)),\"link\":\(jsonString(error.code.link(base: base)))}}"
    }
}

/// Answers the errors of one route group's handlers in the group's shape.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = PaperboyRequestContext
    let audience: ErrorAudience
    let configuration: WebConfiguration

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let resolved = ErrorResponder.resolve(error, request, context)
            return ErrorResponder.response(
                resolved, audience: audience, base: baseURL(request, configuration), now: configuration.clock())
        }
    }
}

/// A JSON string literal of `text`.
func jsonString(_ text: String) -> String {
    var out = "\""
    out.reserveCapacity(text.utf8.count + 2)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                out += String(format: "\\u%04x", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}
