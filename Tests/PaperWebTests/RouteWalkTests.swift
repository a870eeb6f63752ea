import ArxivClient
import Digests
import Foundation
import Hummingbird
import HummingbirdTesting
import Intake
import Mail
import PaperModel
import PaperServices
import PaperStore
import PaperTestSupport
import Testing

@testable import PaperWeb

/// Every registered route, with boundary and hostile values in each path parameter, each query parameter and
/// each form or JSON field, as a visitor, as a signed-in member (valid CSRF token) and with an access token.
/// Every answer must be a 2xx, 3xx or 4xx with a body, and the server must still answer afterwards. A trap
/// anywhere on a request path (a force unwrap, an overflow) ends the test process, so it fails too.
@Suite("Route walk: hostile values on every route")
struct RouteWalkTests {
    /// Boundary and hostile values: calendar edges, huge and negative numbers, empty, control characters, 10 KB.
    static let hostileValues: [String] = [
        "", " ", "0", "1", "-1", "00", "9999", "10000", "-9999", "99999999999999999999", "9223372036854775807",
        "-9223372036854775808", "1e308", "NaN", "0x10",
        "0000-01-01", "0001-01-01", "9999-12-31", "10000-01-01", "9999-12-32", "2026-02-30", "2026-13-01",
        "0000-W01", "0001-W01", "9999-W52", "9999-W53", "2026-W00", "2026-W53", "2026-W54", "10000-W01",
        "0000-12", "0001-01", "9999-12", "2026-00", "2026-13", "10000-01",
        "\u{0}", "a\u{1}b\u{7f}", "\t\r\n", "\u{202e}", "１２３", "🦜", "%", "%00", "../../etc/passwd", "/\t/evil.example/",
        "<script>alert(1)</script>", "' OR 1=1 --", "\"", "\\", "ti:", "au:\"", "(((", "AND OR ANDNOT", "-", "\"\"",
        "2605.00001v999999999999", "hep-th/", "pb-", "pb_", "cs.", String(repeating: "a", count: 10_240),
    ]

    /// The values tried in every query parameter of every GET route (the full list goes into path parameters
    /// and form fields): the numeric and calendar edges, empty, control characters and 10 KB.
    static let queryValues: [String] = [
        "", "0", "-1", "10000", "99999999999999999999", "-9223372036854775808", "NaN",
        "0000-01-01", "9999-12-31", "10000-01-01", "9999-W52", "9999-W53", "2026-W00", "2026-W54", "0000-12", "9999-12",
        "2026-13", "\u{0}", "a\u{1}b\u{7f}", "\t\r\n", "🦜", "<script>", "au:\"", "(((",
        String(repeating: "a", count: 10_240),
    ]

    /// Query parameters any handler reads.
    static let queryNames = [
        "q", "mode", "sort", "from", "to", "cat", "code", "date", "week", "month", "submitter", "p", "limit",
        "search_query", "id_list", "start", "max_results", "sortBy", "sortOrder", "next", "token", "email",
        "frequency", "page", "paper", "state",
    ]

    /// Form and JSON fields any handler reads.
    static let fieldNames = [
        "author", "body", "categories", "confirm", "current", "email", "frequency", "github", "name", "next",
        "on_behalf", "paper", "parent", "password", "present", "project", "public", "searches", "state", "token",
        "user", "username", "id", "arxivId", "title", "description", "q",
    ]

    /// A plausible value for each path parameter, so that the other parameters reach their handler.
    static func plausible(_ parameter: String) -> String {
        switch parameter {
        case "day": "2026-05-30"
        case "week": "2026-W22"
        case "month": "2026-05"
        case "id": "2605.00001"
        case "number": "9901001"
        case "name", "user", "username": "ada"
        case "collection", "comment": "1"
        default: "1"
        }
    }

    static func encoded(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
            ?? ""
    }

    /// Replaces each `{parameter}` of a route with a value (already percent-encoded).
    static func fill(_ route: String, _ values: [String: String]) -> String {
        var path = ""
        var rest = Substring(route)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            path += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            path += values[name] ?? encoded(plausible(name))
            rest = rest[rest.index(after: close)...]
        }
        return path + rest
    }

    static func parameters(of route: String) -> [String] {
        var names: [String] = []
        var rest = Substring(route)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    /// A small store: three papers, one on a daily feed, a member with a session and an access token, a comment
    /// and a collection, so that handlers get past "not found" to their parameter handling.
    static func makeStore() async throws -> (SQLitePaperStore, session: String, token: String) {
        let store = try SQLitePaperStore.inMemory()
        try await store.upsert([
            Paper(
                id: "2605.00001", version: 2, title: "A paper", abstract: "See https://github.com/o/r.",
                authors: ["Ada Lovelace"], categories: ["cs.CL"], publishedAt: Day("2026-05-28")!.startDate),
            Paper(id: "hep-th/9901001", title: "Old style", abstract: "Strings.", categories: ["hep-th"]),
            Paper(id: "2606.00001", title: "June paper", abstract: "Later."),
        ])
        _ = try await store.createUser(username: "ada", displayName: "Ada", role: .member, passwordHash: nil)
        _ = try await store.submit(
            paperID: "2605.00001", day: Day("2026-05-30")!, submitter: "ada", at: Date(), githubRepo: nil,
            projectPage: nil)
        _ = try await store.addComment(paperID: "2605.00001", author: "ada", parentID: nil, body: "Hello", at: Date())
        _ = try await store.createCollection(owner: "ada", name: "Reading", isPublic: true)
        let session = SessionMiddleware.randomToken()
        try await store.createSession(
            username: "ada", tokenHash: SessionMiddleware.hash(session), expiresAt: Date().addingTimeInterval(86_400))
        let token = AccessTokenSecret.generate()
        _ = try await store.createAccessToken(username: "ada", name: "walk", tokenHash: AccessTokenSecret.hash(token))
        return (store, session, token)
    }

    struct Failure: CustomStringConvertible {
        var request: String
        var status: HTTPResponse.Status
        var description: String { "\(status.code) \(request.prefix(300))" }
    }

    @Test func everyRouteAnswersHostileValuesWithAClientErrorAndStaysUp() async throws {
        let (store, session, token) = try await Self.makeStore()
        let engine = try PaperSearchEngine(store: store, directory: nil, embedder: nil)
        try await engine.catchUp()
        var configuration = WebConfiguration()
        configuration.apiLimits = APILimits(readsPerMinute: 10_000_000, writesPerMinute: 10_000_000)
        configuration.metricsText = { "# metrics\n" }
        let subscriptions = SubscriptionService(
            store: store, transport: RecordingMailTransport(), from: try MailAddress("paperboy@papers.example.org"),
            tokens: try await SubscriptionTokens.load(from: store))
        // On-demand imports on, answered by a replay that knows no paper (imports are 404s, then 429s).
        let fetcher = PaperFetcher(store: store, service: ReplayArxivService { _ in ReplayArxivService.emptyFeed })
        let router = try await buildRouter(
            store: store, search: engine, configuration: configuration, subscriptions: subscriptions, fetcher: fetcher)
        let routes = router.routes.map { (path: $0.path.description, method: $0.method) }
        #expect(routes.count > 40, "the walk should see every route; it saw \(routes.count)")
        let csrf = SessionMiddleware.sessionCSRF(session)
        let cookie = "pb_session=\(session); pb_csrf=\(csrf)"

        try await Application(router: router).test(.router) { client in
            var failures: [Failure] = []
            var requests = 0
            func check(
                _ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], body: String? = nil
            ) async throws {
                requests += 1
                try await client.execute(
                    uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
                ) { response in
                    let code = response.status.code
                    let hasBody = response.body.readableBytes > 0
                    // 204 and 304 have no body by definition, and a redirect says where in its Location; every
                    // other answer says something.
                    let redirect = (300..<400).contains(code) && response.headers[.location] != nil
                    if code >= 500 || code < 200 || (!hasBody && code != 204 && code != 304 && !redirect) {
                        failures.append(Failure(request: "\(method) \(uri) \(body ?? "")", status: response.status))
                    }
                }
            }
            let member: HTTPFields = [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"]
            let program: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]

            for route in routes {
                let isAPI = route.path.hasPrefix("/api/")
                // Path parameters, one at a time.
                for parameter in Self.parameters(of: route.path) {
                    for value in Self.hostileValues {
                        let uri = Self.fill(route.path, [parameter: Self.encoded(value)])
                        try await check(route.method, uri)
                        if route.method != .get {
                            try await check(route.method, uri, headers: isAPI ? program : member)
                        }
                    }
                }
                let plain = Self.fill(route.path, [:])
                if route.method == .get {
                    // Query parameters, one at a time, as a visitor and as a member.
                    for name in Self.queryNames {
                        for value in Self.queryValues {
                            try await check(.get, plain + "?\(name)=\(Self.encoded(value))")
                        }
                        try await check(.get, plain + "?\(name)=\(Self.encoded("2026-W53"))", headers: member)
                    }
                } else {
                    // Every form or JSON field set to each value, with valid credentials.
                    for value in Self.hostileValues {
                        if isAPI {
                            let fields = Self.fieldNames.map { "\(jsonString($0)):\(jsonString(value))" }.joined(
                                separator: ",")
                            try await check(route.method, plain, headers: program, body: "{\(fields)}")
                            try await check(route.method, plain, headers: program, body: value)
                        } else {
                            let fields = (Self.fieldNames.map { "\($0)=\(Self.encoded(value))" } + ["csrf=\(csrf)"])
                                .joined(separator: "&")
                            try await check(route.method, plain, headers: member, body: fields)
                        }
                    }
                }
            }
            // Still serving, and the member still exists.
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            #expect(requests > 10_000)
            #expect(failures.isEmpty, "\(failures.count) of \(requests) requests failed, e.g. \(failures.prefix(12))")
        }
    }

    /// The crashes reported against the date arithmetic, as a regression list of their own.
    @Test func reportedCrashingRequestsAnswerClientErrors() async throws {
        let (store, _, _) = try await Self.makeStore()
        try await withApp(store) { client in
            for uri in [
                "/papers/date/9999-12-31", "/papers/date/0001-01-01", "/papers/month/9999-12", "/papers/month/0001-01",
                "/papers/week/9999-W52", "/papers/week/0001-W01", "/api/daily_papers?month=9999-12",
                "/api/daily_papers?week=9999-W52", "/api/daily_papers?date=9999-12-31",
                "/api/daily_papers?week=0001-W01",
            ] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status.code < 500 && response.body.readableBytes > 0, "\(uri): \(response.status)")
                }
            }
            try await client.execute(uri: "/papers/week/9999-W52", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("href=\"/papers/week/9999-W51\""))
                #expect(!response.text.contains("10000-W"))
            }
        }
    }
}
