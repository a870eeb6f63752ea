import ArxivTestServer
import Foundation
import Testing

@testable import ArxivClient

/// The recorded arXiv responses in `<repo>/../shared/data/arxiv/fixtures`.
enum Fixtures {
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data/arxiv/fixtures")

    static var available: Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent("oai/0.xml").path)
    }

    static let missing: Comment = "shared arXiv fixtures not found at <repo>/../shared/data/arxiv/fixtures: skipped"

    static func data(_ relative: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(relative))
    }

    static func oai0() throws -> Data { try data("oai/0.xml") }
    static func oai1() throws -> Data { try data("oai/1.xml") }
    static func atom(_ name: String) throws -> Data { try data("atom/" + name) }

    /// Replaces the first occurrence of `target` (which must be there).
    static func replacing(_ target: String, with replacement: String, in data: Data) throws -> Data {
        let text = String(decoding: data, as: UTF8.self)
        let range = try #require(text.range(of: target), "fixture does not contain \(target)")
        return Data(text.replacingCharacters(in: range, with: replacement).utf8)
    }
}

/// OAI-PMH answers made here (the shared fixtures have no errors, deletions or arXivRaw records).
enum Made {
    static let head = """
        <?xml version="1.0" encoding="UTF-8"?>
        <OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
        <responseDate>2026-12-01T10:00:00Z</responseDate>
        """

    static func error(_ code: String, _ message: String = "an error") -> Data {
        Data(
            (head
                + #"<request verb="ListRecords">http://fake/oai</request><error code="\#(code)">\#(message)</error></OAI-PMH>"#)
                .utf8)
    }

    static func listRecords(_ records: String, token: String = "") -> Data {
        Data(
            (head + #"<request verb="ListRecords">http://fake/oai</request><ListRecords>"# + records + token
                + "</ListRecords></OAI-PMH>").utf8)
    }

    static func deleted(_ id: String, datestamp: String = "2026-11-30") -> String {
        """
        <record><header status="deleted"><identifier>oai:arXiv.org:\(id)</identifier><datestamp>\(datestamp)</datestamp>\
        <setSpec>cs</setSpec></header></record>
        """
    }

    /// An arXivRaw record in the format arXiv documents (http://arxiv.org/OAI/arXivRaw.xsd).
    static func raw(
        id: String, versions: [(String, String)], title: String = "A Raw Record", datestamp: String = "2026-11-29"
    ) -> String {
        let versionXML = versions.map {
            #"<version version="\#($0.0)"><date>\#($0.1)</date><size>12kb</size><source_type>D</source_type></version>"#
        }
        .joined()
        return """
            <record><header><identifier>oai:arXiv.org:\(id)</identifier><datestamp>\(datestamp)</datestamp>\
            <setSpec>cs</setSpec></header><metadata>\
            <arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"><id>\(id)</id><submitter>Ada Lovelace</submitter>\(versionXML)\
            <title>\(title)</title><authors>Ada Lovelace, Charles Babbage and Mary
              Somerville</authors><categories>cs.LG stat.ML</categories><comments>Code at https://github.com/example/raw.</comments>\
            <license>http://creativecommons.org/licenses/by/4.0/</license><abstract>  We study
            raw records.
            </abstract></arXivRaw></metadata></record>
            """
    }

    static let htmlErrorPage = Data(
        """
        <!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1>\
        <p>The server is temporarily unable to service your request.</body></html>
        """.utf8)
}

/// A clock whose time moves only when someone sleeps on it: delays and backoffs are recorded, not waited.
final class ManualClock: ArxivClock, @unchecked Sendable {
    private let lock = NSLock()
    private var time: Double = 1_000
    private var wall: Date
    private var log: [Double] = []

    init(date: Date = Date(timeIntervalSince1970: 1_796_126_400)) {  // 2026-12-01T12:00:00Z
        wall = date
    }

    func now() -> Double {
        lock.lock()
        defer { lock.unlock() }
        return time
    }

    func date() -> Date {
        lock.lock()
        defer { lock.unlock() }
        return wall
    }

    func sleep(seconds: Double) async throws {
        lock.withLock {
            log.append(seconds)
            time += seconds
            wall += seconds
        }
    }

    var sleeps: [Double] {
        lock.lock()
        defer { lock.unlock() }
        return log
    }
}

/// Starts a fake server with `script`, runs `body` against it and stops the server.
func withFakeServer<T>(
    _ script: @escaping FakeArxivServer.Script, _ body: (FakeArxivServer) async throws -> T
) async throws -> T {
    let server = FakeArxivServer(script: script)
    try await server.start()
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// A live client against `server` with test-sized politeness.
func makeClient(
    _ server: FakeArxivServer, delay: Double = 0, maxAttempts: Int = 4, initialBackoff: Double = 1,
    maxBackoff: Double = 3,
    readTimeout: Double = 120, clock: any ArxivClock = ManualClock()
) -> LiveArxivService {
    LiveArxivService(
        configuration: ArxivClientConfiguration(
            oaiBaseURL: server.baseURL + "/oai", queryBaseURL: server.baseURL + "/api/query",
            contact: "ops@paperboy.test",
            politeness: PolitenessPolicy(
                delay: delay, maxAttempts: maxAttempts, initialBackoff: initialBackoff, maxBackoff: maxBackoff),
            // Generous unless a test is about timeouts: the whole suite runs in parallel on 2 cores, and a
            // timeout that fires under load is a retry that the request counts of the tests do not expect.
            connectTimeout: 30, readTimeout: readTimeout, requestTimeout: max(300, readTimeout * 2)),
        clock: clock)
}

/// Runs `body` with a client and shuts the client down.
func withClient<T>(_ client: LiveArxivService, _ body: (LiveArxivService) async throws -> T) async throws -> T {
    do {
        let result = try await body(client)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}
