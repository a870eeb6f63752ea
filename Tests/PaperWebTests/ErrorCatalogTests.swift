import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Logging
import PaperModel
import PaperServices
import PaperStore
import Synchronization
import Testing

@testable import PaperWeb

/// Log lines, kept for assertions (the request id of a failure must be in its log line).
final class RecordedLog: Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    let lines = Mutex<[Line]>([])

    func logger() -> Logger {
        var logger = Logger(label: "test") { _ in Handler(log: self) }
        logger.logLevel = .debug
        return logger
    }

    struct Handler: LogHandler {
        let log: RecordedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var all = metadata
            if let extra = event.metadata { all.merge(extra) { $1 } }
            let line = Line(
                level: event.level, message: "\(event.message)",
                metadata: all.mapValues { "\($0)" })
            log.lines.withLock { $0.append(line) }
        }
    }
}

@Suite("Error catalog")
struct ErrorCatalogTests {
    /// A store on disk (so a second connection can break it) with two papers, one on a feed, a user and a token.
    static func fixture() async throws -> (SQLitePaperStore, URL, token: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "paperboy-errors-\(UUID().uuidString)")
        let store = try SQLitePaperStore.open(directory: directory)
        try await store.upsert([
            Paper(
                id: "2605.00001", title: "Graph networks", abstract: "Graphs.", authors: ["Ada Lovelace"],
                categories: ["cs.LG"],
                publishedAt: Day("2026-05-28")!.startDate),
            Paper(
                id: "2605.00002", title: "Speech", abstract: "Speech.", categories: ["cs.CL"],
                publishedAt: Day("2026-05-28")!.startDate),
        ])
        _ = try await store.createUser(username: "ada", displayName: "Ada", role: .member, passwordHash: nil)
        _ = try await store.submit(
            paperID: "2605.00001", day: Day("2026-05-29")!, submitter: "ada", at: Day("2026-05-29")!.startDate,
            githubRepo: nil,
            projectPage: nil)
        let token = AccessTokenSecret.generate()
        _ = try await store.createAccessToken(username: "ada", name: "script", tokenHash: AccessTokenSecret.hash(token))
        return (store, directory, token)
    }

    static func app(
        _ store: SQLitePaperStore, log: RecordedLog? = nil,
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let engine = try PaperSearchEngine(store: store, directory: nil, embedder: nil)
        _ = try await engine.catchUp()
        var configuration = WebConfiguration(publicURL: "https://papers.example.org")
        configuration.clock = { Date(timeIntervalSince1970: 1_800_000_000) }
        let router = try await buildRouter(store: store, search: engine, configuration: configuration)
        let app = Application(router: router, logger: log?.logger() ?? Logger(label: "test"))
        try await app.test(.router, body)
    }

    /// The catalog's JSON shape: `{"error": {"code", "type", "message", "link"}}` and nothing else.
    static func catalogError(_ response: TestResponse) -> [String: String]? {
        guard let json = response.json as? [String: Any], json.count == 1, let error = json["error"] as? [String: Any],
            Set(error.keys) == ["code", "type", "message", "link"]
        else { return nil }
        return error.compactMapValues { $0 as? String }
    }

    @Test func everyCodeIsDocumentedOnceWithAStatusThatFitsItsType() async throws {
        #expect(Set(ErrorCode.allCases.map(\.rawValue)).count == ErrorCode.allCases.count)
        for code in ErrorCode.allCases {
            let status = Int(code.status.code)
            switch code.type {
            case .invalidRequest: #expect((400..<500).contains(status) && status != 401 && status != 403, "\(code)")
            case .auth: #expect(status == 401 || status == 403, "\(code)")
            case .system: #expect(status == 503, "\(code)")
            case .internal: #expect(status == 500, "\(code)")
            }
            #expect(!code.entry.meaning.isEmpty && !code.entry.title.isEmpty)
            #expect(code.link(base: "https://x.org") == "https://x.org/errors#\(code.rawValue)")
        }
        let (store, _, _) = try await Self.fixture()
        try await Self.app(store) { client in
            try await client.execute(uri: "/errors", method: .get) { response in
                #expect(response.status == .ok)
                for code in ErrorCode.allCases { #expect(response.text.contains("id=\"\(code.rawValue)\""), "\(code)") }
            }
            // The OpenAPI document's error codes are the catalog's (taken from it when served).
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                let document = try #require(response.json as? [String: Any])
                let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any]
                let codes = (schemas?["ErrorCode"] as? [String: Any])?["enum"] as? [String]
                #expect(codes == ErrorCode.allCases.map(\.rawValue))
            }
        }
    }

    @Test func anUnknownAPIRouteAndEachAPIFamilysMalformedParameterAnswerInTheirShape() async throws {
        let (store, _, token) = try await Self.fixture()
        try await Self.app(store) { client in
            // Unknown routes under /api/ and /feeds/: the catalog's shape, a request id, the security headers.
            for uri in ["/api/nothing-here", "/api/papers/2605.00001/nothing/else", "/feeds/collections/x/y"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound, "\(uri)")
                    let error = try #require(Self.catalogError(response), "\(uri): \(response.text)")
                    #expect(error["code"] == "not_found" && error["type"] == "invalid_request")
                    #expect(error["link"] == "https://papers.example.org/errors#not_found")
                    #expect(response.headers[.init("X-Request-Id")!]?.isEmpty == false)
                    #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                    #expect(response.headers[.xContentTypeOptions] == "nosniff")
                    #expect(response.headers[.init("Referrer-Policy")!] == "strict-origin-when-cross-origin")
                }
            }
            // The Hugging Face API keeps the shape its clients print: {"error": message, "code": code}.
            try await client.execute(uri: "/api/daily_papers?date=2026-02-30", method: .get) { response in
                #expect(response.status == .badRequest)
                let json = try #require(response.json as? [String: Any])
                #expect(json["error"] is String && json["code"] as? String == "invalid_parameter")
            }
            // The arXiv API answers as arXiv does: an Atom feed with one entry titled Error, linking the code.
            for uri in ["/api/query?search_query=ti:(", "/api/query?max_results=-1", "/api/query?sortBy=hot"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .badRequest, "\(uri)")
                    #expect(response.headers[.contentType]?.hasPrefix("application/atom+xml") == true)
                    #expect(response.text.contains("<title>Error</title>"))
                    #expect(response.text.contains("https://papers.example.org/errors#"))
                }
            }
            try await client.execute(uri: "/api/query?search_query=ti:(", method: .get) { response in
                #expect(response.text.contains("/errors#invalid_arxiv_query"))
            }
            // Paperboy's write API and feeds: the catalog's shape with the specific code.
            let auth: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
            try await client.execute(uri: "/api/papers", method: .post, headers: auth, body: ByteBuffer(string: "[1]"))
            { response in
                #expect(response.status == .badRequest)
                #expect(Self.catalogError(response)?["code"] == "invalid_body")
            }
            try await client.execute(
                uri: "/api/papers", method: .post, headers: auth, body: ByteBuffer(string: #"{"id":"x"}"#)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(Self.catalogError(response)?["code"] == "invalid_parameter")
            }
            try await client.execute(
                uri: "/api/papers/2605.00001/upvote", method: .post,
                headers: [.authorization: "Bearer pb_" + String(repeating: "0", count: 40)]
            ) { response in
                #expect(response.status == .unauthorized)
                #expect(Self.catalogError(response)?["code"] == "invalid_token")
            }
            try await client.execute(uri: "/feeds/search.rss?q=graph&sort=hot", method: .get) { response in
                #expect(response.status == .badRequest)
                let error = try #require(Self.catalogError(response))
                #expect(error["code"] == "invalid_search_query" && error["message"]?.contains("sort") == true)
                #expect(response.headers[.accessControlAllowOrigin] == "*")
            }
            try await client.execute(uri: "/feeds/search.rss?q=graph&mode=semantic", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(Self.catalogError(response)?["code"] == "invalid_search_query")
            }
            // The site: an HTML page that names the code and the request id.
            try await client.execute(uri: "/papers?q=graph&sort=hot", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                let id = try #require(response.headers[.init("X-Request-Id")!])
                #expect(response.text.contains("invalid_search_query") && response.text.contains(id))
            }
            try await client.execute(uri: "/no/such/page", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(response.text.contains("/errors#not_found"))
            }
        }
    }

    @Test func aFailingStoreIsAnsweredInEachShapeAndLoggedWithTheRequestID() async throws {
        let (store, directory, _) = try await Self.fixture()
        // A real failure below the store: another connection takes the feed's table away.
        let queue = try DatabaseQueue(path: directory.appendingPathComponent("paperboy.sqlite").path)
        try await queue.write { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "ALTER TABLE daily_submission RENAME TO daily_submission_gone")
        }
        try await queue.close()
        let log = RecordedLog()
        try await Self.app(store, log: log) { client in
            var ids: [String] = []
            try await client.execute(uri: "/api/daily_papers", method: .get) { response in
                #expect(response.status == .internalServerError)
                let json = try #require(response.json as? [String: Any])
                #expect(json["code"] as? String == "internal")
                let id = try #require(response.headers[.init("X-Request-Id")!])
                #expect((json["error"] as? String)?.contains(id) == true)
                #expect(!response.text.contains("daily_submission"), "database details stay in the log")
                ids.append(id)
            }
            try await client.execute(uri: "/feeds/daily.json", method: .get) { response in
                #expect(response.status == .internalServerError)
                let error = try #require(Self.catalogError(response))
                #expect(error["code"] == "internal" && error["type"] == "internal")
                ids.append(try #require(response.headers[.init("X-Request-Id")!]))
            }
            try await client.execute(uri: "/papers/date/2026-05-29", method: .get) { response in
                #expect(response.status == .internalServerError)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                let id = try #require(response.headers[.init("X-Request-Id")!])
                #expect(response.text.contains(id) && !response.text.contains("daily_submission"))
                ids.append(id)
            }
            let lines = log.lines.withLock { $0 }
            for id in ids {
                let failure = lines.first { $0.message == "request failed" && $0.metadata["hb.request.id"] == id }
                #expect(failure?.level == .error, "the failure of \(id) is logged with its id")
                #expect(failure?.metadata["error"]?.contains("daily_submission") == true, "with the real error")
            }
        }
    }

    @Test func anUnknownPageIsA404PageThatShowsWhoIsSignedIn() async throws {
        let (store, _, _) = try await Self.fixture()
        let token = String(repeating: "ab", count: 32)
        try await store.createSession(
            username: "ada", tokenHash: SessionMiddleware.hash(token),
            expiresAt: Date(timeIntervalSince1970: 1_900_000_000))
        try await Self.app(store) { client in
            try await client.execute(uri: "/no/such/page", method: .get, headers: [.cookie: "pb_session=\(token)"]) {
                response in
                #expect(response.status == .notFound)
                #expect(response.text.contains("href=\"/users/ada\""), "the header shows the signed-in reader")
                #expect(response.text.contains("/errors#not_found"))
            }
            // Other prefixes keep their own answers.
            try await client.execute(uri: "/api/no/such/thing", method: .get) { response in
                #expect(response.status == .notFound && Self.catalogError(response)?["code"] == "not_found")
            }
            try await client.execute(uri: "/feeds/nothing/here/at/all", method: .get) { response in
                #expect(response.status == .notFound && Self.catalogError(response)?["code"] == "not_found")
            }
            try await client.execute(uri: "/no/such/page", method: .post) { response in
                #expect(response.status == .notFound || response.status == .methodNotAllowed)
            }
        }
    }

    @Test func aProxysRequestIDIsKeptAndAnImplausibleOneReplaced() async throws {
        let (store, _, _) = try await Self.fixture()
        try await Self.app(store) { client in
            try await client.execute(
                uri: "/api/nothing", method: .get, headers: [.init("X-Request-Id")!: "edge-42.abc"]
            ) { response in
                #expect(response.headers[.init("X-Request-Id")!] == "edge-42.abc")
            }
            try await client.execute(uri: "/api/nothing", method: .get, headers: [.init("X-Request-Id")!: "bad id\"x"])
            { response in
                let id = try #require(response.headers[.init("X-Request-Id")!])
                #expect(id != "bad id\"x" && RequestLogMiddleware.isPlausibleID(id))
            }
        }
    }
}
