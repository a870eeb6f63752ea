import ArxivClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Intake
import PaperModel
import PaperStore
import PaperTestSupport
import Testing

@testable import PaperWeb

/// The recorded arXiv query API answers in `<repo>/../shared/data/arxiv/fixtures/atom`.
enum AtomFixtures {
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data/arxiv/fixtures/atom")

    static var available: Bool {
        FileManager.default.fileExists(
            atPath: directory.appendingPathComponent("id_1605.08386_s0_m100_199195aa31ad.body.xml").path)
    }

    static let missing: Testing.Comment =
        "shared arXiv fixtures not found at <repo>/../shared/data/arxiv/fixtures: skipped"

    /// arXiv's answer for `id_list=1605.08386` (Heat-bath random walks with Markov bases, 2016-05-26).
    static func heatBath() throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent("id_1605.08386_s0_m100_199195aa31ad.body.xml"))
    }

    /// A replay that knows 1605.08386 (every other id is an empty feed), optionally slow to answer.
    static func replay(delay: TimeInterval = 0) throws -> ReplayArxivService {
        let body = try heatBath()
        return ReplayArxivService { request in
            if delay > 0 { Thread.sleep(forTimeInterval: delay) }
            guard case .query(let query) = request, query.normalizedIDs == ["1605.08386"] else {
                return ReplayArxivService.emptyFeed
            }
            return body
        }
    }
}

struct ArxivDown: Error {}

func withImportApp(
    service: any ArxivService, store given: (any PaperStore)? = nil,
    _ body: @escaping @Sendable (Browser, any PaperStore) async throws -> Void
) async throws {
    let store: any PaperStore
    if let given { store = given } else { store = try await makeFixtureStore() }
    let router = try await buildRouter(store: store, fetcher: PaperFetcher(store: store, service: service))
    try await Application(router: router).test(.router) { client in try await body(Browser(client: client), store) }
}

@Suite("Importing papers from arXiv on demand")
struct ImportTests {
    @Test(.enabled(if: AtomFixtures.available, AtomFixtures.missing))
    func paperPageOffersTheImportAndTheImportedPageRenders() async throws {
        let replay = try AtomFixtures.replay()
        try await withImportApp(service: replay) { browser, store in
            // Visitors are asked to log in; nothing is fetched by looking.
            let visitor = try await browser.get("/papers/1605.08386")
            #expect(visitor.status == .notFound)
            #expect(visitor.text.contains("not in Paperboy yet"))
            #expect(visitor.text.contains("href=\"/login?next=/papers/1605.08386\""))
            #expect(!visitor.text.contains("action=\"/papers/1605.08386/import\""))
            // Not an arXiv id: a plain 404.
            let plain = try await browser.get("/papers/not-a-paper")
            #expect(plain.status == .notFound)
            #expect(!plain.text.contains("Import from arXiv") && !plain.text.contains("not in Paperboy yet"))
            // Without a session the import asks for a login.
            #expect(
                try await browser.post("/papers/1605.08386/import", [:]).headers[.location]
                    == "/login?next=/papers/1605.08386")
            #expect(replay.requests.isEmpty)

            _ = try await browser.signUp("alice")
            let member = try await browser.get("/papers/1605.08386")
            #expect(member.text.contains("action=\"/papers/1605.08386/import\""))
            #expect(member.text.contains("Import from arXiv"))
            // The form needs its CSRF token.
            #expect(try await browser.post("/papers/1605.08386/import", [:], csrf: "forged").status == .forbidden)
            #expect(try await store.paper(id: "1605.08386") == nil)

            let imported = try await browser.post("/papers/1605.08386/import", [:])
            #expect(imported.status == .seeOther)
            #expect(imported.headers[.location] == "/papers/1605.08386")
            #expect(replay.requests.count == 1)
            let paper = try #require(try await store.paper(id: "1605.08386"))
            #expect(paper.title == "Heat-bath random walks with Markov bases")
            let page = try await browser.get("/papers/1605.08386")
            #expect(page.status == .ok)
            #expect(page.text.contains("Heat-bath random walks with Markov bases"))
            #expect(page.text.contains("<span class=\"author\">Caprice Stanley</span>"))
            #expect(page.text.contains("<span class=\"author\">Tobias Windisch</span>"))
            #expect(page.text.contains("datetime=\"2016-05-26\""))
            #expect(page.text.contains("href=\"https://arxiv.org/pdf/1605.08386"))
        }
    }

    @Test func unknownIDsAndAnUnreachableArxivGiveClearPages() async throws {
        let empty = ReplayArxivService { _ in ReplayArxivService.emptyFeed }
        try await withImportApp(service: empty) { browser, store in
            _ = try await browser.signUp("alice")
            let unknown = try await browser.post("/papers/1605.99999/import", [:])
            #expect(unknown.status == .notFound)
            #expect(unknown.text.contains("arXiv has no paper 1605.99999"))
            #expect(try await store.paper(id: "1605.99999") == nil)
        }
        let down = ReplayArxivService { _ in throw ArxivDown() }
        try await withImportApp(service: down) { browser, _ in
            _ = try await browser.signUp("alice")
            let unavailable = try await browser.post("/papers/1605.08386/import", [:])
            #expect(unavailable.status == .serviceUnavailable)
            #expect(unavailable.text.contains("could not reach arXiv"))
            #expect(unavailable.headers[.retryAfter] != nil)
        }
    }

    @Test(.enabled(if: AtomFixtures.available, AtomFixtures.missing))
    func submitFormImportsAMissingPaper() async throws {
        let replay = try AtomFixtures.replay()
        try await withImportApp(service: replay) { browser, store in
            _ = try await browser.signUp("alice")
            let response = try await browser.post(
                "/submit", ["paper": "https://arxiv.org/abs/1605.08386v1", "github": "", "project": ""])
            let today = Day(Date())
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/papers/date/\(today)")
            #expect(try await store.paper(id: "1605.08386")?.authors == ["Caprice Stanley", "Tobias Windisch"])
            let submission = try #require(try await store.submission(paperID: "1605.08386"))
            #expect(submission.submitter == "alice" && submission.day == today)
            #expect(try await browser.get("/papers/date/\(today)").text.contains("Heat-bath random walks"))
            // arXiv does not know it: the form says so.
            let unknown = try await browser.post("/submit", ["paper": "1605.99999"])
            #expect(unknown.status == .notFound)
            #expect(unknown.text.contains("arXiv has no paper 1605.99999"))
            #expect(replay.requests.count == 2)
        }
    }

    @Test func importsAreLimitedPerAccount() async throws {
        let empty = ReplayArxivService { _ in ReplayArxivService.emptyFeed }
        try await withImportApp(service: empty) { browser, _ in
            _ = try await browser.signUp("alice")
            for n in 0..<PaperImports.perHour {
                #expect(
                    try await browser.post("/papers/1605.\(String(format: "%05d", 90000 + n))/import", [:]).status
                        == .notFound)
            }
            let limited = try await browser.post("/papers/1605.90100/import", [:])
            #expect(limited.status == .tooManyRequests)
            #expect(limited.text.contains("at most \(PaperImports.perHour) papers an hour"))
            #expect(empty.requests.count == PaperImports.perHour)
        }
    }

    static func apiToken(_ store: any PaperStore) async throws -> HTTPFields {
        _ = try await store.createUser(username: "bot", displayName: "Bot", role: .member, passwordHash: nil)
        let secret = AccessTokenSecret.generate()
        _ = try await store.createAccessToken(
            username: "bot", name: "indexer", tokenHash: AccessTokenSecret.hash(secret))
        return [.authorization: "Bearer \(secret)", .contentType: "application/json"]
    }

    static func index(
        _ client: any TestClientProtocol, _ body: String, _ headers: HTTPFields
    ) async throws -> (HTTPResponse.Status, [String: Any]) {
        try await client.execute(
            uri: "/api/papers/index", method: .post, headers: headers, body: ByteBuffer(string: body)
        ) { response in
            let json = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
            return (response.status, json)
        }
    }

    @Test(.enabled(if: AtomFixtures.available, AtomFixtures.missing))
    func indexEndpointAnswersThePaper() async throws {
        let replay = try AtomFixtures.replay()
        try await withImportApp(service: replay) { browser, store in
            let auth = try await Self.apiToken(store)
            let client = browser.client
            let (noToken, _) = try await Self.index(
                client, #"{"arxivId":"1605.08386"}"#, [.contentType: "application/json"])
            #expect(noToken == .unauthorized)
            #expect(replay.requests.isEmpty)

            let (created, paper) = try await Self.index(client, #"{"arxivId":"1605.08386"}"#, auth)
            #expect(created == .created)
            #expect(paper["id"] as? String == "1605.08386")
            #expect(paper["title"] as? String == "Heat-bath random walks with Markov bases")
            #expect(
                (paper["authors"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == [
                    "Caprice Stanley", "Tobias Windisch",
                ])
            #expect(paper["pdfUrl"] as? String == "https://arxiv.org/pdf/1605.08386")
            #expect((paper["publishedAt"] as? String)?.hasPrefix("2016-05-26") == true)

            let (again, same) = try await Self.index(client, #"{"arxivId":"https://arxiv.org/abs/1605.08386v1"}"#, auth)
            #expect(again == .ok)
            #expect(same["id"] as? String == "1605.08386")
            #expect(replay.requests.count == 1)

            let (unknown, unknownBody) = try await Self.index(client, #"{"arxivId":"1605.99999"}"#, auth)
            #expect(unknown == .notFound)
            #expect((unknownBody["error"] as? [String: Any])?["code"] as? String == "paper_not_found")
            for (bad, code) in [
                (#"{"arxivId":"not a paper"}"#, "invalid_parameter"), (#"{"id":"1605.08386"}"#, "invalid_parameter"),
                (#"{"arxivId":5}"#, "invalid_parameter"), ("[1]", "invalid_body"),
            ] {
                let (status, body) = try await Self.index(client, bad, auth)
                #expect(status == .badRequest, "\(bad)")
                #expect((body["error"] as? [String: Any])?["code"] as? String == code, "\(bad)")
            }
            #expect(replay.requests.count == 2)
        }
    }

    @Test func indexEndpointSays503WhenArxivIsUnreachable() async throws {
        let down = ReplayArxivService { _ in throw ArxivDown() }
        try await withImportApp(service: down) { browser, store in
            let auth = try await Self.apiToken(store)
            let (status, body) = try await Self.index(browser.client, #"{"arxivId":"1605.08386"}"#, auth)
            #expect(status == .serviceUnavailable)
            let error = body["error"] as? [String: Any]
            #expect(error?["code"] as? String == "arxiv_unavailable" && error?["type"] as? String == "system")
            #expect((error?["message"] as? String)?.contains("could not reach arXiv") == true)
            #expect(down.requests.count == 1)
            #expect(try await store.paper(id: "1605.08386") == nil)
        }
    }

    @Test(.enabled(if: AtomFixtures.available, AtomFixtures.missing))
    func concurrentImportsOfOnePaperMakeOneUpstreamCall() async throws {
        let replay = try AtomFixtures.replay(delay: 0.3)
        try await withImportApp(service: replay) { browser, store in
            let auth = try await Self.apiToken(store)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<6 {
                    group.addTask { try await Self.index(browser.client, #"{"arxivId":"1605.08386"}"#, auth).0 }
                }
                var all: [HTTPResponse.Status] = []
                for try await status in group { all.append(status) }
                return all
            }
            #expect(statuses.count == 6)
            #expect(statuses.allSatisfy { $0 == .created || $0 == .ok })
            #expect(replay.requests.count == 1)
            #expect(try await store.paper(id: "1605.08386") != nil)
        }
    }

    @Test func withoutAFetcherThereIsNoImport() async throws {
        try await withBrowserApp { browser, _ in
            _ = try await browser.signUp("alice")
            let page = try await browser.get("/papers/1605.08386")
            #expect(page.status == .notFound)
            #expect(!page.text.contains("Import from arXiv"))
            #expect(try await browser.post("/submit", ["paper": "1605.08386"]).text.contains("not in Paperboy yet"))
        }
    }
}
