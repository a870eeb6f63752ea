import Foundation
import Hummingbird
import HummingbirdTesting
import PaperModel
import PaperStore
import PaperTestSupport
import Testing

@testable import PaperWeb

/// A browser's cookie jar, for router tests.
final class CookieJar: @unchecked Sendable {
    private let lock = NSLock()
    private var cookies: [String: String] = [:]

    func absorb(_ response: TestResponse) {
        lock.withLock {
            for header in response.headers[values: .setCookie] {
                let pair = header.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1)
                let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
                if value.isEmpty || header.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
            }
        }
    }

    subscript(_ name: String) -> String? {
        get { lock.withLock { cookies[name] } }
        set { lock.withLock { cookies[name] = newValue } }
    }

    var header: HTTPFields {
        lock.withLock {
            var fields = HTTPFields()
            if !cookies.isEmpty { fields[.cookie] = cookies.map { "\($0)=\($1)" }.joined(separator: "; ") }
            return fields
        }
    }
}

struct Browser {
    let client: any TestClientProtocol
    let jar = CookieJar()

    @discardableResult
    func get(_ uri: String) async throws -> TestResponse {
        let response = try await client.execute(uri: uri, method: .get, headers: jar.header, body: nil)
        jar.absorb(response)
        return response
    }

    /// Posts a form, with the CSRF token from the cookie unless `csrf` says otherwise.
    @discardableResult
    func post(
        _ uri: String, _ fields: [String: String], csrf: String? = nil, accept: String? = nil
    ) async throws -> TestResponse {
        if jar["pb_csrf"] == nil { try await get("/") }
        var all = fields
        all["csrf"] = csrf ?? jar["pb_csrf"]
        let body = all.map { "\($0)=\($1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(
            separator: "&")
        var headers = jar.header
        headers[.contentType] = "application/x-www-form-urlencoded"
        if let accept { headers[.accept] = accept }
        let response = try await client.execute(
            uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
        jar.absorb(response)
        return response
    }

    func signUp(_ name: String, password: String = "correct horse") async throws -> TestResponse {
        try await post("/signup", ["username": name, "password": password, "confirm": password])
    }
}

func withBrowserApp(
    store given: (any PaperStore)? = nil, _ body: @escaping @Sendable (Browser, any PaperStore) async throws -> Void
) async throws {
    let store: any PaperStore
    if let given { store = given } else { store = try await makeFixtureStore() }
    let router = try await buildRouter(store: store)
    try await Application(router: router).test(.router) { client in try await body(Browser(client: client), store) }
}

@Suite("Accounts, sessions and CSRF")
struct AccountTests {
    @Test func signUpLogsInAndLogOutEndsTheSession() async throws {
        try await withBrowserApp { browser, store in
            let signup = try await browser.signUp("alice")
            #expect(signup.status == .seeOther)
            #expect(signup.headers[.location] == "/")
            let cookie = try #require(signup.headers[values: .setCookie].first { $0.hasPrefix("pb_session=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
            #expect(try await store.user(named: "alice")?.role == .member)
            #expect(try await store.passwordHash(username: "alice")?.hasPrefix("$2") == true)
            let home = try await browser.get("/")
            #expect(home.text.contains("href=\"/users/alice\""))
            #expect(home.text.contains("action=\"/logout\""))

            #expect(try await browser.post("/logout", [:]).status == .seeOther)
            let after = try await browser.get("/")
            #expect(after.text.contains("href=\"/login\""))
            #expect(!after.text.contains("href=\"/users/alice\""))
        }
    }

    @Test func cookiesAreSecureBehindTLS() async throws {
        try await withBrowserApp { browser, _ in
            try await browser.get("/")
            let csrf = try #require(browser.jar["pb_csrf"])
            var headers = browser.jar.header
            headers[.contentType] = "application/x-www-form-urlencoded"
            headers[.init("X-Forwarded-Proto")!] = "https"
            let body = "csrf=\(csrf)&username=tls&password=long%20enough&confirm=long%20enough"
            let response = try await browser.client.execute(
                uri: "/signup", method: .post, headers: headers, body: ByteBuffer(string: body))
            let cookie = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("pb_session=") })
            #expect(cookie.contains("Secure"))
            let plain = try await Browser(client: browser.client).signUp("plain")
            #expect(
                !(plain.headers[values: .setCookie].first { $0.hasPrefix("pb_session=") } ?? "Secure").contains(
                    "Secure"))
        }
    }

    @Test func badSignUpsExplainWhatIsWrong() async throws {
        try await withBrowserApp { browser, store in
            _ = try await browser.signUp("alice")
            let other = Browser(client: browser.client)
            for (fields, message) in [
                (["username": "alice", "password": "long enough", "confirm": "long enough"], "taken"),
                (["username": "<script>", "password": "long enough", "confirm": "long enough"], "username is 1-39"),
                (["username": "bob", "password": "short", "confirm": "short"], "8 to 72"),
                (["username": "bob", "password": "long enough", "confirm": "different!"], "differ"),
            ] {
                let response = try await other.post("/signup", fields)
                #expect(response.status == .badRequest)
                #expect(response.text.contains(message), "\(fields)")
                #expect(!response.text.contains("<script>\""))
            }
            #expect(try await store.user(named: "bob") == nil)
        }
    }

    @Test func wrongPasswordsAreRefusedAndThrottled() async throws {
        try await withBrowserApp { browser, _ in
            _ = try await browser.signUp("alice")
            let visitor = Browser(client: browser.client)
            for _ in 0..<5 {
                let response = try await visitor.post("/login", ["username": "alice", "password": "wrong password"])
                #expect(response.status == .unauthorized)
                #expect(response.text.contains("Wrong username or password"))
            }
            let throttled = try await visitor.post("/login", ["username": "alice", "password": "correct horse"])
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.headers[.retryAfter] != nil)
            #expect(try await visitor.post("/login", ["username": "nobody", "password": "x"]).status != .seeOther)
        }
    }

    @Test func loginRedirectsOnlyToLocalPaths() async throws {
        try await withBrowserApp { browser, _ in
            _ = try await browser.signUp("alice")
            let visitor = Browser(client: browser.client)
            let local = try await visitor.post(
                "/login", ["username": "alice", "password": "correct horse", "next": "/papers/date/2026-05-30"])
            #expect(local.status == .seeOther)
            #expect(local.headers[.location] == "/papers/date/2026-05-30")
            let evil = Browser(client: browser.client)
            let response = try await evil.post(
                "/login", ["username": "alice", "password": "correct horse", "next": "//evil.example/x"])
            #expect(response.headers[.location] == "/")
        }
    }

    @Test func missingOrWrongCSRFTokensChangeNothing() async throws {
        try await withBrowserApp { browser, store in
            let missing = try await browser.post(
                "/signup", ["username": "eve", "password": "long enough", "confirm": "long enough"], csrf: "")
            #expect(missing.status == .forbidden)
            let wrong = try await browser.post(
                "/signup", ["username": "eve", "password": "long enough", "confirm": "long enough"],
                csrf: String(repeating: "a", count: 64))
            #expect(wrong.status == .forbidden)
            #expect(try await store.user(named: "eve") == nil)

            _ = try await browser.signUp("alice")
            let paper = try #require(try await store.dailyFeed(day: Day("2026-05-30")!).first?.paper.id)
            #expect(try await browser.post("/papers/\(paper)/upvote", [:], csrf: "").status == .forbidden)
            #expect(try await store.upvoteCount(paperID: paper) == 0)
        }
    }

    @Test func upvotesToggleOnePerUser() async throws {
        try await withBrowserApp { browser, store in
            let paper = try #require(try await store.dailyFeed(day: Day("2026-05-30")!).first?.paper.id)
            let anonymous = try await browser.post("/papers/\(paper)/upvote", [:])
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers[.location]?.hasPrefix("/login") == true)

            _ = try await browser.signUp("alice")
            let first = try await browser.post(
                "/papers/\(paper)/upvote", ["state": "on", "next": "/papers/date/2026-05-30"])
            #expect(first.status == .seeOther)
            #expect(first.headers[.location] == "/papers/date/2026-05-30")
            try await browser.post("/papers/\(paper)/upvote", ["state": "on"])
            #expect(try await store.upvoteCount(paperID: paper) == 1)

            let toggled = try await browser.post("/papers/\(paper)/upvote", [:], accept: "application/json")
            #expect(toggled.status == .ok)
            #expect(toggled.text == "{\"paper\":\"\(paper)\",\"upvoted\":false,\"upvotes\":0}")
            try await browser.post("/papers/\(paper)/upvote", [:], accept: "application/json")

            let page = try await browser.get("/papers/\(paper)")
            #expect(page.text.contains("Upvoted by <a href=\"/users/alice\">alice</a>"))
            #expect(page.text.contains("vote-button upvoted"))
            let day = try await browser.get("/papers/date/2026-05-30")
            #expect(day.text.contains("<span class=\"vote-count\">1</span>"))
            #expect(try await browser.post("/papers/2101.99999/upvote", [:]).status == .notFound)
        }
    }

    @Test func sessionsSurviveARestart() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("paperboy-session-\(UUID().uuidString)")
        let jar = CookieJar()
        try await withBrowserApp(store: try SQLitePaperStore.open(directory: dir)) { browser, _ in
            let response = try await browser.signUp("alice")
            jar.absorb(response)
        }
        let session = try #require(jar["pb_session"])
        // A new application on the same data folder: the session is still valid.
        try await withBrowserApp(store: try SQLitePaperStore.open(directory: dir)) { browser, _ in
            var headers = HTTPFields()
            headers[.cookie] = "pb_session=\(session)"
            let home = try await browser.client.execute(uri: "/", method: .get, headers: headers, body: nil)
            #expect(home.text.contains("href=\"/users/alice\""))
        }
    }

    @Test func changingThePasswordEndsOtherSessions() async throws {
        try await withBrowserApp { browser, store in
            _ = try await browser.signUp("alice")
            let laptop = Browser(client: browser.client)
            #expect(
                try await laptop.post("/login", ["username": "alice", "password": "correct horse"]).status == .seeOther)
            let change = try await browser.post(
                "/settings/password",
                ["current": "correct horse", "password": "battery staple", "confirm": "battery staple"])
            #expect(change.status == .seeOther)
            #expect(try await browser.get("/").text.contains("href=\"/users/alice\""))
            #expect(!(try await laptop.get("/").text.contains("href=\"/users/alice\"")))
            let wrong = try await browser.post(
                "/settings/password", ["current": "nope", "password": "battery staple", "confirm": "battery staple"])
            #expect(wrong.status == .badRequest)
            #expect(
                try await Browser(client: browser.client).post(
                    "/login", ["username": "alice", "password": "battery staple"]
                ).status == .seeOther)
        }
    }
}
