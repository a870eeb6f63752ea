import Foundation
import Hummingbird
import HummingbirdBcrypt
import PaperModel
import PaperServices
import PaperStore
import PaperSupport

/// Sign up, log in, log out, change password.
struct AccountController: Sendable {
    let store: any PaperStore
    let renderer: PageRenderer
    let site: SiteStatusProvider
    /// Failed logins: 5 per 15 minutes per username and per address, then one more every 3 minutes.
    let failures: Throttle<String>

    init(store: any PaperStore, renderer: PageRenderer, site: SiteStatusProvider) {
        self.store = store
        self.renderer = renderer
        self.site = site
        failures = Throttle(.limit(5, per: 15 * 60), clock: WallClock(now: site.configuration.clock))
    }

    static let minimumPasswordLength = 8
    static let sessionLifetime: TimeInterval = 30 * 24 * 3600
    /// bcrypt cost: ~0.25 s a hash here, run off the request threads.
    static let bcryptCost: UInt8 = 11

    func addRoutes(to router: some RouterMethods<PaperboyRequestContext>) {
        router.get("/signup", use: signupPage)
        router.post("/signup", use: signup)
        router.get("/login", use: loginPage)
        router.post("/login", use: login)
        router.post("/logout", use: logout)
        router.get("/settings/password", use: passwordPage)
        router.post("/settings/password", use: changePassword)
    }

    func signupView(
        _ context: PaperboyRequestContext, error: String? = nil, username: String? = nil, next: String = "/"
    ) async throws -> AccountFormView {
        AccountFormView(
            site: try await site.info(context), heading: "Create your account", action: "/signup",
            submitLabel: "Sign up",
            error: error, username: username, next: next, askConfirm: true, passwordAutocomplete: "new-password",
            minLength: Self.minimumPasswordLength,
            alternativeHTML: SafeHTML(literal: "Already have an account? <a href=\"/login\">Log in</a>"))
    }

    func loginView(
        _ context: PaperboyRequestContext, error: String? = nil, username: String? = nil, next: String = "/"
    ) async throws -> AccountFormView {
        AccountFormView(
            site: try await site.info(context), heading: "Log in", action: "/login", submitLabel: "Log in",
            error: error,
            username: username, next: next,
            alternativeHTML: SafeHTML(literal: "New here? <a href=\"/signup\">Create an account</a>"))
    }

    /// Only same-origin paths: an open redirect would let a link send people anywhere after logging in.
    ///
    /// Browsers drop tabs and newlines from URLs and read a backslash as `/`, so `/\t/evil.example/` and
    /// `/\\evil.example` lead to other origins: only printable ASCII other than a backslash is allowed, after one `/`.
    @Sendable func signupPage(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let next = SafeRedirect.path(FormQuery(request.uri.query ?? "")["next"])
        return HTML(body: try renderer.render(try await signupView(context, next: next)))
    }

    @Sendable func loginPage(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let next = SafeRedirect.path(FormQuery(request.uri.query ?? "")["next"])
        return HTML(body: try renderer.render(try await loginView(context, next: next)))
    }

    @Sendable func signup(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let (form, request) = try await CSRF.verifiedForm(request, context)
        let username = (form["username"] ?? "").trimmingCharacters(in: .whitespaces)
        let password = form["password"] ?? ""
        let next = SafeRedirect.path(form["next"])
        func fail(_ message: String) async throws -> Response {
            var response = try HTML(
                status: .badRequest,
                body: try renderer.render(try await signupView(context, error: message, username: username, next: next))
            ).response(from: request, context: context)
            response.status = .badRequest
            return response
        }
        guard User.isValidUsername(username) else {
            return try await fail("A username is 1-39 letters, digits, '-' or '_'.")
        }
        guard password.count >= Self.minimumPasswordLength, password.count <= 72 else {
            return try await fail("A password has \(Self.minimumPasswordLength) to 72 characters.")
        }
        guard password == form["confirm"] else { return try await fail("The two passwords differ.") }
        let hash = try await BlockingWork.run { Bcrypt.hash(password, cost: Self.bcryptCost) }
        do {
            _ = try await store.createUser(username: username, displayName: username, role: .member, passwordHash: hash)
        } catch let error as StoreError where error.code == .usernameTaken {
            return try await fail("That username is taken.")
        }
        return try await startSession(username: username, redirect: next, context: context)
    }

    @Sendable func login(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let (form, request) = try await CSRF.verifiedForm(request, context)
        let username = (form["username"] ?? "").trimmingCharacters(in: .whitespaces)
        let password = form["password"] ?? ""
        let next = SafeRedirect.path(form["next"])
        let ip = context.remoteAddress?.ipAddress ?? "unknown"
        let keys = ["u:" + username.lowercased(), "ip:" + ip]
        if let wait = keys.compactMap({ failures.retryAfter($0) }).max() {
            var response = try HTML(
                status: .tooManyRequests,
                body: try renderer.render(
                    try await loginView(
                        context, error: "Too many failed attempts. Try again in \(Int(wait.rounded(.up))) seconds.",
                        username: username, next: next))
            ).response(from: request, context: context)
            response.headers[.retryAfter] = "\(Int(wait.rounded(.up)))"
            return response
        }
        let stored = User.isValidUsername(username) ? try await store.passwordHash(username: username) : nil
        let ok = try await BlockingWork.run { stored.map { Bcrypt.verify(password, hash: $0) } ?? false }
        guard ok, let user = try await store.user(named: username) else {
            for key in keys { failures.record(key) }
            return try HTML(
                status: .unauthorized,
                body: try renderer.render(
                    try await loginView(
                        context, error: "Wrong username or password.", username: username, next: next))
            ).response(from: request, context: context)
        }
        failures.reset(keys[0])
        return try await startSession(username: user.username, redirect: next, context: context)
    }

    @Sendable func logout(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let (form, request) = try await CSRF.verifiedForm(request, context)
        if let hash = context.sessionTokenHash { try await store.deleteSession(tokenHash: hash) }
        var response = Response.redirect(to: "/", type: .normal)
        response.setCookie(
            Cookie(
                name: SessionMiddleware.sessionCookie, value: "", maxAge: 0, path: "/", secure: context.secureCookies,
                httpOnly: true, sameSite: .lax))
        response.setCookie(SessionMiddleware.csrfCookie(SessionMiddleware.randomToken(), secure: context.secureCookies))
        return response
    }

    @Sendable func passwordPage(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        guard context.viewer != nil else { return .redirect(to: "/login?next=/settings/password", type: .normal) }
        return try HTML(body: try renderer.render(try await passwordView(context))).response(
            from: request, context: context)
    }

    func passwordView(_ context: PaperboyRequestContext, error: String? = nil) async throws -> AccountFormView {
        AccountFormView(
            site: try await site.info(context), heading: "Change password", action: "/settings/password",
            submitLabel: "Change password", error: error, next: "/", askUsername: false, askCurrent: true,
            askConfirm: true,
            passwordLabel: "New password", passwordAutocomplete: "new-password", minLength: Self.minimumPasswordLength)
    }

    @Sendable func changePassword(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let (form, request) = try await CSRF.verifiedForm(request, context)
        guard let viewer = context.viewer else { return .redirect(to: "/login", type: .normal) }
        let current = form["current"] ?? "", password = form["password"] ?? ""
        let stored = try await store.passwordHash(username: viewer.username)
        let ok = try await BlockingWork.run { stored.map { Bcrypt.verify(current, hash: $0) } ?? false }
        var error: String?
        if !ok {
            error = "The current password is wrong."
        } else if password.count < Self.minimumPasswordLength || password.count > 72 {
            error = "A password has \(Self.minimumPasswordLength) to 72 characters."
        } else if password != form["confirm"] {
            error = "The two new passwords differ."
        }
        if let error {
            return try HTML(
                status: .badRequest, body: try renderer.render(try await passwordView(context, error: error))
            )
            .response(from: request, context: context)
        }
        let hash = try await BlockingWork.run { Bcrypt.hash(password, cost: Self.bcryptCost) }
        // Every other session of the account ends: a changed password locks out whoever else was logged in.
        try await store.setPasswordHash(username: viewer.username, hash: hash, keepingSession: context.sessionTokenHash)
        return .redirect(to: "/users/\(viewer.username)", type: .normal)
    }

    func startSession(username: String, redirect: String, context: PaperboyRequestContext) async throws -> Response {
        let token = SessionMiddleware.randomToken()
        let expires = site.now().addingTimeInterval(Self.sessionLifetime)
        try await store.createSession(username: username, tokenHash: SessionMiddleware.hash(token), expiresAt: expires)
        var response = Response.redirect(to: redirect, type: .normal)
        response.setCookie(
            Cookie(
                name: SessionMiddleware.sessionCookie, value: token, expires: expires, path: "/",
                secure: context.secureCookies,
                httpOnly: true, sameSite: .lax))
        // The CSRF token rotates with the session: forms rendered before logging in stop working.
        response.setCookie(
            SessionMiddleware.csrfCookie(SessionMiddleware.sessionCSRF(token), secure: context.secureCookies))
        return response
    }
}

/// Failed logins per account and per address: after `limit` failures within `window`, wait until the oldest
/// one leaves the window. In memory: a restart forgets, which only helps the legitimate user.
