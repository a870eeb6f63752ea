import Crypto
import Foundation
import Hummingbird
import PaperModel
import PaperStore

/// Resolves the session cookie to a user and hands out the CSRF cookie.
///
/// Sessions are server-side (in the store, so they survive restarts and work across instances); the cookie holds
/// a random token and the store only its SHA-256. Every POST form echoes a CSRF token in a hidden `csrf` field.
/// For a signed-in person the token is bound to the session: SHA-256 of `csrf:` + the session token, which only
/// the holder of the HttpOnly session cookie can know, so it changes at every login and a `pb_csrf` cookie
/// planted by a sibling subdomain is worth nothing. Anonymous forms (sign up, log in) use the double-submit
/// pattern: a random `pb_csrf` cookie (SameSite=Lax, HttpOnly) that the form must echo. The `pb_csrf` cookie
/// always carries the token the forms hold, so scripts can echo it in `X-CSRF-Token`.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = PaperboyRequestContext
    let store: any PaperStore
    let secureCookies: Bool
    /// "Now", for session expiry.
    let clock: @Sendable () -> Date

    static let sessionCookie = "pb_session"
    static let csrfCookie = "pb_csrf"

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        // Only the site's route group has this middleware: APIs and feeds are cookie-free (programs authenticate
        // with access tokens, and a session cookie riding along on a cross-site request must not act for anyone).
        var context = context
        context.secureCookies = secure(request)
        if let token = request.cookies[Self.sessionCookie]?.value, Self.isToken(token) {
            let hash = Self.hash(token)
            if let user = try await store.sessionUser(tokenHash: hash, now: clock()) {
                context.viewer = user
                context.sessionTokenHash = hash
                context.csrfToken = Self.sessionCSRF(token)
                context.csrfBoundToSession = true
            }
        }
        var newCSRF: String?
        let cookie = request.cookies[Self.csrfCookie]?.value
        if context.csrfBoundToSession {
            if cookie != context.csrfToken { newCSRF = context.csrfToken }
        } else if let cookie, Self.isToken(cookie) {
            context.csrfToken = cookie
        } else {
            let fresh = Self.randomToken()
            newCSRF = fresh
            context.csrfToken = fresh
        }
        var response = try await next(request, context)
        // A handler that started or ended a session set the cookie for the new one already.
        if let newCSRF, !response.headers[values: .setCookie].contains(where: { $0.hasPrefix(Self.csrfCookie + "=") }) {
            response.setCookie(Self.csrfCookie(newCSRF, secure: context.secureCookies))
        }
        return response
    }

    static func csrfCookie(_ value: String, secure: Bool) -> Cookie {
        Cookie(name: csrfCookie, value: value, path: "/", secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// The CSRF token of a session: derived from its secret token, so it needs no storage of its own.
    static func sessionCSRF(_ sessionToken: String) -> String { hash("csrf:" + sessionToken) }

    /// Secure cookies when configured (served behind TLS) or when a proxy says the request came over https.
    func secure(_ request: Request) -> Bool {
        secureCookies || request.headers[.init("X-Forwarded-Proto")!] == "https"
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return hex((0..<4).flatMap { _ in withUnsafeBytes(of: generator.next() as UInt64) { Array($0) } })
    }

    /// Lowercase hex, without a `String(format:)` per byte (every cookie-less request makes a CSRF token).
    static func hex<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func isToken(_ text: String) -> Bool {
        text.count == 64 && text.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    static func hash(_ token: String) -> String { hex(SHA256.hash(data: Data(token.utf8))) }
}

enum CSRF {
    /// Reads a POST form and checks its token: the first lines of every state-changing handler.
    static func verifiedForm(_ request: Request, _ context: PaperboyRequestContext) async throws -> (FormQuery, Request)
    {
        var request = request
        let form = try await request.form()
        try verify(form, request, context)
        return (form, request)
    }

    /// Throws 403 unless the form (or the `X-CSRF-Token` header, for scripts) echoes the CSRF cookie.
    static func verify(_ form: FormQuery, _ request: Request, _ context: PaperboyRequestContext) throws {
        let sent = form["csrf"] ?? request.headers[.init("X-CSRF-Token")!] ?? ""
        let expected = context.csrfToken
        // Constant-time comparison: the token must not leak through timing.
        // Signed in: the token is the session's own. Anonymous: the form must echo the cookie (double submit).
        guard !expected.isEmpty, sent.utf8.count == expected.utf8.count,
            zip(sent.utf8, expected.utf8).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0,
            context.csrfBoundToSession || request.cookies[SessionMiddleware.csrfCookie]?.value == expected
        else {
            throw WebError(.invalidCSRFToken, "The form was missing its security token. Reload the page and try again.")
        }
    }
}

extension Request {
    /// The urlencoded form body (at most 64 KB).
    mutating func form() async throws -> FormQuery {
        let buffer = try await collectBody(upTo: 64 * 1024)
        return FormQuery(String(buffer: buffer))
    }
}
