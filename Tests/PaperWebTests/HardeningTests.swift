import Foundation
import Hummingbird
import HummingbirdTesting
import PaperModel
import PaperServices
import PaperStore
import PaperTestSupport
import Testing

@testable import PaperWeb

/// Security headers, CSRF bound to the session, same-origin redirects, path aliases, atomic toggles, token
/// revocation and the answers of a busy store.
@Suite("Hardening")
struct HardeningTests {
    @Test func everyResponseCarriesTheSecurityHeaders() async throws {
        let store = try await makeFixtureStore()
        try await withApp(store) { client in
            for (uri, method) in [
                ("/", HTTPRequest.Method.get), ("/papers/2605.00001", .get), ("/no/such/page", .get),
                ("/api/no/such", .get),
                ("/api/daily_papers", .get), ("/feeds/daily.rss", .get), ("/static/paperboy.css", .get),
                ("/static/paperboy.js", .get), ("/healthz", .get), ("/papers/date/2026-99-99", .get), ("/login", .post),
                ("//api/query", .get),
            ] {
                try await client.execute(uri: uri, method: method) { response in
                    let csp = response.headers[.contentSecurityPolicy] ?? ""
                    #expect(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "\(uri)")
                    #expect(!csp.contains("unsafe-inline"), "\(uri)")
                    #expect(response.headers[.xContentTypeOptions] == "nosniff", "\(uri)")
                    #expect(response.headers[.init("X-Frame-Options")!] == "DENY", "\(uri)")
                    #expect(response.headers[.init("Referrer-Policy")!] == "strict-origin-when-cross-origin", "\(uri)")
                }
            }
            // The site's own pages satisfy the policy: no inline script or style attribute (the browser test also
            // checks for violations).
            try await client.execute(uri: "/", method: .get) { response in
                #expect(
                    !response.text.contains("<script>") && response.text.contains("<script src=\"/static/paperboy.js\"")
                )
                #expect(!response.text.contains(" style=\"") && !response.text.contains(" onclick="))
            }
            try await client.execute(uri: "/static/paperboy.js", method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix("text/javascript") == true)
                #expect(response.text.contains("vote-form"))
            }
        }
    }

    @Test func pathAliasesRedirectToTheCanonicalPathBeforeAnyHandler() async throws {
        var configuration = WebConfiguration()
        configuration.apiLimits = APILimits(readsPerMinute: 1, writesPerMinute: 1)
        let frozen = Date(timeIntervalSince1970: 1_800_000_000)
        configuration.clock = { frozen }
        let router = try await buildRouter(store: try await makeFixtureStore(), configuration: configuration)
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/api/daily_papers?limit=1", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/daily_papers?limit=1", method: .get) {
                #expect($0.status == .tooManyRequests)
            }
            // An alias does not reach the handler around the per-IP limit: it is redirected, and only the
            // canonical path serves.
            for alias in [
                "//api/daily_papers", "/./api/daily_papers", "/feeds/../api/daily_papers", "/api//daily_papers",
                "///api/daily_papers",
            ] {
                try await client.execute(uri: alias + "?limit=1", method: .get) { response in
                    #expect(response.status == .permanentRedirect, "\(alias)")
                    #expect(response.headers[.location] == "/api/daily_papers?limit=1", "\(alias)")
                }
            }
            try await client.execute(uri: "//feeds/daily.rss", method: .get) { response in
                #expect(response.status == .permanentRedirect && response.headers[.location] == "/feeds/daily.rss")
            }
            // Canonical paths are untouched.
            try await client.execute(uri: "/papers/hep-th/9901001", method: .get) { #expect($0.status == .ok) }
        }
        #expect(EdgeMiddleware.canonicalPath("/papers/2605.00001.md") == nil)
        #expect(EdgeMiddleware.canonicalPath("/a/./b/../c//") == "/a/c/")
        #expect(EdgeMiddleware.canonicalPath("/../..") == "/")
    }

    @Test func loginRedirectsOnlyToSameOriginPaths() async throws {
        for evil in [
            "/\t/evil.example/", "/\n/evil.example", "/\\evil.example", "//evil.example", "/\u{0}/x",
            "https://evil.example", " /x", "/\u{7f}/evil", "/é",
        ] {
            #expect(SafeRedirect.path(evil) == "/", "\(evil.debugDescription)")
        }
        for fine in ["/", "/papers/2605.00001", "/papers?q=a%20b&mode=hybrid", "/users/ada#comments"] {
            #expect(SafeRedirect.path(fine) == fine)
        }
        try await withBrowserApp { browser, _ in
            _ = try await browser.signUp("alice")
            let visitor = Browser(client: browser.client)
            let response = try await visitor.post(
                "/login", ["username": "alice", "password": "correct horse", "next": "/%09/evil.example/"])
            // Percent-encoded it stays one path on this origin.
            #expect(response.headers[.location] == "/%09/evil.example/")
            let raw = Browser(client: browser.client)
            let tab = try await raw.post(
                "/login", ["username": "alice", "password": "correct horse", "next": "/\t/evil.example/"])
            #expect(tab.headers[.location] == "/")
        }
    }

    @Test func csrfTokensAreBoundToTheSessionAndRotateAtLogin() async throws {
        try await withBrowserApp { browser, store in
            try await browser.get("/")
            let anonymous = try #require(browser.jar["pb_csrf"])
            _ = try await browser.signUp("alice")
            let bound = try #require(browser.jar["pb_csrf"])
            #expect(bound != anonymous, "the token rotates at login")
            let session = try #require(browser.jar["pb_session"])
            #expect(bound == SessionMiddleware.sessionCSRF(session))
            let paper = "2605.00001"
            // The page's forms carry the session's token, and it works.
            let page = try await browser.get("/papers/\(paper)")
            #expect(page.text.contains("value=\"\(bound)\""))
            #expect(try await browser.post("/papers/\(paper)/upvote", [:]).status == .seeOther)
            #expect(try await store.upvoteCount(paperID: paper) == 1)

            // An attacker who plants their own pb_csrf cookie (a sibling subdomain can) and echoes it in the
            // form gets nowhere: a signed-in person's token is the session's.
            let planted = String(repeating: "ab", count: 32)
            browser.jar["pb_csrf"] = planted
            let forged = try await browser.post("/papers/\(paper)/upvote", [:], csrf: planted)
            #expect(forged.status == .forbidden)
            #expect(try await store.upvoteCount(paperID: paper) == 1)
            // The anonymous token from before login does not work either.
            #expect(try await browser.post("/papers/\(paper)/upvote", [:], csrf: anonymous).status == .forbidden)
            // The next page puts the session's token back into the cookie.
            try await browser.get("/")
            #expect(browser.jar["pb_csrf"] == bound)

            // Logging out and in again: a new session, a new token; the old one is dead.
            #expect(try await browser.post("/logout", [:]).status == .seeOther)
            #expect(browser.jar["pb_csrf"] != bound)
            let again = Browser(client: browser.client)
            _ = try await again.post("/login", ["username": "alice", "password": "correct horse"])
            let second = try #require(again.jar["pb_csrf"])
            #expect(second != bound)
            #expect(try await again.post("/papers/\(paper)/upvote", [:], csrf: bound).status == .forbidden)
        }
    }

    @Test func concurrentTogglesByOnePersonNeverLoseAFlip() async throws {
        let store = try SQLitePaperStore.open(
            directory: FileManager.default.temporaryDirectory
                .appendingPathComponent("paperboy-toggle-\(UUID().uuidString)"))
        try await store.upsert([Paper(id: "2605.00001", title: "T", abstract: "A")])
        _ = try await store.createUser(username: "ada", displayName: "Ada", role: .member, passwordHash: nil)
        let toggles = 200
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<toggles {
                group.addTask { try await store.toggleUpvote(paperID: "2605.00001", username: "ada").upvoted }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        // Each toggle flipped the state the previous one left: as many ons as offs, and the upvote is off.
        #expect(results.filter { $0 }.count == toggles / 2)
        #expect(try await store.upvoteCount(paperID: "2605.00001") == 0)
        #expect(try await store.hasUpvoted(paperID: "2605.00001", username: "ada") == false)
    }

    @Test func aNewPasswordRevokesAccessTokens() async throws {
        try await withBrowserApp { browser, store in
            _ = try await browser.signUp("alice")
            let token = AccessTokenSecret.generate()
            _ = try await store.createAccessToken(
                username: "alice", name: "script", tokenHash: AccessTokenSecret.hash(token))
            #expect(
                try await store.accessTokenUser(tokenHash: AccessTokenSecret.hash(token), now: Date())?.username
                    == "alice")
            let change = try await browser.post(
                "/settings/password",
                ["current": "correct horse", "password": "battery staple", "confirm": "battery staple"])
            #expect(change.status == .seeOther)
            #expect(try await store.accessTokenUser(tokenHash: AccessTokenSecret.hash(token), now: Date()) == nil)
            #expect(try await store.accessTokens(username: "alice").isEmpty)
            try await browser.client.execute(
                uri: "/api/papers/2605.00001/upvote", method: .post, headers: [.authorization: "Bearer \(token)"]
            ) { #expect($0.status == .unauthorized) }
        }
    }

    @Test func searchSaysItIsIndexingUntilTheFirstCatchUp() async throws {
        let store = try await makeFixtureStore()
        let engine = try PaperSearchEngine(store: store, directory: nil, embedder: nil)
        let router = try await buildRouter(store: store, search: engine)
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/papers?q=paper", method: .get) { response in
                #expect(response.status == .ok && response.text.contains("still being built"))
            }
            try await engine.catchUp()
            try await client.execute(uri: "/papers?q=paper", method: .get) { response in
                #expect(response.status == .ok && !response.text.contains("still being built"))
            }
        }
    }

    @Test func aBusyStoreAnswers503WithRetryAfterAndOtherErrorsA500WithABody() async throws {
        let router = try await buildRouter(store: try await makeFixtureStore())
        // Routes added after the middleware get the whole chain, as the real ones do.
        router.get("/papers/busy-test") { _, _ -> String in throw StoreError(.busy, "database is locked") }
        router.get("/api/busy-test") { _, _ -> String in throw StoreError(.busy, "database is locked") }
        router.get("/api/storage-test") { _, _ -> String in throw StoreError(.storage, "disk I/O error") }
        router.get("/papers/storage-test") { _, _ -> String in throw StoreError(.storage, "disk I/O error") }
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/papers/busy-test", method: .get) { response in
                #expect(response.status == .serviceUnavailable && response.headers[.retryAfter] == "2")
                #expect(response.text.contains("Busy for a moment"))
            }
            try await client.execute(uri: "/api/busy-test", method: .get) { response in
                #expect(response.status == .serviceUnavailable && response.headers[.retryAfter] == "2")
                let json = try #require(response.json as? [String: Any])
                let error = json["error"] as? [String: Any]
                #expect(error?["code"] as? String == "store_busy" && (error?["message"] as? String)?.isEmpty == false)
            }
            try await client.execute(uri: "/api/storage-test", method: .get) { response in
                #expect(response.status == .internalServerError)
                let json = try #require(response.json as? [String: Any])
                let error = json["error"] as? [String: Any]
                #expect(error?["code"] as? String == "internal" && error?["type"] as? String == "internal")
                // The answer names the request id that the log line of the failure carries.
                let id = try #require(response.headers[.init("X-Request-Id")!])
                #expect((error?["message"] as? String)?.contains(id) == true)
                #expect(!response.text.contains("disk I/O"), "internal details stay in the log")
            }
            try await client.execute(uri: "/papers/storage-test", method: .get) { response in
                #expect(response.status == .internalServerError && response.text.contains("Something went wrong"))
            }
        }
    }
}
