import Hummingbird
import PaperSupport

/// The edge of every programmatic route group (the APIs, feeds, `/openapi.json`): the per-IP rate limit, and CORS
/// for reads — any origin may read public data; writes are not offered cross-origin (no credentials are ever
/// shared; preflights are answered by `EdgeMiddleware`, before routing). Its own 429 is answered in the group's
/// error shape.
struct APIEdgeMiddleware: RouterMiddleware {
    typealias Context = PaperboyRequestContext
    let limiter: Throttle<String>
    let audience: ErrorAudience
    let configuration: WebConfiguration

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let readOnly = request.method == .get || request.method == .head
        var response: Response
        let ip = context.remoteAddress?.ipAddress ?? "unknown"
        if let wait = limiter.takeOrWait("ip:" + ip) {
            let error = ResolvedError(
                code: .rateLimited, message: "Too many requests; retry in \(wait) s.", retryAfter: wait)
            response = ErrorResponder.response(
                error, audience: audience, base: baseURL(request, configuration), now: configuration.clock())
            response.headers[.accessControlAllowOrigin] = "*"
            return response
        }
        // The group's error middleware (inside this one) has turned errors into responses already, so errors of
        // public reads are readable cross-origin too.
        response = try await next(request, context)
        if readOnly { response.headers[.accessControlAllowOrigin] = "*" }
        return response
    }
}
