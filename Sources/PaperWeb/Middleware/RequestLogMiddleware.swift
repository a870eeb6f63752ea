import Hummingbird
import Logging

/// The outermost layer: gives each request its id and logs one line when its response is ready.
///
/// The id is the proxy's `X-Request-Id` when it sent a plausible one (so the proxy's log and ours line up), else
/// Hummingbird's own; every log line of the request carries it (`hb.request.id`) and the response returns it in
/// `X-Request-Id`, so a person quoting it from an error page finds the log line of that failure.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = PaperboyRequestContext
    /// The level of the line for answers below 500 (5xx are always logged at `error`).
    let level: Logger.Level
    let clock: @Sendable () -> ContinuousClock.Instant

    init(level: Logger.Level, clock: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.level = level
        self.clock = clock
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        if let forwarded = request.headers[ErrorResponder.requestIDHeader], Self.isPlausibleID(forwarded) {
            context.logger[metadataKey: "hb.request.id"] = .string(forwarded)
        }
        let started = clock()
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // The edge answers every error; this is for an error thrown past it (none today).
            let resolved = ErrorResponder.resolve(error, request, context)
            response = Response(
                status: resolved.status, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: resolved.message + "\n")))
        }
        response.headers[ErrorResponder.requestIDHeader] = context.id
        let elapsed = clock() - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let status = Int(response.status.code)
        let metadata: Logger.Metadata = [
            "method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "status": "\(status)",
            "ms": "\((milliseconds * 10).rounded() / 10)",
        ]
        context.logger.log(level: status >= 500 ? .error : level, "request", metadata: metadata)
        return response
    }

    /// Printable ASCII without spaces, at most 128 characters: safe to log and to echo.
    static func isPlausibleID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 128
            && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
    }
}
