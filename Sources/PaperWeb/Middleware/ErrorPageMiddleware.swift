import Hummingbird
import Logging

/// Error pages for people: the site group's errors, and errors on site paths that no route answered.
struct ErrorPages: Sendable {
    let renderer: PageRenderer
    let site: SiteStatusProvider

    func response(_ error: ResolvedError, _ request: Request, _ context: PaperboyRequestContext) async -> Response {
        let info = (try? await site.info(context)) ?? SiteInfo(paperCount: 0, searchMode: "unknown")
        let view = ErrorPageView(
            site: info, status: error.status, heading: error.heading ?? error.code.entry.title, message: error.message,
            code: error.code.rawValue, requestID: context.id)
        var headers: HTTPFields = error.headers
        headers[.contentType] = "text/html; charset=utf-8"
        if let retryAfter = error.retryAfter { headers[.retryAfter] = String(retryAfter) }
        let body =
            (try? renderer.render(view))
            ?? "<!doctype html><title>\(error.status.code)</title><p>\(error.status.code)</p>"
        return Response(status: error.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// Renders the site group's errors as HTML pages (inside the session middleware, so the page shows who is
/// signed in).
struct ErrorPageMiddleware: RouterMiddleware {
    typealias Context = PaperboyRequestContext
    let pages: ErrorPages

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return await pages.response(ErrorResponder.resolve(error, request, context), request, context)
        }
    }
}
