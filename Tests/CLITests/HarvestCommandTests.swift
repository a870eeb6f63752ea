import ArxivTestServer
import Foundation
import GRDB
import PaperStore
import Testing

/// The recorded arXiv responses of ../shared, nil when it is absent.
let arxivFixtures: URL? = sharedDirectory.map { $0.appendingPathComponent("data/arxiv/fixtures") }
    .flatMap { FileManager.default.fileExists(atPath: $0.appendingPathComponent("oai/0.xml").path) ? $0 : nil }

/// `paperboy harvest` and `paperboy fetch` against a fake arXiv on loopback replaying recorded pages.
@Suite("harvest and fetch against a fake arXiv", .serialized)
struct HarvestCommandTests {
    /// Page 0 (1,000 records, token `2752941|1001`) and page 1 made final (its token emptied): 2,000 records.
    static func pages() throws -> (first: Data, last: Data) {
        let directory = try #require(arxivFixtures)
        let first = try Data(contentsOf: directory.appendingPathComponent("oai/0.xml"))
        let second = String(
            decoding: try Data(contentsOf: directory.appendingPathComponent("oai/1.xml")), as: UTF8.self)
        let last = second.replacingOccurrences(of: ">2752941|2001</resumptionToken>", with: "></resumptionToken>")
        #expect(last != second)
        return (first, Data(last.utf8))
    }

    /// What the store holds, for comparing two runs: every paper with its version and content.
    static func dump(_ data: URL) throws -> [String] {
        try DatabaseQueue(path: data.appendingPathComponent("paperboy.sqlite").path).read { db in
            try Row.fetchAll(db, sql: "SELECT id, version, title, abstract, authors, categories FROM paper ORDER BY id")
                .map {
                    "\($0["id"] as String)|\($0["version"] as Int)|\($0["title"] as String)|\($0["abstract"] as String)|\($0["authors"] as String)|\($0["categories"] as String)"
                }
        }
    }

    static func changeSequence(_ data: URL) throws -> Int64 {
        try DatabaseQueue(path: data.appendingPathComponent("paperboy.sqlite").path).read { db in
            try Int64.fetchOne(db, sql: "SELECT value FROM change_sequence") ?? 0
        }
    }

    @Test(.enabled(if: arxivFixtures != nil, "../shared/data/arxiv/fixtures is absent: skipped"))
    func harvestRetriesA503SpacesItsRequestsAndASecondRunChangesNothing() async throws {
        let (first, last) = try Self.pages()
        let server = FakeArxivServer { request, index in
            if index == 0 {
                return .body(Data("busy".utf8), status: 503, contentType: "text/plain", headers: [("Retry-After", "1")])
            }
            if request.query["resumptionToken"] == "2752941|1001" { return .body(last) }
            return .body(first)
        }
        try await server.start()
        defer { Task { await server.stop() } }
        let data = try temporaryDirectory().appendingPathComponent("data")
        let arguments = ["harvest", "--data-dir", data.path, "--oai-url", server.baseURL + "/oai", "--delay", "0.2"]

        var run = try paperboy(arguments + ["--from", "2007-01-01"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("2 pages, 2000 records (2000 new, 0 updated, 0 unchanged)"), "\(run.stdout)")
        let store = try SQLitePaperStore.open(directory: data)
        #expect(try await store.paperCount() == 2000)
        let requests = server.received
        #expect(requests.count == 3, "a 503, its retry, then page 1: \(requests.map(\.query))")
        #expect(requests[0].query["metadataPrefix"] == "arXiv" && requests[0].query["from"] == "2007-01-01")
        #expect(requests[0].query == requests[1].query, "the 503 was retried with the same request")
        #expect(requests[2].query == ["verb": "ListRecords", "resumptionToken": "2752941|1001"])
        #expect(requests[1].at - requests[0].at >= 0.99, "Retry-After: 1 was honoured")
        for (a, b) in zip(requests, requests.dropFirst()) { #expect(b.at - a.at >= 0.2, "requests spaced by --delay") }
        #expect(requests[0].headers["user-agent"]?.contains("Paperboy") == true)
        // A harvested paper has its authors, dates and categories, and is found by search.
        let paper = try #require(try await store.paper(id: "0704.0001"))
        #expect(paper.authors.first == "C. Balázs" && paper.categories == ["hep-ph"] && paper.publishedAt != nil)
        run = try paperboy([
            "search", "--data-dir", data.path, "prompt diphoton production cross sections", "--limit", "3",
        ])
        #expect(run.status == 0 && run.stdout.contains("0704.0001"), "\(run.stdout) \(run.stderr)")

        // Again, from the saved state: the same records, nothing changes, the change sequence stays.
        let sequence = try Self.changeSequence(data)
        run = try paperboy(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("(0 new, 0 updated, 2000 unchanged)"), "\(run.stdout)")
        #expect(try Self.changeSequence(data) == sequence)
        let resumedFrom = server.received[3].query["from"]
        #expect(resumedFrom != nil && resumedFrom != "2007-01-01", "the second run starts at the last datestamp")
        run = try paperboy(["stats", "--data-dir", data.path])
        #expect(run.stdout.contains("harvest all (arXiv): 4000 records"), "\(run.stdout)")
    }

    @Test(.enabled(if: arxivFixtures != nil, "../shared/data/arxiv/fixtures is absent: skipped"))
    func aHarvestKilledBetweenPagesContinuesToTheSameStoreAsOneCleanRun() async throws {
        let (first, last) = try Self.pages()
        // The second page is held back for a minute the first time: the harvest is killed while it waits.
        let server = FakeArxivServer { request, index in
            if request.query["resumptionToken"] == "2752941|1001" {
                return index == 1 ? .stall(seconds: 60, then: .body(last)) : .body(last)
            }
            return .body(first)
        }
        try await server.start()
        defer { Task { await server.stop() } }
        let work = try temporaryDirectory()
        let data = work.appendingPathComponent("data")
        let arguments = ["harvest", "--data-dir", data.path, "--oai-url", server.baseURL + "/oai", "--delay", "0"]

        let victim = Process()
        victim.executableURL = paperboyBinary
        victim.arguments = arguments + ["--from", "2007-01-01"]
        victim.standardOutput = Pipe()
        victim.standardError = Pipe()
        try victim.run()
        let deadline = Date().addingTimeInterval(120)
        while server.received.count < 2, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        try await Task.sleep(for: .milliseconds(300))
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        #expect(victim.terminationReason == .uncaughtSignal)
        let store = try SQLitePaperStore.open(directory: data)
        #expect(try await store.paperCount() == 1000, "page 0 was applied before the kill")
        let key = HarvestKey(endpoint: server.baseURL + "/oai", set: nil, metadataPrefix: "arXiv")
        #expect(try await store.harvestState(key)?.resumptionToken == "2752941|1001")

        // Run again without --from: it continues with the saved token.
        var run = try paperboy(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            run.stdout.contains("1 pages, 1000 records (1000 new")
                && run.stdout.contains("continued an interrupted harvest"),
            "\(run.stdout)")
        #expect(server.received.last?.query["resumptionToken"] == "2752941|1001")

        // The same store as one uninterrupted harvest.
        let reference = work.appendingPathComponent("reference")
        run = try paperboy([
            "harvest", "--data-dir", reference.path, "--oai-url", server.baseURL + "/oai", "--delay", "0",
            "--from", "2007-01-01",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let resumed = try Self.dump(data), clean = try Self.dump(reference)
        #expect(resumed.count == 2000 && resumed == clean)
        #expect(try Self.changeSequence(data) == 2000, "no record applied twice")
    }

    @Test(.enabled(if: arxivFixtures != nil, "../shared/data/arxiv/fixtures is absent: skipped"))
    func aFailedHarvestSaysWhyAndKeepsWhatWasApplied() async throws {
        let (first, _) = try Self.pages()
        let server = FakeArxivServer { request, _ in
            request.query["resumptionToken"] == nil
                ? .body(first) : .body(Data("<html><body>Service error</body></html>".utf8), contentType: "text/html")
        }
        try await server.start()
        defer { Task { await server.stop() } }
        let data = try temporaryDirectory().appendingPathComponent("data")
        let run = try paperboy([
            "harvest", "--data-dir", data.path, "--oai-url", server.baseURL + "/oai", "--delay", "0", "--from",
            "2007-01-01",
            "--attempts", "2",
        ])
        #expect(run.status != 0)
        #expect(server.received.count == 3, "page 0, then the HTML page tried twice")
        #expect(
            run.stderr.contains("harvesting arXiv failed") && run.stderr.contains("run the same command to continue"),
            "\(run.stderr)")
        let store = try SQLitePaperStore.open(directory: data)
        #expect(try await store.paperCount() == 1000)
        let state = try #require(try await store.harvestStates().first)
        #expect(state.resumptionToken == "2752941|1001" && state.lastError != nil)
        let bad = try paperboy(["harvest", "--data-dir", data.path, "--from", "2026-13-01"])
        #expect(bad.status != 0 && bad.stderr.contains("--from must be YYYY-MM-DD"))
    }

    /// `serve --harvest-set cs` harvests at start-up (it never has), shows the harvest in /healthz, and the
    /// harvested papers become searchable.
    @Test(.enabled(if: arxivFixtures != nil, "../shared/data/arxiv/fixtures is absent: skipped"))
    func serveHarvestsAtStartUpAndReportsItInHealthz() async throws {
        let (first, last) = try Self.pages()
        let server = FakeArxivServer { request, _ in
            request.query["resumptionToken"] == "2752941|1001" ? .body(last) : .body(first)
        }
        try await server.start()
        defer { Task { await server.stop() } }
        let work = try temporaryDirectory()
        let serve = try ServeProcess(
            data: work.appendingPathComponent("data").path, workDirectory: work,
            arguments: ServeProcess.quiet + [
                "--harvest-set", "cs", "--oai-url", server.baseURL + "/oai", "--arxiv-delay", "0",
            ])
        defer { serve.stop() }
        _ = try await serve.waitUntilListening()
        var intake: [[String: Any]] = []
        for _ in 0..<600 {
            let (_, body) = try await serve.get("/healthz")
            intake =
                (try JSONSerialization.jsonObject(with: body) as? [String: Any])?["intake"] as? [[String: Any]] ?? []
            if intake.first?["recordsHarvested"] as? Int == 2000 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let harvest = try #require(intake.first, "\(serve.logTail())")
        #expect(harvest["set"] as? String == "cs" && harvest["recordsHarvested"] as? Int == 2000)
        #expect(harvest["lastSuccessAt"] is String && harvest["inFlight"] as? Bool == false)
        #expect(server.received.first?.query["set"] == "cs")
        var found = false
        for _ in 0..<100 where !found {
            let (_, page) = try await serve.get("/api/papers/search?q=prompt%20diphoton%20production")
            found = String(decoding: page, as: UTF8.self).contains("0704.0001")
            if !found { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(found, "the harvested paper is found by search")
    }

    @Test(.enabled(if: arxivFixtures != nil, "../shared/data/arxiv/fixtures is absent: skipped"))
    func fetchAddsAPaperOnlyTheQueryAPIKnowsAndSearchFindsIt() async throws {
        let directory = try #require(arxivFixtures)
        let entry = try Data(contentsOf: directory.appendingPathComponent("atom/id_list=1111.2011v2.xml"))
        let empty = try Data(
            contentsOf: directory.appendingPathComponent("atom/id_0000.0000_s0_m100_8b51d9633a68.body.xml"))
        let server = FakeArxivServer { request, _ in
            request.query["id_list"]?.hasPrefix("1111.2011") == true
                ? .body(entry, contentType: "application/atom+xml") : .body(empty)
        }
        try await server.start()
        defer { Task { await server.stop() } }
        let data = try temporaryDirectory().appendingPathComponent("data")
        var run = try paperboy([
            "fetch", "--data-dir", data.path, "--api-url", server.baseURL + "/api/query", "--delay", "0",
            "https://arxiv.org/abs/1111.2011v2",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("1111.2011v2\tQuantum Criticality"), "\(run.stdout)")
        // Asked for the paper, not the pasted version: a refresh gets the newest version.
        #expect(server.received.first?.query["id_list"] == "1111.2011")
        let paper = try #require(try await SQLitePaperStore.open(directory: data).paper(id: "1111.2011"))
        #expect(paper.version == 2 && paper.authors.count == 3)
        run = try paperboy(["search", "--data-dir", data.path, "quantum criticality bethe lattice"])
        #expect(run.stdout.contains("1111.2011"), "\(run.stdout) \(run.stderr)")

        run = try paperboy([
            "fetch", "--data-dir", data.path, "--api-url", server.baseURL + "/api/query", "--delay", "0", "2501.99999",
        ])
        #expect(run.status != 0 && run.stderr.contains("arXiv has no paper 2501.99999"), "\(run.stderr)")
        run = try paperboy(["fetch", "--data-dir", data.path, "not-an-id"])
        #expect(run.status != 0 && run.stderr.contains("is not an arXiv id"), "\(run.stderr)")
    }
}
