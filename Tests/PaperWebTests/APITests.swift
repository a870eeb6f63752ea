import Foundation
import Hummingbird
import HummingbirdTesting
import PaperModel
import PaperServices
import PaperStore
import PaperSupport
import Testing

@testable import PaperWeb

#if canImport(FoundationXML)
import FoundationXML
#endif

/// A store with a few papers whose words make boolean arXiv queries easy to check by hand.
func makeAPIStore() async throws -> SQLitePaperStore {
    let store = try SQLitePaperStore.inMemory()
    let day = Day("2026-05-20")!.startDate
    try await store.upsert([
        Paper(
            id: "2605.10001", version: 2, title: "Quantum criticality in checkerboard lattices",
            abstract: "We study quantum phases.",
            authors: ["Adrian Del Maestro", "Bo Li"], categories: ["cond-mat.str-el", "quant-ph"], publishedAt: day,
            updatedAt: day.addingTimeInterval(86_400), comments: "12 pages"),
        Paper(
            id: "2605.10002", title: "Quantum criticality of pyrochlore magnets", abstract: "Frustrated magnets.",
            authors: ["Adrian Del Maestro"], categories: ["cond-mat.str-el"], publishedAt: day.addingTimeInterval(3600)),
        Paper(
            id: "2605.10003", title: "Superfluid helium films", abstract: "Quantum fluids in confinement.",
            authors: ["Adrian Del Maestro", "Cy Chen"], categories: ["cond-mat.other"],
            publishedAt: day.addingTimeInterval(7200)),
        Paper(
            id: "2605.10004", title: "Large language models for code",
            abstract: "See https://github.com/o/llm-code for code.",
            authors: ["Dana Doe"], categories: ["cs.CL", "cs.SE"], publishedAt: day.addingTimeInterval(10_800)),
    ])
    for name in ["ada", "bob"] {
        _ = try await store.createUser(username: name, displayName: name.capitalized, role: .member, passwordHash: nil)
    }
    _ = try await store.submit(
        paperID: "2605.10004", day: Day("2026-05-21")!, submitter: "ada", at: day.addingTimeInterval(86_400),
        githubRepo: nil, projectPage: "https://llm-code.example.org")
    _ = try await store.submit(
        paperID: "2605.10001", day: Day("2026-05-21")!, submitter: "bob", at: day.addingTimeInterval(90_000),
        githubRepo: nil, projectPage: nil)
    try await store.setUpvote(paperID: "2605.10001", username: "ada", upvoted: true)
    return store
}

func withAPIApp(
    limits: APILimits = APILimits(),
    _ body: @escaping @Sendable (any TestClientProtocol, SQLitePaperStore) async throws -> Void
) async throws {
    let store = try await makeAPIStore()
    let engine = try PaperSearchEngine(store: store, directory: nil, embedder: nil)
    try await engine.catchUp()
    var configuration = WebConfiguration(publicURL: "https://papers.example.org/")
    configuration.apiLimits = limits
    // Frozen time: rate-limit buckets never refill during a test, however slowly it runs.
    let frozen = Date(timeIntervalSince1970: 1_800_000_000)
    configuration.clock = { frozen }
    let router = try await buildRouter(store: store, search: engine, configuration: configuration)
    try await Application(router: router).test(.router) { client in try await body(client, store) }
}

extension TestResponse {
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(buffer: body)) }
}

@Suite("Open APIs")
struct APITests {
    static var hubTimestamp: Regex<Substring> { /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/ }

    @Test func timestampsAreTheHubsExactShape() {
        let date = Date(timeIntervalSince1970: 1_780_000_000.1234)
        #expect(Timestamp.hub(date) == "2026-05-28T20:26:40.123Z")
        #expect(Timestamp.hub(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.atom(date) == "2026-05-28T20:26:40Z")
        #expect(Timestamp.rss(date) == "Thu, 28 May 2026 20:26:40 +0000")
    }

    @Test func dailyPapersHaveTheShapeHuggingFaceClientsParse() async throws {
        try await withAPIApp { client, _ in
            try await client.execute(uri: "/api/daily_papers?date=2026-05-21", method: .get) { response in
                #expect(response.status == .ok)
                let items = try #require(response.json as? [[String: Any]])
                #expect(items.count == 2)
                // Most upvoted first.
                let first = items[0]
                let paper = try #require(first["paper"] as? [String: Any])
                #expect(paper["id"] as? String == "2605.10001")
                #expect(first["title"] as? String == "Quantum criticality in checkerboard lattices")
                #expect(first["upvotes"] as? Int == 1 && paper["upvotes"] as? Int == 1)
                // Authors inside `paper` only; a top-level copy would overwrite the parsed ones.
                #expect(first["authors"] == nil)
                #expect(
                    (paper["authors"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == [
                        "Adrian Del Maestro", "Bo Li",
                    ])
                for key in ["publishedAt"] {
                    let text = try #require(first[key] as? String)
                    #expect(text.wholeMatch(of: Self.hubTimestamp) != nil, "\(text)")
                    #expect((paper[key] as? String)?.wholeMatch(of: Self.hubTimestamp) != nil)
                }
                let user = try #require(first["submittedBy"] as? [String: Any])
                #expect(
                    user["user"] as? String == "bob" && user["fullname"] as? String == "Bob"
                        && user["type"] as? String == "user")
                #expect((user["avatarUrl"] as? String) == "https://papers.example.org/avatars/bob.svg")
                let second = items[1]
                #expect(second["projectPage"] as? String == "https://llm-code.example.org")
                #expect(second["githubRepo"] as? String == "https://github.com/o/llm-code")
                #expect(response.headers[.accessControlAllowOrigin] == "*")
                #expect(response.headers[.setCookie] == nil)
            }
            try await client.execute(uri: "/api/daily_papers?date=2026-05-21&sort=publishedAt", method: .get) {
                response in
                let items = try #require(response.json as? [[String: Any]])
                #expect(
                    items.compactMap { ($0["paper"] as? [String: Any])?["id"] as? String } == [
                        "2605.10001", "2605.10004",
                    ])
            }
            try await client.execute(uri: "/api/daily_papers?week=2026-W21&limit=1&p=1", method: .get) { response in
                let items = try #require(response.json as? [[String: Any]])
                #expect(items.compactMap { ($0["paper"] as? [String: Any])?["id"] as? String } == ["2605.10004"])
            }
            try await client.execute(uri: "/api/daily_papers?month=2026-05&p=9", method: .get) { response in
                #expect(response.status == .ok && response.text == "[]")
            }
            try await client.execute(uri: "/api/daily_papers?submitter=ada", method: .get) { response in
                let items = try #require(response.json as? [[String: Any]])
                #expect(items.count == 1)
            }
            for bad in [
                "date=2026-02-30", "date=20260521", "week=2026-W99", "month=2026-00", "limit=-1", "limit=101",
                "p=-1", "sort=hot", "date=2026-05-21&month=2026-05", "submitter=%3Cx%3E",
            ] {
                try await client.execute(uri: "/api/daily_papers?\(bad)", method: .get) { response in
                    #expect(response.status == .badRequest, "\(bad)")
                    let body = response.json as? [String: Any]
                    #expect((body?["error"] as? String)?.isEmpty == false, "\(bad)")
                    #expect(body?["code"] as? String == "invalid_parameter")
                    #expect(response.headers[.init("X-Error-Code")!] == nil)
                }
            }
        }
    }

    @Test func paperInfoIsFlatAndUnknownPapersAre404() async throws {
        try await withAPIApp { client, _ in
            try await client.execute(
                uri: "/api/papers/2605.10001", method: .get, headers: [.authorization: "Bearer hf_whatever"]
            ) { response in
                #expect(response.status == .ok)
                let info = try #require(response.json as? [String: Any])
                #expect(info["id"] as? String == "2605.10001" && info["numComments"] as? Int == 0)
                #expect(info["arxivComment"] as? String == "12 pages" && info["comments"] == nil)
                #expect((info["submittedOnDailyBy"] as? [String: Any])?["user"] as? String == "bob")
                #expect((info["submittedOnDailyAt"] as? String)?.wholeMatch(of: Self.hubTimestamp) != nil)
                #expect(info["pdfUrl"] as? String == "https://arxiv.org/pdf/2605.10001")
            }
            for (uri, status) in [
                ("/api/papers/9999.99999", HTTPResponse.Status.notFound), ("/api/papers/garbage", .notFound),
            ] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == status)
                    #expect((response.json as? [String: Any])?["error"] is String)
                }
            }
            try await client.execute(uri: "/papers/2605.10001.md", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/markdown") == true)
                #expect(response.text.hasPrefix("# Quantum criticality in checkerboard lattices\n"))
                #expect(response.text.contains("https://arxiv.org/abs/2605.10001"))
            }
            try await client.execute(uri: "/papers/2605.10004", method: .get, headers: [.accept: "text/markdown"]) {
                response in
                #expect(response.text.contains("- Code: https://github.com/o/llm-code"))
            }
        }
    }

    @Test func arxivQueryLanguageParses() throws {
        let q = try #require(try FieldedQuery.parse("au:del_maestro ANDNOT (ti:checkerboard OR ti:Pyrochlore)"))
        #expect(
            q
                == .andNot(
                    .term(.au, "del_maestro", phrase: false),
                    .or(.term(.ti, "checkerboard", phrase: false), .term(.ti, "Pyrochlore", phrase: false))))
        #expect(
            try FieldedQuery.parse("ti:\"quantum criticality\" AND cat:quant-ph")
                == .and(.term(.ti, "quantum criticality", phrase: true), .term(.cat, "quant-ph", phrase: false)))
        #expect(
            try FieldedQuery.parse("electron proton")
                == .and(.term(.all, "electron", phrase: false), .term(.all, "proton", phrase: false)))
        #expect(try FieldedQuery.parse("   ") == nil)
        for bad in ["ti:(x", "(ti:x", "xx:foo", "ti:\"open", "AND ti:x", "ti:x AND", "ti:", ")"] {
            #expect(throws: FieldedQuery.SyntaxError.self, "\(bad)") { try FieldedQuery.parse(bad) }
        }
    }

    func entryIDs(_ atom: String) -> [String] {
        atom.components(separatedBy: "<entry>").dropFirst().compactMap { entry in
            guard let start = entry.range(of: "<id>"), let end = entry.range(of: "</id>") else { return nil }
            return String(entry[start.upperBound..<end.lowerBound])
        }
    }

    @Test func arxivQueryAPIEvaluatesBooleansPagesAndSorts() async throws {
        try await withAPIApp { client, _ in
            func ids(_ query: String) async throws -> (ids: [String], body: String) {
                try await client.execute(uri: "/api/query?\(query)", method: .get) { response in
                    #expect(response.status == .ok, "\(query)")
                    #expect(response.headers[.contentType]?.hasPrefix("application/atom+xml") == true)
                    return (entryIDs(response.text), response.text)
                }
            }
            let all = try await ids("search_query=au:del_maestro&max_results=10")
            #expect(
                Set(all.ids) == [
                    "http://arxiv.org/abs/2605.10001v2", "http://arxiv.org/abs/2605.10002v1",
                    "http://arxiv.org/abs/2605.10003v1",
                ])
            #expect(all.body.contains("<opensearch:totalResults>3</opensearch:totalResults>"))
            let and = try await ids("search_query=au:del_maestro+AND+ti:checkerboard")
            #expect(and.ids == ["http://arxiv.org/abs/2605.10001v2"])
            let andNot = try await ids("search_query=au:del_maestro+ANDNOT+%28ti:checkerboard+OR+ti:Pyrochlore%29")
            #expect(andNot.ids == ["http://arxiv.org/abs/2605.10003v1"])
            let phrase = try await ids(
                "search_query=ti:%22quantum+criticality%22&sortBy=submittedDate&sortOrder=ascending")
            #expect(phrase.ids == ["http://arxiv.org/abs/2605.10001v2", "http://arxiv.org/abs/2605.10002v1"])
            let page = try await ids(
                "search_query=all:quantum&sortBy=submittedDate&sortOrder=descending&start=1&max_results=1")
            #expect(page.ids == ["http://arxiv.org/abs/2605.10002v1"])
            #expect(
                page.body.contains("<opensearch:totalResults>3</opensearch:totalResults>")
                    && page.body.contains("<opensearch:startIndex>1</opensearch:startIndex>")
                    && page.body.contains("<opensearch:itemsPerPage>1</opensearch:itemsPerPage>"))
            let list = try await ids("id_list=2605.10003,2605.10001v1,2612.99999")
            #expect(list.ids == ["http://arxiv.org/abs/2605.10003v1", "http://arxiv.org/abs/2605.10001v2"])
            #expect(list.body.contains("<arxiv:primary_category term=\"cond-mat.other\"/>"))
            #expect(list.body.contains("title=\"pdf\""))
            let filtered = try await ids("search_query=all:quantum&id_list=2605.10003")
            #expect(filtered.ids == ["http://arxiv.org/abs/2605.10003v1"])
            let empty = try await ids("search_query=&id_list=&start=0&max_results=100")
            #expect(empty.ids.isEmpty && empty.body.contains("<opensearch:totalResults>0</opensearch:totalResults>"))
            for bad in [
                "search_query=ti:(x", "max_results=-1", "max_results=5000", "start=x", "id_list=nope", "sortBy=hot",
                "sortOrder=up", "search_query=" + String(repeating: "0", count: 1500),
            ] {
                try await client.execute(uri: "/api/query?\(bad)", method: .get) { response in
                    #expect(response.status == .badRequest, "\(bad.prefix(40))")
                    #expect(response.text.contains("<title>Error</title>"))
                }
            }
        }
    }

    @Test func feedsAreWellFormedInEveryFormat() async throws {
        try await withAPIApp { client, store in
            let collection = try await store.createCollection(owner: "ada", name: "Quantum", isPublic: true)
            try await store.setCollectionItem(collectionID: collection.id, paperID: "2605.10002", present: true)
            let hidden = try await store.createCollection(owner: "ada", name: "Secret", isPublic: false)
            for path in ["/feeds/daily", "/feeds/trending", "/feeds/search", "/feeds/collections/\(collection.id)"] {
                for format in ["rss", "atom", "json"] {
                    let uri = "\(path).\(format)" + (path.hasSuffix("search") ? "?q=quantum+criticality" : "")
                    try await client.execute(uri: uri, method: .get) { response in
                        #expect(response.status == .ok, "\(uri)")
                        if format == "json" {
                            let feed = response.json as? [String: Any]
                            #expect(feed?["version"] as? String == "https://jsonfeed.org/version/1.1")
                            #expect((feed?["items"] as? [Any])?.isEmpty == false, "\(uri)")
                        } else {
                            let parser = XMLParser(data: Data(buffer: response.body))
                            #expect(parser.parse(), "\(uri): \(parser.parserError.map { "\($0)" } ?? "")")
                            #expect(response.text.contains("https://papers.example.org/papers/2605.1000"), "\(uri)")
                        }
                    }
                }
            }
            try await client.execute(uri: "/feeds/daily.rss", method: .get) { response in
                // Newest submission first.
                let text = response.text
                let a = try #require(text.range(of: "2605.10001")), b = try #require(text.range(of: "2605.10004"))
                #expect(a.lowerBound < b.lowerBound)
            }
            for (uri, status) in [
                ("/feeds/collections/\(hidden.id).rss", HTTPResponse.Status.notFound), ("/feeds/daily.xml", .notFound),
                ("/feeds/nothing.rss", .notFound), ("/feeds/search.rss", .badRequest),
            ] {
                try await client.execute(uri: uri, method: .get) { #expect($0.status == status, "\(uri)") }
            }
            try await client.execute(uri: "/", method: .get) { response in
                #expect(
                    response.text.contains(
                        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Daily papers (Atom)\" href=\"/feeds/daily.atom\">"
                    ))
            }
        }
    }

    @Test func feedTextDropsCharactersXMLForbids() {
        #expect(XML.escape("a\u{01}b<c>&\"d\u{FFFE}\n") == "ab&lt;c&gt;&amp;&quot;d\n")
    }

    @Test func writeAPINeedsATokenAndActsAsItsOwner() async throws {
        try await withAPIApp { client, store in
            let secret = AccessTokenSecret.generate()
            #expect(AccessTokenSecret.isWellFormed(secret))
            _ = try await store.createAccessToken(
                username: "bob", name: "script", tokenHash: AccessTokenSecret.hash(secret))
            let auth: HTTPFields = [.authorization: "Bearer \(secret)", .contentType: "application/json"]
            try await client.execute(uri: "/api/papers/2605.10002/upvote", method: .post) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                // Paperboy's own API answers the catalog's shape: {"error": {"code", "type", "message", "link"}}.
                let error = (response.json as? [String: Any])?["error"] as? [String: Any]
                #expect(error?["code"] as? String == "unauthorized" && error?["type"] as? String == "auth")
                #expect((error?["link"] as? String)?.hasSuffix("/errors#unauthorized") == true)
            }
            try await client.execute(uri: "/api/papers/2605.10002/upvote", method: .post, headers: auth) { response in
                #expect(response.status == .ok)
                #expect((response.json as? [String: Any])?["upvotes"] as? Int == 1)
            }
            #expect(try await store.hasUpvoted(paperID: "2605.10002", username: "bob"))
            try await client.execute(uri: "/api/papers/2605.10002/upvote", method: .delete, headers: auth) { response in
                #expect((response.json as? [String: Any])?["upvotes"] as? Int == 0)
            }
            try await client.execute(
                uri: "/api/papers/2605.10002/comments", method: .post, headers: auth,
                body: ByteBuffer(string: #"{"body": "Neat **trick**"}"#)
            ) { response in
                #expect(response.status == .created)
                #expect((response.json as? [String: Any])?["author"] as? String == "bob")
            }
            try await client.execute(
                uri: "/api/papers", method: .post, headers: auth, body: ByteBuffer(string: #"{"id": "2605.10003"}"#)
            ) { response in
                #expect(response.status == .created)
            }
            #expect(try await store.submission(paperID: "2605.10003")?.submitter == "bob")
            try await client.execute(
                uri: "/api/papers", method: .post, headers: auth, body: ByteBuffer(string: #"{"id": "2605.10003"}"#)
            ) { response in
                #expect(response.status == .conflict)
            }
            let adas = try await store.createCollection(owner: "ada", name: "Ada's", isPublic: true)
            try await client.execute(uri: "/api/collections/\(adas.id)/papers/2605.10001", method: .put, headers: auth)
            { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(
                uri: "/api/collections", method: .post, headers: auth,
                body: ByteBuffer(string: #"{"name": "Bob's", "public": false}"#)
            ) { response in
                #expect(response.status == .created)
                let id = try #require((response.json as? [String: Any])?["id"] as? Int)
                try await client.execute(uri: "/api/collections/\(id)/papers/2605.10001", method: .put, headers: auth) {
                    response in
                    #expect((response.json as? [String: Any])?["paperCount"] as? Int == 1)
                }
            }
            for body in ["{not json", "[1]", #"{"id": 5}"#] {
                try await client.execute(
                    uri: "/api/papers", method: .post, headers: auth, body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == .badRequest, "\(body)")
                }
            }
            // A revoked token stops working at once.
            let token = try #require(try await store.accessTokens(username: "bob").first)
            try await store.deleteAccessToken(id: token.id, username: "bob")
            try await client.execute(uri: "/api/whoami", method: .get, headers: auth) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    @Test func rateLimitsAnswer429WithRetryAfter() async throws {
        try await withAPIApp(limits: APILimits(readsPerMinute: 3, writesPerMinute: 2)) { client, store in
            for _ in 0..<3 {
                try await client.execute(uri: "/api/daily_papers", method: .get) { #expect($0.status == .ok) }
            }
            try await client.execute(uri: "/api/daily_papers", method: .get) { response in
                #expect(response.status == .tooManyRequests)
                #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 >= 1)
                #expect((response.json as? [String: Any])?["code"] as? String == "rate_limited")
            }
            // Pages are not API reads: still served.
            try await client.execute(uri: "/about", method: .get) { #expect($0.status == .ok) }
        }
        // Writes: per token.
        let limiter = Throttle<String>(.perMinute(2))
        let t0 = Date()
        #expect(limiter.takeOrWait("token:a", now: t0) == nil && limiter.takeOrWait("token:a", now: t0) == nil)
        #expect(limiter.takeOrWait("token:a", now: t0) == 30)
        #expect(limiter.takeOrWait("token:b", now: t0) == nil)
        #expect(limiter.takeOrWait("token:a", now: t0.addingTimeInterval(30)) == nil)
    }

    @Test func corsPreflightOffersReadsOnly() async throws {
        try await withAPIApp { client, _ in
            try await client.execute(uri: "/api/daily_papers", method: .options, headers: [.origin: "https://x.org"]) {
                response in
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowOrigin] == "*")
                #expect(response.headers[.accessControlAllowMethods] == "GET, HEAD, OPTIONS")
            }
        }
    }

    @Test func openAPIDocumentListsEveryAPIRoute() async throws {
        try await withAPIApp { client, _ in
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                let doc = try #require(response.json as? [String: Any])
                #expect(doc["openapi"] as? String == "3.1.0")
                let paths = try #require(doc["paths"] as? [String: Any])
                for path in [
                    "/api/papers/search", "/api/daily_papers", "/api/papers/{id}", "/api/query", "/api/papers",
                    "/api/papers/index",
                    "/api/papers/{id}/upvote", "/api/papers/{id}/comments", "/api/collections",
                    "/api/collections/{collection}/papers/{id}", "/api/whoami", "/feeds/{file}", "/healthz",
                ] {
                    #expect(paths[path] != nil, "\(path)")
                }
            }
        }
    }

    @Test func tokensAreCreatedOnTheProfileShownOnceAndRevoked() async throws {
        try await withBrowserApp { browser, store in
            _ = try await browser.signUp("carol")
            let created = try await browser.post("/settings/tokens", ["name": "laptop"])
            #expect(created.status == .ok)
            let html = created.text
            let start = try #require(html.range(of: "<code class=\"token-secret\">"))
            let secret = String(html[start.upperBound...].prefix(43))
            #expect(AccessTokenSecret.isWellFormed(secret))
            #expect(
                try await store.accessTokenUser(tokenHash: AccessTokenSecret.hash(secret), now: Date())?.username
                    == "carol")
            let profile = try await browser.get("/users/carol")
            #expect(profile.text.contains("laptop") && !profile.text.contains(secret))
            let id = try #require(try await store.accessTokens(username: "carol").first?.id)
            // Without the CSRF token nothing happens.
            _ = try await browser.post("/settings/tokens/\(id)/delete", [:], csrf: "wrong")
            #expect(try await store.accessTokens(username: "carol").count == 1)
            let revoked = try await browser.post("/settings/tokens/\(id)/delete", [:])
            #expect(revoked.status == .seeOther || revoked.status == .found)
            #expect(try await store.accessTokens(username: "carol").isEmpty)
        }
    }
}
