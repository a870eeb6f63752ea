import ArxivTestServer
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The PostgreSQL database the two-instance tests share: `PAPERBOY_TEST_POSTGRES_URL` (scripts/test starts a server
/// and exports it once the PostgreSQL store is in the build), nil when unset.
let testPostgresURL: String? = {
    guard let url = ProcessInfo.processInfo.environment["PAPERBOY_TEST_POSTGRES_URL"], !url.isEmpty else { return nil }
    return url
}()

/// Two `paperboy serve` processes, each with its own data folder, on one PostgreSQL database behave as one site:
/// sessions, CSRF and upvotes work whichever instance a request reaches, each instance's search index follows the
/// store, background work runs once and is taken over when its holder is killed, and a digest batch run by both at
/// once sends each subscriber one message. The database is the suite's: ids, names and addresses are made unique
/// per run, so leftovers of an earlier run change nothing.
@Suite(
    "two instances on one PostgreSQL database", .serialized,
    .enabled(if: paperboyBinary != nil, "the paperboy binary was not built"),
    .enabled(
        if: testPostgresURL != nil,
        "PAPERBOY_TEST_POSTGRES_URL is not set: these tests need a PostgreSQL server (scripts/test starts one once the PostgreSQL store is in the build)"
    ))
struct TwoInstanceTests {
    let url = testPostgresURL ?? ""
    /// Unique per run: a fresh block of arXiv ids and names.
    let run = Int.random(in: 10_000...99_999)

    func id(_ n: Int) -> String { String(format: "2412.%05d", (run * 7 + n) % 100_000) }

    /// `paperboy ARGS --database-url URL`.
    func shared(_ arguments: [String]) throws -> Run {
        try paperboy(arguments + ["--database-url", url])
    }

    func serve(_ work: URL, _ name: String, _ arguments: [String] = []) throws -> ServeProcess {
        let data = work.appendingPathComponent(name).path
        return try ServeProcess(
            data: data, workDirectory: work,
            arguments: ServeProcess.quiet + ["--database-url", url, "--lease-seconds", "4"] + arguments)
    }

    func createSharedUser(_ name: String, password: String, work: URL) throws {
        let process = Process()
        process.executableURL = paperboyBinary
        process.arguments = ["user", "create", name, "--data-dir", work.path, "--database-url", url]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = Pipe()
        process.standardError = Pipe()
        try process.run()
        input.fileHandleForWriting.write(Data("\(password)\n".utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CLIError("paperboy user create \(name) failed") }
    }

    @Test func sessionsUpvotesAndSearchWorkOnWhicheverInstanceARequestReaches() async throws {
        let work = try temporaryDirectory()
        let first = work.appendingPathComponent("first.jsonl")
        try Data(kaggleTestLine(id(1), title: "Shared store paper \(run)").utf8).write(to: first)
        var result = try shared(["import", "--data-dir", work.appendingPathComponent("import").path, first.path])
        #expect(result.status == 0, "\(result.stderr)")
        let username = "ada\(run)", password = "a long password"
        try createSharedUser(username, password: password, work: work.appendingPathComponent("cli"))

        let a = try serve(work, "a"), b = try serve(work, "b")
        defer {
            a.stop()
            b.stop()
        }
        let client = HTTPClient()
        defer { client.invalidate() }
        try await a.waitUntilHealthy(client: client)
        try await b.waitUntilHealthy(client: client)
        for server in [a, b] {
            let (_, body) = try await server.get("/healthz")
            let health = try JSONSerialization.jsonObject(with: body) as? [String: Any]
            #expect((health?["store"] as? [String: Any])?["backend"] as? String == "postgresql", "\(health ?? [:])")
        }

        // Signed in on A.
        let csrf = String(repeating: "cd", count: 32)
        let login = try await client.send(
            "POST", a.base + "/login",
            headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": "pb_csrf=\(csrf)"],
            body: formBody([("username", username), ("password", password), ("csrf", csrf), ("next", "/")]))
        let session = try #require(cookie("pb_session", in: login), "login on A answered \(login.status)")
        let sessionCSRF = try #require(cookie("pb_csrf", in: login), "login set no CSRF cookie")

        // Upvoted on B with A's cookies: the session and the CSRF secret are the database's, not A's.
        let upvote = try await client.send(
            "POST", b.base + "/papers/\(id(1))/upvote",
            headers: [
                "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
                "Cookie": "pb_csrf=\(sessionCSRF); pb_session=\(session)",
            ],
            body: formBody([("csrf", sessionCSRF)]))
        #expect(upvote.status == 200, "upvote on B answered \(upvote.status): \(upvote.text.prefix(300))")

        // The count on A (its page caches read the store again within a second).
        var markdown = ""
        for _ in 0..<100 {
            markdown = String(decoding: try await a.get("/papers/\(id(1)).md").1, as: UTF8.self)
            if markdown.contains("Upvotes: 1") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(markdown.contains("Upvotes: 1"), "\(markdown.prefix(600))")

        // A paper imported through A's configuration is found on B within seconds: B's index follows the store.
        let second = work.appendingPathComponent("second.jsonl")
        try Data(kaggleTestLine(id(2), title: "Zymurgical follower \(run)").utf8).write(to: second)
        result = try shared(["import", "--data-dir", work.appendingPathComponent("a").path, second.path])
        #expect(result.status == 0, "\(result.stderr)")
        var found = false
        for _ in 0..<150 where !found {
            let (status, body) = try await b.get("/api/papers/search?q=zymurgical")
            found = status == 200 && String(decoding: body, as: UTF8.self).contains(id(2))
            if !found { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(found, "B's search never found the paper imported through A")
        #expect(await a.terminate() == 0)
        #expect(await b.terminate() == 0)
    }

    /// OAI-PMH pages in arXiv's format: `ids`, with a resumption token when more follow.
    static func oaiPage(_ ids: [String], token: String?) -> Data {
        let records = ids.map { id in
            """
            <record><header><identifier>oai:arXiv.org:\(id)</identifier><datestamp>2026-11-30</datestamp>\
            <setSpec>cs</setSpec></header><metadata><arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"><id>\(id)</id>\
            <version version="v1"><date>Mon, 30 Nov 2026 10:00:00 GMT</date><size>1kb</size></version>\
            <title>Harvested \(id)</title><authors>Ada Lovelace</authors><categories>cs.CL</categories>\
            <abstract>About \(id).</abstract></arXivRaw></metadata></record>
            """
        }
        let tokenXML = token.map { #"<resumptionToken completeListSize="4" cursor="0">\#($0)</resumptionToken>"# } ?? ""
        return Data(
            ("""
            <?xml version="1.0" encoding="UTF-8"?>
            <OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-12-01T10:00:00Z</responseDate>\
            <request verb="ListRecords">http://fake/oai</request><ListRecords>
            """ + records.joined() + tokenXML + "</ListRecords></OAI-PMH>").utf8)
    }

    /// The instance holding the harvest lease is killed (SIGKILL) while it waits for a page: the other instance
    /// takes the lease once it expires and finishes the list from the saved token.
    @Test func theOtherInstanceFinishesAHarvestWhoseHolderWasKilled() async throws {
        let token = "run\(run)|2"
        let firstPage = Self.oaiPage([id(11), id(12)], token: token)
        let lastPage = Self.oaiPage([id(13), id(14)], token: nil)
        let server = FakeArxivServer { request, index in
            guard request.query["resumptionToken"] == token else { return .body(firstPage) }
            // The first ask for page 2 (the second request of all) is never answered: its asker is killed meanwhile.
            return index == 1 ? .stall(seconds: 600, then: nil) : .body(lastPage)
        }
        try await server.start()
        defer { Task { await server.stop() } }
        let work = try temporaryDirectory()
        let arguments = ["--harvest-set", "cs", "--oai-url", server.baseURL + "/oai", "--arxiv-delay", "0"]
        let a = try serve(work, "a", arguments)
        let b = try serve(work, "b", arguments)
        defer {
            a.stop()
            b.stop()
        }
        _ = try await a.waitUntilListening()
        _ = try await b.waitUntilListening()
        // Exactly one of them harvests; the other says it stands by.
        var holder: ServeProcess?
        for _ in 0..<600 where holder == nil {
            if a.output.contains("holding the arXiv harvest lease") { holder = a }
            if b.output.contains("holding the arXiv harvest lease") { holder = b }
            if holder == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let victim = try #require(holder, "neither instance took the harvest lease:\n\(a.logTail())\n\(b.logTail())")
        let survivor = victim === a ? b : a
        for _ in 0..<600 where server.received.count < 2 { try await Task.sleep(for: .milliseconds(50)) }
        #expect(server.received.count == 2, "the holder asks for page 2 and waits")
        kill(victim.process.processIdentifier, SIGKILL)
        victim.process.waitUntilExit()

        // The survivor finishes: all four papers, the list no longer in flight.
        var state: [String: Any]?
        for _ in 0..<300 {
            let stats = try shared(["stats", "--json", "--data-dir", work.appendingPathComponent("stats").path])
            let object = try? JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any]
            state = (object?["harvests"] as? [[String: Any]])?.first {
                $0["endpoint"] as? String == server.baseURL + "/oai"
            }
            if state?["inFlight"] as? Bool == false, state?["recordsHarvested"] as? Int == 4 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(state?["inFlight"] as? Bool == false, "\(state ?? [:])\n\(survivor.logTail())")
        #expect(state?["recordsHarvested"] as? Int == 4, "\(state ?? [:])")
        #expect(survivor.output.contains("holding the arXiv harvest lease"), "\(survivor.logTail())")
        #expect(await survivor.terminate() == 0)
    }

    /// The confirmation link of a raw (quoted-printable) confirmation mail.
    static func confirmationLink(_ raw: String) -> String? {
        let text = raw.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=3D", with: "=")
        let pattern = try! NSRegularExpression(
            pattern: #"https?://[^\s"<>]+/subscribe/confirm\?token=[A-Za-z0-9_.~%-]+"#)
        guard let match = pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return nil }
        return Range(match.range, in: text).map { String(text[$0]) }
    }

    /// `paperboy digest send` run by two instances at once (own data folders, one database) sends each
    /// subscriber exactly one digest, to a real SMTP server.
    @Test(.enabled(if: testPython != nil, "PAPERBOY_TEST_PYTHON is not set: needs the SMTP test peer"))
    func aDigestBatchRunOnBothInstancesAtOnceSendsEachSubscriberOneMessage() async throws {
        let work = try temporaryDirectory()
        let listing = repositoryRoot.appendingPathComponent("Sources/DemoCorpus/Data/hf-papers-listing.txt").path
        let result = try shared([
            "import", "--data-dir", work.appendingPathComponent("import").path, "--date", "2026-05-30", listing,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let peer = try DigestPeer()
        defer { peer.stop() }
        // Subscribers confirmed through the web, on either instance.
        let a = try serve(work, "a", ["--smtp-url", peer.url])
        let b = try serve(work, "b", ["--smtp-url", peer.url])
        defer {
            a.stop()
            b.stop()
        }
        let client = HTTPClient()
        defer { client.invalidate() }
        try await a.waitUntilHealthy(client: client)
        try await b.waitUntilHealthy(client: client)
        let addresses = (0..<6).map { "reader\($0).\(run)@example.org" }
        let csrf = String(repeating: "ef", count: 32)
        for (i, address) in addresses.enumerated() {
            let server = i.isMultiple(of: 2) ? a : b
            let answer = try await client.send(
                "POST", server.base + "/subscribe",
                headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": "pb_csrf=\(csrf)"],
                body: formBody([("email", address), ("frequency", "daily"), ("csrf", csrf)]))
            #expect(answer.status == 200, "subscribe \(address): \(answer.status)")
        }
        for address in addresses {
            var link: String?
            for _ in 0..<100 where link == nil {
                link = peer.messages().first { headerValue("To", $0)?.contains(address) == true }
                    .flatMap(Self.confirmationLink)
                if link == nil { try await Task.sleep(for: .milliseconds(100)) }
            }
            let path = try #require(link.flatMap { URL(string: $0) }.map { $0.path + "?" + ($0.query ?? "") })
            let server = address.hasPrefix("reader1") ? a : b  // confirmed on the other instance than some
            let (status, _) = try await server.get(path)
            #expect(status == 200, "confirming \(address)")
        }
        #expect(await a.terminate() == 0)
        #expect(await b.terminate() == 0)

        // The batch, by both instances at once.
        func send(_ name: String) throws -> Process {
            let process = Process()
            process.executableURL = paperboyBinary
            process.arguments = [
                "digest", "send", "--period", "daily", "--as-of", "2026-05-30", "--smtp-url", peer.url, "--data-dir",
                work.appendingPathComponent(name).path, "--database-url", url, "--rate", "100",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        let senders = [try send("a"), try send("b")]
        for sender in senders { sender.waitUntilExit() }
        #expect(senders.allSatisfy { $0.terminationStatus == 0 })
        let digests = peer.messages().filter { !$0.contains("/subscribe/confirm?token=") }
        for address in addresses {
            let count = digests.filter { headerValue("To", $0)?.contains(address) == true }.count
            #expect(count == 1, "\(address) got \(count) digests")
        }
    }
}

/// Choosing the store: SQLite in the data folder without `--database-url`, and a PostgreSQL URL taken by every
/// command, without ever printing its password.
@Suite("choosing the store", .enabled(if: paperboyBinary != nil, "the paperboy binary was not built"))
struct StoreSelectionTests {
    @Test func withoutADatabaseURLTheStoreIsSQLiteInTheDataFolder() throws {
        let data = try temporaryDirectory().appendingPathComponent("data")
        let run = try paperboy(["stats", "--json", "--data-dir", data.path])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(object?["store"] as? String == "sqlite")
        #expect(object?["storeLocation"] as? String == data.appendingPathComponent("paperboy.sqlite").path)
    }

    @Test func aDatabaseURLIsCheckedAndItsPasswordNeverPrinted() throws {
        let data = try temporaryDirectory().appendingPathComponent("data").path
        var run = try paperboy(["stats", "--data-dir", data, "--database-url", "mysql://u:p@127.0.0.1/db"])
        #expect(run.status != 0 && run.stderr.contains("postgres://"), "\(run.stderr)")
        // Nothing listens on port 9: whatever this build can do with PostgreSQL, the command fails and says why.
        let url = "postgres://paperboy:hunter2@127.0.0.1:9/paperboy"
        for arguments in [["stats"], ["user", "token", "nobody"], ["digest", "preview"]] {
            run = try paperboy(arguments + ["--data-dir", data], environment: ["PAPERBOY_DATABASE_URL": url])
            #expect(run.status != 0, "\(arguments): \(run.stdout)")
            #expect(run.stderr.contains("PostgreSQL") || run.stderr.contains("postgres"), "\(run.stderr)")
            #expect(!run.stderr.contains("hunter2") && !run.stdout.contains("hunter2"), "\(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: data + "/paperboy.sqlite"), "no SQLite store was made")
        run = try paperboy(["backup", data + "-backup", "--data-dir", data, "--database-url", url])
        #expect(run.status != 0 && run.stderr.contains("pg_dump"), "\(run.stderr)")
    }

    /// A data folder's search index follows its store's change sequence, which is that store's own: when the store
    /// behind the folder is another one (here a copy of another store put in place; with PostgreSQL, a new or
    /// recreated database), the index is rebuilt from it instead of skipping its first changes.
    @Test func aSearchIndexBuiltFromAnotherStoreIsRebuilt() throws {
        let work = try temporaryDirectory()
        let a = work.appendingPathComponent("a").path, b = work.appendingPathComponent("b").path
        let alpha = work.appendingPathComponent("alpha.jsonl"), omega = work.appendingPathComponent("omega.jsonl")
        try Data(kaggleTestLine("2501.00001", title: "Alpha particles").utf8).write(to: alpha)
        try Data(kaggleTestLine("2501.00002", title: "Omega baryons").utf8).write(to: omega)
        var run = try paperboy(["import", "--data-dir", a, alpha.path])
        #expect(run.status == 0, "\(run.stderr)")
        run = try paperboy(["search", "--data-dir", a, "alpha"])
        #expect(run.status == 0 && run.stdout.contains("2501.00001"), "\(run.stdout)\(run.stderr)")
        run = try paperboy(["import", "--data-dir", b, omega.path])
        #expect(run.status == 0, "\(run.stderr)")
        run = try paperboy(["backup", work.appendingPathComponent("copy").path, "--data-dir", b])
        #expect(run.status == 0, "\(run.stderr)")
        // B's store takes A's place; A's index (at change 1 of A's store) stays.
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: a + "/paperboy.sqlite" + suffix)
        }
        try FileManager.default.copyItem(
            atPath: work.appendingPathComponent("copy/paperboy.sqlite").path, toPath: a + "/paperboy.sqlite")
        run = try paperboy(["search", "--data-dir", a, "omega"])
        #expect(run.status == 0 && run.stdout.contains("2501.00002"), "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains("built from another store"), "\(run.stderr)")
    }
}
