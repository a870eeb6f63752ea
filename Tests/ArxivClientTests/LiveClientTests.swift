import ArxivTestServer
import Foundation
import PaperModel
import Testing

@testable import ArxivClient

/// The live client against a fake arXiv on loopback: paging, politeness and faults. One test at a time, so the
/// timing tests do not compete with each other for the machine's two cores.
@Suite("Live client against a fake arXiv", .serialized, .enabled(if: Fixtures.available, Fixtures.missing))
struct LiveClientTests {
    /// Page 0 for a new harvest, page 1 for page 0's token, badResumptionToken for anything else.
    static func pagingScript() throws -> FakeArxivServer.Script {
        let page0 = try Fixtures.oai0(), page1 = try Fixtures.oai1()
        return { request, _ in
            switch request.query["resumptionToken"] {
            case nil: return .body(page0)
            case "2752941|1001": return .body(page1)
            default: return .body(Made.error("badResumptionToken", "no such token"))
            }
        }
    }

    @Test("a harvest: the first page's token leads to the second; 1,000 records each, 2,000 distinct")
    func harvestTwoPages() async throws {
        try await withFakeServer(try Self.pagingScript()) { server in
            try await withClient(makeClient(server)) { client in
                let request = OAIListRecords(from: Day("2018-06-01"), until: Day("2018-06-17"), set: "physics:hep-ph")
                let first = try await client.listRecords(request)
                let token = try #require(first.nextToken)
                let second = try await client.listRecords(.resuming(token))
                #expect(first.records.count == 1000 && second.records.count == 1000)
                #expect(Set((first.records + second.records).map(\.paper.id)).count == 2000)
                #expect(second.resumptionToken?.cursor == 1000)
                let received = server.received
                #expect(received.count == 2)
                #expect(received[0].path == "/oai")
                #expect(
                    received[0].query == [
                        "verb": "ListRecords", "metadataPrefix": "arXiv", "from": "2018-06-01", "until": "2018-06-17",
                        "set": "physics:hep-ph",
                    ])
                #expect(received[1].query == ["verb": "ListRecords", "resumptionToken": "2752941|1001"])
                let agent = try #require(received[0].headers["user-agent"])
                #expect(agent.hasPrefix("Paperboy/") && agent.contains("mailto:ops@paperboy.test"))
            }
        }
    }

    @Test("badResumptionToken is typed and not retried")
    func badToken() async throws {
        try await withFakeServer(try Self.pagingScript()) { server in
            try await withClient(makeClient(server)) { client in
                await #expect(throws: OAIError.badResumptionToken("no such token")) {
                    try await client.listRecords(.resuming("2752941|999999"))
                }
                #expect(server.received.count == 1)
            }
        }
    }

    @Test("noRecordsMatch is an empty final page; deletions surface")
    func noRecordsAndDeletions() async throws {
        let deleted = Made.listRecords(Made.deleted("0704.0001") + Made.deleted("math/0309136"))
        try await withFakeServer({ request, _ in
            request.query["set"] == "empty" ? .body(Made.error("noRecordsMatch", "nothing")) : .body(deleted)
        }) { server in
            try await withClient(makeClient(server)) { client in
                let empty = try await client.listRecords(OAIListRecords(set: "empty"))
                #expect(empty.records.isEmpty && empty.deletions.isEmpty && empty.isFinal)
                let page = try await client.listRecords(OAIListRecords(set: "cs"))
                #expect(page.deletions.map(\.paperID) == ["0704.0001", "math/0309136"])
                #expect(page.records.isEmpty && page.isFinal)
                #expect(server.received.count == 2)
            }
        }
    }

    @Test("a malformed record among good ones is skipped and reported; the page is returned")
    func malformedRecordOverHTTP() async throws {
        let body = try Fixtures.replacing("<id>0704.0500</id>", with: "<id>0704.9</id>", in: try Fixtures.oai0())
        try await withFakeServer({ _, _ in .body(body) }) { server in
            try await withClient(makeClient(server)) { client in
                let page = try await client.listRecords(OAIListRecords())
                #expect(page.records.count == 999)
                #expect(page.skipped.map(\.identifier) == ["oai:arXiv.org:0704.0500"])
                #expect(server.received.count == 1)
            }
        }
    }

    @Test("an OAI error sent with a 4xx status is still typed; another 4xx is not retried")
    func clientErrors() async throws {
        try await withFakeServer({ request, _ in
            request.query["set"] == "bad"
                ? .body(Made.error("badArgument", "Illegal set"), status: 400)
                : .body(Data("<html><body>Not Found</body></html>".utf8), status: 404, contentType: "text/html")
        }) { server in
            try await withClient(makeClient(server)) { client in
                await #expect(throws: OAIError.badArgument("Illegal set")) {
                    try await client.listRecords(OAIListRecords(set: "bad"))
                }
                do {
                    _ = try await client.listRecords(OAIListRecords(set: "cs"))
                    Issue.record("a 404 was accepted")
                } catch ArxivClientError.httpStatus(let status, let body) {
                    #expect(status == 404 && body.contains("Not Found"))
                }
                #expect(server.received.count == 2)
            }
        }
    }

    @Test("concurrent callers queue: the server still sees requests `delay` apart")
    func concurrentSpacing() async throws {
        let small = try Fixtures.data("oai/functional__arxiv__fixtures__http_server__records__arxiv-physics-hep-ex.xml")
        let delay = 0.2
        try await withFakeServer({ _, _ in .body(small) }) { server in
            try await withClient(makeClient(server, delay: delay, clock: SystemArxivClock())) { client in
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<4 { group.addTask { try await client.listRecords(OAIListRecords()).records.count } }
                    for try await count in group { #expect(count == 3) }
                }
                let times = server.received.map(\.at).sorted()
                #expect(times.count == 4)
                for (a, b) in zip(times, times.dropFirst()) {
                    #expect(b - a >= delay, "requests \(b - a) s apart")
                }
            }
        }
    }

    @Test("requests are spaced at least `delay` apart, by the server's own clock")
    func realSpacing() async throws {
        let small = try Fixtures.data("oai/functional__arxiv__fixtures__http_server__records__arxiv-physics-hep-th.xml")
        let delay = 0.25
        try await withFakeServer({ _, _ in .body(small) }) { server in
            try await withClient(makeClient(server, delay: delay, clock: SystemArxivClock())) { client in
                for _ in 0..<4 { _ = try await client.listRecords(OAIListRecords(set: "physics:hep-th")) }
                let times = server.received.map(\.at)
                #expect(times.count == 4)
                for (a, b) in zip(times, times.dropFirst()) {
                    #expect(b - a >= delay, "requests \(b - a) s apart")
                }
            }
        }
    }

    @Test("spacing on an injected clock: each request waits `delay` after the previous")
    func clockSpacing() async throws {
        let small = try Fixtures.data("oai/functional__arxiv__fixtures__http_server__records__arxiv-physics-hep-th.xml")
        let clock = ManualClock()
        try await withFakeServer({ _, _ in .body(small) }) { server in
            try await withClient(makeClient(server, delay: 3, clock: clock)) { client in
                for _ in 0..<3 { _ = try await client.listRecords(OAIListRecords()) }
                #expect(clock.sleeps == [3, 3])
                #expect(server.received.count == 3)
            }
        }
    }

    @Test("503 with Retry-After in seconds is honoured, then the page arrives")
    func retryAfterSeconds() async throws {
        let page0 = try Fixtures.oai0()
        let clock = ManualClock()
        try await withFakeServer({ _, index in
            index == 0
                ? .body(Data("busy".utf8), status: 503, contentType: "text/plain", headers: [("Retry-After", "7")])
                : .body(page0)
        }) { server in
            try await withClient(makeClient(server, delay: 3, clock: clock)) { client in
                let page = try await client.listRecords(OAIListRecords())
                #expect(page.records.count == 1000)
                #expect(server.received.count == 2)
                #expect(clock.sleeps == [7])
                // The hold applies to the next request too: it still waits the delay after the retry.
                _ = try await client.listRecords(OAIListRecords())
                #expect(clock.sleeps == [7, 3])
            }
        }
    }

    @Test("503 with Retry-After as an HTTP-date is honoured")
    func retryAfterDate() async throws {
        let page0 = try Fixtures.oai0()
        let clock = ManualClock()  // 2026-12-01T12:00:00Z
        try await withFakeServer({ _, index in
            index == 0
                ? .body(
                    Data(), status: 503, contentType: "text/plain",
                    headers: [("Retry-After", "Tue, 01 Dec 2026 12:00:42 GMT")])
                : .body(page0)
        }) { server in
            try await withClient(makeClient(server, clock: clock)) { client in
                let page = try await client.listRecords(OAIListRecords())
                #expect(page.records.count == 1000)
                #expect(server.received.count == 2)
                #expect(clock.sleeps == [42])
            }
        }
    }

    @Test("other 5xx are retried with exponential backoff, capped, and the attempts are bounded")
    func bounded5xx() async throws {
        let clock = ManualClock()
        try await withFakeServer({ _, _ in .body(Data("oops".utf8), status: 500, contentType: "text/plain") }) {
            server in
            try await withClient(makeClient(server, maxAttempts: 5, initialBackoff: 1, maxBackoff: 3, clock: clock)) {
                client in
                await #expect(throws: ArxivClientError.retriesExhausted(attempts: 5, last: "HTTP 500")) {
                    try await client.listRecords(OAIListRecords())
                }
                #expect(server.received.count == 5)
                #expect(clock.sleeps == [1, 2, 3, 3])
            }
        }
    }

    @Test("502 then 504 then the page")
    func recovers5xx() async throws {
        let page1 = try Fixtures.oai1()
        let clock = ManualClock()
        try await withFakeServer({ _, index in
            index < 2 ? .body(Data(), status: index == 0 ? 502 : 504, contentType: "text/plain") : .body(page1)
        }) { server in
            try await withClient(makeClient(server, clock: clock)) { client in
                let page = try await client.listRecords(OAIListRecords())
                #expect(page.records.count == 1000)
                #expect(server.received.count == 3)
                #expect(clock.sleeps == [1, 2])
            }
        }
    }

    @Test("a connection reset mid-body is retried")
    func resetMidBody() async throws {
        let page0 = try Fixtures.oai0()
        try await withFakeServer({ _, index in
            index == 0 ? .resetMidBody(page0, bytes: page0.count / 3) : .body(page0)
        }) { server in
            try await withClient(makeClient(server)) { client in
                let page = try await client.listRecords(OAIListRecords())
                #expect(page.records.count == 1000)
                #expect(server.received.count == 2)
            }
        }
    }

    @Test("truncated XML is retried, never half-returned")
    func truncated() async throws {
        let page0 = try Fixtures.oai0()
        try await withFakeServer({ _, index in
            index == 0 ? .body(page0.prefix(page0.count / 2)) : .body(page0)
        }) { server in
            try await withClient(makeClient(server)) { client in
                let page = try await client.listRecords(OAIListRecords())
                #expect(page.records.count == 1000)
                #expect(server.received.count == 2)
            }
        }
    }

    @Test("an HTML error page with status 200 is malformed: retried, then given up")
    func htmlPage() async throws {
        try await withFakeServer({ _, _ in .body(Made.htmlErrorPage, contentType: "text/html") }) { server in
            try await withClient(makeClient(server, maxAttempts: 3)) { client in
                do {
                    _ = try await client.listRecords(OAIListRecords())
                    Issue.record("an HTML page was accepted")
                } catch ArxivClientError.retriesExhausted(let attempts, let last) {
                    #expect(attempts == 3)
                    #expect(last.contains("OAI-PMH"))
                }
                #expect(server.received.count == 3)
            }
        }
    }

    @Test("a server that stalls past the read timeout is timed out and retried")
    func stall() async throws {
        let page0 = try Fixtures.oai0()
        try await withFakeServer({ _, index in
            index == 0 ? .stall(seconds: 12, then: .body(page0)) : .body(page0)
        }) { server in
            try await withClient(makeClient(server, readTimeout: 3)) { client in
                let started = Date()
                let page = try await client.listRecords(OAIListRecords())
                #expect(page.records.count == 1000)
                #expect(server.received.count == 2)
                #expect(Date().timeIntervalSince(started) < 11)
            }
        }
    }

    @Test("a server that always stalls: bounded attempts, then an error")
    func alwaysStalls() async throws {
        try await withFakeServer({ _, _ in .stall(seconds: 10, then: nil) }) { server in
            try await withClient(makeClient(server, maxAttempts: 2, readTimeout: 0.2)) { client in
                await #expect(throws: ArxivClientError.self) { try await client.listRecords(OAIListRecords()) }
                #expect(server.received.count == 2)
            }
        }
    }

    @Test("connection refused: bounded attempts, then an error")
    func refused() async throws {
        // Bind and release a port, so nothing listens there.
        let server = FakeArxivServer { _, _ in .body(Data()) }
        try await server.start()
        await server.stop()
        let clock = ManualClock()
        try await withClient(makeClient(server, maxAttempts: 2, clock: clock)) { client in
            await #expect(throws: ArxivClientError.self) { try await client.listRecords(OAIListRecords()) }
            #expect(clock.sleeps == [1])
        }
    }

    @Test("query API: id_list lookups, an unknown id, the HTTP 400 error entry, title search")
    func queryAPI() async throws {
        let versioned = try Fixtures.atom("id_list=1111.2011v2.xml")
        let oldStyle = try Fixtures.atom("id_astro-ph_0601001_s0_m100_3150dca9dc76.body.xml")
        let empty = try Fixtures.atom("id_0000.0000_s0_m100_8b51d9633a68.body.xml")
        let error = try Fixtures.atom("id_abc_s0_m100_b79c8dcf6bc3.body.xml")
        let search = try Fixtures.atom("search_query=au:del_maestro+AND+ti:quantum+criticality.xml")
        try await withFakeServer({ request, _ in
            guard request.path == "/api/query" else { return .body(Data(), status: 404) }
            switch request.query["id_list"] {
            case "1111.2011v2": return .body(versioned, contentType: "application/atom+xml")
            case "astro-ph/0601001": return .body(oldStyle, contentType: "application/atom+xml")
            case "0000.0000": return .body(empty, contentType: "application/atom+xml")
            case "abc": return .body(error, status: 400, contentType: "application/atom+xml")
            default: return .body(search, contentType: "application/atom+xml")
            }
        }) { server in
            try await withClient(makeClient(server)) { client in
                let papers = try await client.lookup(ids: ["arXiv:1111.2011v2"])
                #expect(papers.map(\.paper.id) == ["1111.2011"])
                #expect(papers.first?.paper.authors.count == 3)
                #expect(papers.first?.pdfURL == "http://arxiv.org/pdf/1111.2011v2")
                let old = try await client.lookup(ids: ["astro-ph/0601001"])
                #expect(old.first?.paper.version == 1)
                let unknown = try await client.lookup(ids: ["0000.0000"])
                #expect(unknown.isEmpty)
                await #expect(
                    throws: ArxivAPIError(
                        id: "https://arxiv.org/api/errors#incorrect_id_format_for_abc",
                        message: "incorrect id format for abc",
                        httpStatus: 400)
                ) { try await client.lookup(ids: ["abc"]) }
                let found = try await client.search(title: "quantum criticality", maxResults: 5)
                #expect(!found.entries.isEmpty)
                let received = server.received
                #expect(received.count == 5)  // the 400 is not retried
                #expect(received[0].query["max_results"] == "1")
                #expect(received[4].query["search_query"] == "ti:quantum AND ti:criticality")
                #expect(received[4].query["max_results"] == "5" && received[4].query["start"] == "0")
            }
        }
    }

    @Test("the replay service answers from recorded pages through the same parsers")
    func replay() async throws {
        let replay = ReplayArxivService(oaiPages: [try Fixtures.oai0(), try Fixtures.oai1()])
        var pages: [OAIPage] = [try await replay.listRecords(OAIListRecords())]
        while let token = pages.last?.nextToken, pages.count < 5 {
            do {
                pages.append(try await replay.listRecords(.resuming(token)))
            } catch OAIError.badResumptionToken {
                break  // page 1's token has no recorded page after it
            }
        }
        #expect(pages.map(\.records.count) == [1000, 1000])
        #expect(replay.requests.count == 3)
        #expect(replay.requests[1] == .listRecords(.resuming("2752941|1001")))
    }
}
