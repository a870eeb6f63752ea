// Golden-file ("snapshot") tests of every page and every JSON (and feed) body, on a fixed store and a fixed clock.
//
// Each response is written as `<status> <content-type>`, a blank line and the body (JSON pretty-printed with
// sorted keys, so that a change reads as a diff of lines) and compared with its file in `__Snapshots__/`.
// A mismatch fails with the first lines of a unified diff. When a change is intended, re-record and review the
// golden files' diff like any other change:
//
//     swift build --build-tests
//     PAPERBOY_RECORD_SNAPSHOTS=1 swift test --skip-build --filter SnapshotTests
//     git diff Tests/PaperWebTests/__Snapshots__
//
// What is still not deterministic is normalized by `Snapshot.scrub` (see there): the signing key of digest
// links is random per store, request ids are drawn per request, and a few rows the store stamps with the real clock. (Upvotes and collection items
// are stamped with the real clock too, and listed newest first: the fixture spaces them out to fix their order.)
import ArxivClient
import DemoCorpus
import Digests
import Foundation
import Hummingbird
import HummingbirdTesting
import Ingest
import Intake
import Mail
import PaperModel
import PaperServices
import PaperStore
import PaperTestSupport
import Testing

@testable import PaperWeb

/// Golden files: compare, or write them when `PAPERBOY_RECORD_SNAPSHOTS=1`.
enum Snapshot {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "__Snapshots__")
    static var recording: Bool { ProcessInfo.processInfo.environment["PAPERBOY_RECORD_SNAPSHOTS"] == "1" }

    /// Compares `text` with the golden file `name` (or records it); a mismatch is a test failure with a diff.
    static func check(_ text: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let url = directory.appendingPathComponent(name)
        if recording {
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            do { try text.write(to: url, atomically: true, encoding: .utf8) } catch {
                Issue.record("could not write \(url.path): \(error)", sourceLocation: sourceLocation)
            }
            return
        }
        guard let golden = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record(
                "no golden file \(name); record it with PAPERBOY_RECORD_SNAPSHOTS=1 swift test --skip-build --filter SnapshotTests",
                sourceLocation: sourceLocation)
            return
        }
        guard golden != text else { return }
        let diff = unifiedDiff(golden, text, from: "__Snapshots__/\(name)", to: "response").prefix(40).joined(
            separator: "\n")
        Issue.record(
            "\(name) differs from its golden file (re-record with PAPERBOY_RECORD_SNAPSHOTS=1 if intended):\n\(diff)",
            sourceLocation: sourceLocation)
    }

    // MARK: Scrubbers

    /// Normalizes what the fixture cannot fix:
    /// - `token=…` in links: digest links are signed with a key each store draws at random (`SubscriptionTokens`);
    /// - timestamps of the real day (today or yesterday, by the machine's clock): rows the store stamps itself
    ///   with `Date()` (a token's or a collection's creation time, ...) rather than with the injected clock.
    /// - request ids (error pages show theirs): each request draws a new one.
    /// Everything PaperWeb decides is on the fixed clock (`SnapshotWorld.now`), so its dates stay as they are.
    static func scrub(_ text: String) -> String {
        var out = text.replacing(/token=[A-Za-z0-9._~%-]+/, with: "token=<token>")
        out = out.replacing(/request <code>[0-9a-zA-Z-]+<\/code>/, with: "request <code><request-id></code>")
        out = out.replacing(/"request_?[iI]d" : "[^"]*"/, with: "\"requestId\" : \"<request-id>\"")
        let real = Date()
        for day in [Day(real), Day(real).adding(days: -1)] {
            let d = day.description
            out = out.replacing(try! Regex("\(d)[T ][0-9:.]+(Z|[+-][0-9:]+)?"), with: "<real-clock-time>")
            out = out.replacing(try! Regex("\\b\(d)\\b"), with: "<real-clock-day>")
        }
        return out
    }

    /// The text of a response: status and content type, then the body (JSON pretty-printed with sorted keys).
    static func text(_ response: TestResponse) -> String {
        let type = response.headers[.contentType] ?? "-"
        var body = String(buffer: response.body)
        if type.hasPrefix("application/json") || type.hasPrefix("application/feed+json"),
            let object = try? JSONSerialization.jsonObject(
                with: Data(buffer: response.body), options: [.fragmentsAllowed]),
            let pretty = try? JSONSerialization.data(
                withJSONObject: object,
                options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        {
            body = String(decoding: pretty, as: UTF8.self)
        }
        if !body.hasSuffix("\n") { body += "\n" }
        return scrub("\(response.status.code) \(type)\n\n\(body)")
    }

    // MARK: Diff

    /// A unified diff of two texts, by lines (3 lines of context).
    static func unifiedDiff(_ a: String, _ b: String, from: String, to: String) -> [String] {
        let x = a.components(separatedBy: "\n"), y = b.components(separatedBy: "\n")
        // Common prefix and suffix first: the table below is then only as large as the changed middle.
        var prefix = 0
        while prefix < x.count, prefix < y.count, x[prefix] == y[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < x.count - prefix, suffix < y.count - prefix, x[x.count - 1 - suffix] == y[y.count - 1 - suffix] {
            suffix += 1
        }
        let xs = Array(x[prefix..<(x.count - suffix)]), ys = Array(y[prefix..<(y.count - suffix)])
        // Longest common subsequence of the middle, then the edit script.
        var table = Array(repeating: Array(repeating: 0, count: ys.count + 1), count: xs.count + 1)
        for i in stride(from: xs.count - 1, through: 0, by: -1) {
            for j in stride(from: ys.count - 1, through: 0, by: -1) {
                table[i][j] = xs[i] == ys[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        enum Op {
            case same(String)
            case removed(String)
            case added(String)
        }
        var ops: [Op] = x[..<prefix].map { .same($0) }
        var i = 0, j = 0
        while i < xs.count || j < ys.count {
            if i < xs.count, j < ys.count, xs[i] == ys[j] {
                ops.append(.same(xs[i])); i += 1; j += 1
            } else if j < ys.count, i == xs.count || table[i][j + 1] > table[i + 1][j] {
                ops.append(.added(ys[j])); j += 1
            } else {
                ops.append(.removed(xs[i])); i += 1
            }
        }
        ops += x[(x.count - suffix)...].map { .same($0) }
        // Hunks: changed lines with 3 lines of context, joined when their contexts touch.
        let changed = ops.indices.filter { if case .same = ops[$0] { false } else { true } }
        var lines = ["--- \(from)", "+++ \(to)"]
        var k = 0
        while k < changed.count {
            var end = k
            while end + 1 < changed.count, changed[end + 1] - changed[end] <= 7 { end += 1 }
            let lo = max(0, changed[k] - 3), hi = min(ops.count - 1, changed[end] + 3)
            var oldLine = 1, newLine = 1
            for op in ops[..<lo] {
                switch op {
                case .same: oldLine += 1; newLine += 1
                case .removed: oldLine += 1
                case .added: newLine += 1
                }
            }
            var body: [String] = [], oldCount = 0, newCount = 0
            for op in ops[lo...hi] {
                switch op {
                case .same(let s): body.append(" " + s); oldCount += 1; newCount += 1
                case .removed(let s): body.append("-" + s); oldCount += 1
                case .added(let s): body.append("+" + s); newCount += 1
                }
            }
            lines.append("@@ -\(oldLine),\(oldCount) +\(newLine),\(newCount) @@")
            lines += body
            k = end + 1
        }
        return lines
    }
}

/// The fixed world of the snapshots: the demo listing (May 30, 2026) plus a few papers, two members, comments,
/// upvotes, collections, a claim, an access token and a digest subscriber, all stamped on a fixed clock.
struct SnapshotWorld {
    /// "Now" for every snapshot: the morning after the June 2 feed.
    static let now = Date(timeIntervalSince1970: 1_780_477_200)  // 2026-06-03T09:00:00Z
    /// Fixed credentials, so that forms and cookies are the same in every run.
    static let adaSession = String(repeating: "a", count: 64)
    static let coraSession = String(repeating: "c", count: 64)
    static let visitorCSRF = String(repeating: "b", count: 64)
    static let adaToken = AccessTokenSecret.prefix + String(repeating: "0", count: 40)

    let store: SQLitePaperStore
    let directory: URL
    let router: Router<PaperboyRequestContext>
    let preferencesToken: String
    let unsubscribeToken: String

    static func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    static func make() async throws -> SnapshotWorld {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "paperboy-snapshots-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLitePaperStore.open(directory: directory)
        var options = ImportOptions()
        options.listingDay = DemoCorpus.listingDay
        options.now = now
        _ = try await Importer(store: store, options: options)
            .importFile(DemoCorpus.dataDirectory.appendingPathComponent("hf-papers-listing.txt").path)
        try await store.upsert([
            Paper(
                id: "2605.00001", version: 2, title: "An <i>escaped</i> paper", abstract: "See https://github.com/o/r.",
                authors: ["Ada Lovelace", "Charles Babbage"], categories: ["cs.CL", "cs.LG"],
                publishedAt: at("2026-05-28T00:00:00Z"), updatedAt: at("2026-05-29T00:00:00Z"),
                comments: "12 pages, code at https://github.com/o/r",
                links: [
                    PaperLink(kind: .github, url: "https://github.com/o/r"),
                    PaperLink(kind: .projectPage, url: "https://o.example.org"),
                ]),
            Paper(id: "hep-th/9901001", title: "Old style", abstract: "Strings.", categories: ["hep-th"]),
            Paper(
                id: "2606.00001", title: "June paper", abstract: "Later language models.", authors: ["Grace Hopper"],
                categories: ["cs.CL"], publishedAt: at("2026-06-01T00:00:00Z")),
        ])
        _ = try await store.createUser(username: "ada", displayName: "Ada", role: .member, passwordHash: nil)
        _ = try await store.createUser(username: "cora", displayName: "Cora", role: .curator, passwordHash: nil)
        _ = try await store.submit(
            paperID: "2605.00001", day: Day("2026-05-29")!, submitter: "ada", at: at("2026-05-29T10:00:00Z"),
            githubRepo: "https://github.com/o/r", projectPage: nil)
        _ = try await store.submit(
            paperID: "2606.00001", day: Day("2026-06-02")!, submitter: "ada", at: at("2026-06-02T10:00:00Z"),
            githubRepo: nil, projectPage: nil)
        // The store stamps upvotes and collection items with the real clock and lists them newest first: a pause
        // between them keeps their order the same in every run.
        let apart = { try await Task.sleep(for: .milliseconds(20)) }
        try await store.setUpvote(paperID: "2605.00001", username: "ada", upvoted: true)
        try await store.setUpvote(paperID: "2605.00001", username: "cora", upvoted: true)
        try await apart()
        try await store.setUpvote(paperID: "2606.00001", username: "cora", upvoted: true)
        let first = try await store.addComment(
            paperID: "2605.00001", author: "ada", parentID: nil,
            body: "Code is **out**: see [the repo](https://github.com/o/r).",
            at: at("2026-05-29T11:00:00Z"))
        _ = try await store.addComment(
            paperID: "2605.00001", author: "cora", parentID: first.id, body: "Thanks! <script>alert(1)</script>",
            at: at("2026-05-29T12:00:00Z"))
        try await store.claimAuthorship(paperID: "2605.00001", username: "ada", authorName: "Ada Lovelace")
        let reading = try await store.createCollection(owner: "ada", name: "Reading list", isPublic: true)
        try await store.setCollectionItem(collectionID: reading.id, paperID: "2605.00001", present: true)
        try await apart()
        try await store.setCollectionItem(collectionID: reading.id, paperID: "2606.00001", present: true)
        _ = try await store.createCollection(owner: "ada", name: "Private notes", isPublic: false)
        for (user, session) in [("ada", adaSession), ("cora", coraSession)] {
            try await store.createSession(
                username: user, tokenHash: SessionMiddleware.hash(session), expiresAt: now.addingTimeInterval(86_400))
        }
        _ = try await store.createAccessToken(
            username: "ada", name: "laptop", tokenHash: AccessTokenSecret.hash(adaToken))
        let pending = try await store.subscribe(email: "ada@example.org", username: "ada", frequency: .daily, at: now)
        let subscriber = try await store.confirmSubscriber(id: pending.id, at: now)

        let engine = try PaperSearchEngine(store: store, directory: nil, embedder: nil)
        try await engine.catchUp()
        var configuration = WebConfiguration(publicURL: "https://papers.example.org")
        configuration.clock = { now }
        configuration.recommendationWait = nil
        configuration.apiLimits = APILimits(readsPerMinute: 1_000_000, writesPerMinute: 1_000_000)
        let service = SubscriptionService(
            store: store, transport: RecordingMailTransport(), from: try MailAddress("paperboy@papers.example.org"),
            tokens: try await SubscriptionTokens.load(from: store), clock: { now })
        // Imports on (paper-missing pages offer them), answered by a replay that knows no paper.
        let fetcher = PaperFetcher(store: store, service: ReplayArxivService { _ in ReplayArxivService.emptyFeed })
        let router = try await buildRouter(
            store: store, search: engine, configuration: configuration, subscriptions: service, fetcher: fetcher)
        return SnapshotWorld(
            store: store, directory: directory, router: router,
            preferencesToken: service.preferencesToken(for: subscriber),
            unsubscribeToken: service.unsubscribeToken(for: subscriber))
    }

    enum Viewer { case visitor, ada, cora }

    static func cookie(_ viewer: Viewer) -> String {
        switch viewer {
        case .visitor: "pb_csrf=\(visitorCSRF)"
        case .ada: "pb_session=\(adaSession); pb_csrf=\(SessionMiddleware.sessionCSRF(adaSession))"
        case .cora: "pb_session=\(coraSession); pb_csrf=\(SessionMiddleware.sessionCSRF(coraSession))"
        }
    }

    static func csrf(_ viewer: Viewer) -> String {
        switch viewer {
        case .visitor: visitorCSRF
        case .ada: SessionMiddleware.sessionCSRF(adaSession)
        case .cora: SessionMiddleware.sessionCSRF(coraSession)
        }
    }

    /// Runs `body` against this world's app; removes the store's folder afterwards.
    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try await Application(router: router).test(.router, body)
    }
}

/// One request and the golden file its answer is compared with.
struct SnapshotCase: Sendable {
    var name: String
    var uri: String
    var method: HTTPRequest.Method = .get
    var viewer: SnapshotWorld.Viewer = .visitor
    var headers: HTTPFields = [:]
    var body: String?

    func run(_ client: any TestClientProtocol, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        var headers = self.headers
        headers[.cookie] = SnapshotWorld.cookie(viewer)
        let buffer = body.map { ByteBuffer(string: $0) }
        try await client.execute(uri: uri, method: method, headers: headers, body: buffer) { response in
            Snapshot.check(Snapshot.text(response), named: name, sourceLocation: sourceLocation)
        }
    }

    static func page(_ name: String, _ uri: String, as viewer: SnapshotWorld.Viewer = .visitor) -> SnapshotCase {
        SnapshotCase(name: "page-\(name).html", uri: uri, viewer: viewer)
    }

    static func json(_ name: String, _ uri: String, as viewer: SnapshotWorld.Viewer = .visitor) -> SnapshotCase {
        SnapshotCase(name: "json-\(name).json", uri: uri, viewer: viewer)
    }

    /// A form post of the site, with the viewer's CSRF token.
    static func form(
        _ name: String, _ uri: String, as viewer: SnapshotWorld.Viewer, _ fields: [String: String]
    ) -> SnapshotCase {
        let encoded = (fields.merging(["csrf": SnapshotWorld.csrf(viewer)]) { a, _ in a }).sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
            .joined(separator: "&")
        return SnapshotCase(
            name: "page-\(name).html", uri: uri, method: .post, viewer: viewer,
            headers: [.contentType: "application/x-www-form-urlencoded"], body: encoded)
    }

    /// A write-API call with ada's access token.
    static func write(
        _ name: String, _ method: HTTPRequest.Method, _ uri: String, _ json: String? = nil
    ) -> SnapshotCase {
        var headers: HTTPFields = [.authorization: "Bearer \(SnapshotWorld.adaToken)"]
        if json != nil { headers[.contentType] = "application/json" }
        return SnapshotCase(name: "write-\(name).json", uri: uri, method: method, headers: headers, body: json)
    }
}

@Suite("Snapshots: every page and JSON body against golden files")
struct SnapshotTests {
    @Test func sitePages() async throws {
        let world = try await SnapshotWorld.make()
        let pages: [SnapshotCase] = [
            .page("home", "/"),
            .page("daily", "/papers/date/2026-05-29"),
            .page("daily-listing", "/papers/date/2026-05-30"),
            .page("daily-empty", "/papers/date/2026-05-31"),
            .page("weekly", "/papers/week/2026-W23"),
            .page("monthly", "/papers/month/2026-06"),
            .page("trending", "/papers/trending"),
            .page("paper", "/papers/2605.00001"),
            .page("paper-old-style", "/papers/hep-th/9901001"),
            .page("paper-missing", "/papers/2605.99999"),
            .page("search-start", "/papers"),
            .page("search-results", "/papers?q=language"),
            .page("search-filtered", "/papers?q=language&sort=newest&cat=cs.CL&from=2026-05-01&to=2026-06-30&code=1"),
            .page("search-empty", "/papers?q=zyxwvutsrq"),
            .page("new", "/papers/new?date=2026-06-01"),
            .page("new-empty", "/papers/new?date=2026-06-02"),
            .page("about", "/about"),
            .page("errors", "/errors"),
            .page("signup", "/signup"),
            .page("login", "/login?next=/submit"),
            .page("profile", "/users/ada"),
            .page("profile-curator", "/users/cora"),
            .page("collection", "/collections/1"),
            .page("for-you", "/papers/for-you"),
            .page("subscription", "/subscription?token=\(world.preferencesToken)"),
            .page("unsubscribe", "/unsubscribe?token=\(world.unsubscribeToken)"),
            // Error pages
            .page("error-404", "/no/such/page"),
            .page("error-paper-404", "/papers/not-a-paper-id"),
            .page("error-400", "/papers/date/2026-13-01"),
            .page("error-403-curate", "/curate"),
            .page("error-404-private-collection", "/collections/2"),
            .page("error-404-subscription-link", "/subscribe/confirm?token=nonsense"),
        ]
        try await world.test { client in
            for page in pages { try await page.run(client) }
        }
    }

    @Test func signedInPages() async throws {
        let world = try await SnapshotWorld.make()
        let pages: [SnapshotCase] = [
            .page("home-signed-in", "/", as: .ada),
            .page("paper-signed-in", "/papers/2605.00001", as: .ada),
            .page("paper-curator", "/papers/2605.00001", as: .cora),
            .page("paper-missing-signed-in", "/papers/2605.99999", as: .ada),
            .page("search-signed-in", "/papers?q=language", as: .ada),
            .page("new-signed-in", "/papers/new?date=2026-06-01", as: .ada),
            .page("submit", "/submit", as: .ada),
            .page("submit-curator", "/submit", as: .cora),
            .page("profile-self", "/users/ada", as: .ada),
            .page("for-you-signed-in", "/papers/for-you", as: .ada),
            .page("trending-signed-in", "/papers/trending", as: .ada),
            .page("collection-owner", "/collections/1", as: .ada),
            .page("collection-private-owner", "/collections/2", as: .ada),
            .page("password", "/settings/password", as: .ada),
            .page("curate", "/curate", as: .cora),
            .page("error-403-curate-member", "/curate", as: .ada),
            // Pages that answer a form
            .form("submit-error", "/submit", as: .ada, ["paper": "not an id"]),
            .form("login-error", "/login", as: .visitor, ["username": "ada", "password": "wrong-password"]),
            .form("signup-error", "/signup", as: .visitor, ["username": "x", "password": "short", "confirm": "other"]),
            .form("subscribe-confirmed", "/subscribe", as: .ada, [:]),
            .form("subscribe-sent", "/subscribe", as: .visitor, ["email": "reader@example.org"]),
        ]
        try await world.test { client in
            for page in pages { try await page.run(client) }
        }
    }

    @Test func jsonBodies() async throws {
        let world = try await SnapshotWorld.make()
        let bodies: [SnapshotCase] = [
            // Hugging Face API
            .json("hf-daily-papers", "/api/daily_papers"),
            .json("hf-daily-papers-date", "/api/daily_papers?date=2026-05-29"),
            .json("hf-daily-papers-week", "/api/daily_papers?week=2026-W22&limit=3"),
            .json("hf-paper", "/api/papers/2605.00001"),
            .json("hf-paper-old-style", "/api/papers/hep-th/9901001"),
            .json("hf-paper-404", "/api/papers/2605.99999"),
            .json("hf-search", "/api/papers/search?q=language"),
            .json("hf-daily-papers-400", "/api/daily_papers?date=nope"),
            // Accounts and collections
            .json("whoami-visitor", "/api/whoami"),
            SnapshotCase(
                name: "json-whoami.json", uri: "/api/whoami",
                headers: [.authorization: "Bearer \(SnapshotWorld.adaToken)"]),
            SnapshotCase(
                name: "json-collections.json", uri: "/api/collections",
                headers: [.authorization: "Bearer \(SnapshotWorld.adaToken)"]),
            .json("api-404", "/api/no/such/endpoint"),
            // Operations
            .json("healthz", "/healthz"),
            // Feeds
            SnapshotCase(name: "feed-daily.rss", uri: "/feeds/daily.rss"),
            SnapshotCase(name: "feed-daily.atom", uri: "/feeds/daily.atom"),
            SnapshotCase(name: "feed-daily.json", uri: "/feeds/daily.json"),
            SnapshotCase(name: "feed-trending.rss", uri: "/feeds/trending.rss"),
            SnapshotCase(name: "feed-new.atom", uri: "/feeds/new.atom?date=2026-06-01"),
            SnapshotCase(name: "feed-search.json", uri: "/feeds/search.json?q=language"),
            SnapshotCase(name: "feed-collection.atom", uri: "/feeds/collections/1.atom"),
            SnapshotCase(name: "feed-404.json", uri: "/feeds/nothing.rss"),
            // arXiv API
            SnapshotCase(name: "arxiv-query.atom", uri: "/api/query?search_query=all:language&max_results=3"),
            SnapshotCase(name: "arxiv-id-list.atom", uri: "/api/query?id_list=2605.00001,hep-th/9901001"),
            SnapshotCase(name: "arxiv-error.atom", uri: "/api/query?start=-1"),
            // Markdown
            SnapshotCase(name: "paper.md", uri: "/papers/2605.00001.md"),
        ]
        try await world.test { client in
            for body in bodies { try await body.run(client) }
            // openapi.json is large (and validated by the OpenAPI and schemathesis tests): its golden file holds
            // a 64-bit FNV-1a hash of the body, so any change to the served document still needs a re-record.
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                let hash = Data(buffer: response.body).reduce(UInt64(0xcbf2_9ce4_8422_2325)) {
                    ($0 ^ UInt64($1)) &* 0x100_0000_01b3
                }
                Snapshot.check(
                    "\(response.status.code) \(response.headers[.contentType] ?? "-")\n\nfnv1a-64 \(String(hash, radix: 16)), \(response.body.readableBytes) bytes\n",
                    named: "openapi.json.hash")
            }
        }
    }

    /// Each write-API endpoint in turn (later answers see the earlier writes), then the pages they changed.
    @Test func writeAPIAnswers() async throws {
        let world = try await SnapshotWorld.make()
        let calls: [SnapshotCase] = [
            .write(
                "submit", .post, "/api/papers", #"{"id": "hep-th/9901001", "githubRepo": "https://github.com/s/t"}"#),
            .write("submit-again", .post, "/api/papers", #"{"id": "hep-th/9901001"}"#),
            .write("submit-400", .post, "/api/papers", #"{"id": "not an id"}"#),
            .write("index-404", .post, "/api/papers/index", #"{"arxivId": "2605.99999"}"#),
            .write("upvote", .post, "/api/papers/2606.00001/upvote"),
            .write("remove-upvote", .delete, "/api/papers/2606.00001/upvote"),
            .write("comment", .post, "/api/papers/2606.00001/comments", #"{"body": "Nice *paper*."}"#),
            .write("reply", .post, "/api/papers/2606.00001/comments", #"{"body": "Agreed.", "parentId": 3}"#),
            .write("create-collection", .post, "/api/collections", #"{"name": "From the API", "public": true}"#),
            .write("add-to-collection", .put, "/api/collections/3/papers/2606.00001"),
            .write("remove-from-collection", .delete, "/api/collections/3/papers/2606.00001"),
            .write("collections", .get, "/api/collections"),
            .write("not-interested", .post, "/api/papers/2605.00001/not-interested"),
            .write("not-interested-undo", .delete, "/api/papers/2605.00001/not-interested"),
            .write("follow-author", .put, "/api/follows/authors/Grace%20Hopper"),
            .write("follow-category", .put, "/api/follows/categories/cs.CL"),
            .write("follows", .get, "/api/follows"),
            .write("recommendations", .get, "/api/recommendations?limit=5"),
            .write("unfollow-author", .delete, "/api/follows/authors/Grace%20Hopper"),
            .write("unfollow-category", .delete, "/api/follows/categories/cs.CL"),
            SnapshotCase(name: "write-401.json", uri: "/api/papers", method: .post, body: #"{"id": "2606.00001"}"#),
            .page("daily-after-writes", "/papers/date/2026-06-03"),
            .page("paper-after-writes", "/papers/2606.00001"),
        ]
        try await world.test { client in
            for call in calls { try await call.run(client) }
        }
    }

    @Test func diffShowsTheChangedLines() {
        let diff = Snapshot.unifiedDiff(
            "a\nb\nc\nd\ne\nf\ng\nh\ni", "a\nb\nc\nd\nE\nf\ng\nh\ni", from: "golden", to: "new")
        #expect(diff == ["--- golden", "+++ new", "@@ -2,7 +2,7 @@", " b", " c", " d", "-e", "+E", " f", " g", " h"])
    }

    @Test func scrubbersLeaveTheFixedClockAlone() {
        let today = Day(Date()).description
        #expect(
            Snapshot.scrub("2026-06-03T09:00:00Z and \(today)T10:11:12.5Z and \(today)")
                == "2026-06-03T09:00:00Z and <real-clock-time> and <real-clock-day>")
        #expect(Snapshot.scrub("/subscription?token=12.abc-_x\"") == "/subscription?token=<token>\"")
        #expect(
            Snapshot.scrub("· request <code>55e2c9054ca18ff0d96da90fe75b8a90</code>")
                == "· request <code><request-id></code>")
    }
}
