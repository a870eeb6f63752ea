import Hummingbird
import Logging
import PaperStore

/// Renders errors as HTML pages for people; paths under `/api/` and `/healthz` keep JSON bodies.
struct ErrorPageMiddleware: RouterMiddleware {
    typealias Context = PaperboyRequestContext
    let renderer: PageRenderer
    let site: SiteStatusProvider

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let path = request.uri.path
            if APIEdgeMiddleware.isAPI(path) || path == "/healthz" || error is APIError { throw error }
            let status: HTTPResponse.Status
            let heading: String
            let message: String
            switch error {
            case let page as PageError:
                (status, heading, message) = (page.status, page.heading, page.message)
            case let http as HTTPResponseError where http.status == .notFound:
                (status, heading, message) = (.notFound, "Page not found", "There is nothing at \(path).")
            case let http as HTTPResponseError:
                (status, heading, message) = (http.status, http.status.reasonPhrase, "The request could not be served.")
            case let store as StoreError where store.code == .busy:
                context.logger.warning("store busy; answered 503", metadata: ["path": "\(path)", "error": "\(store)"])
                (status, heading, message) = (
                    .serviceUnavailable, "Busy for a moment",
                    "Paperboy is busy writing; nothing was changed. Try again in a few seconds.")
            case let store as StoreError where store.http != nil:
                let answer = store.http?.status ?? .badRequest
                (status, heading, message) = (answer, answer.reasonPhrase, store.message.prefix(1).uppercased() + store.message.dropFirst() + ".")
            default:
                context.logger.error("request failed", metadata: ["path": "\(path)", "error": "\(error)"])
                (status, heading, message) = (.internalServerError, "Something went wrong", "The error was logged.")
            }
            let info = (try? await site.info(context)) ?? SiteInfo(paperCount: 0, searchMode: "unknown")
            let view: [String: Any] = [
                "site": info, "status": Int(status.code), "heading": heading, "message": message,
            ]
            var response = try HTML(status: status, body: renderer.render("error", view)).response(from: request, context: context)
            // A busy store frees up within seconds; anything else unavailable (arXiv, for an import) takes longer.
            if status == .serviceUnavailable {
                response.headers[.retryAfter] = (error as? StoreError)?.code == .busy ? String(EdgeMiddleware.busyRetryAfter) : "60"
            }
            return response
        }
    }
}
