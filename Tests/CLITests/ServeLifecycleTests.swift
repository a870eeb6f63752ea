import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

@Suite("serve: lifecycle, timeouts and metrics", .serialized)
struct ServeLifecycleTests {
    /// The port opens before the search index has caught up with the store, the index catches up in the
    /// background while /healthz says so, SIGTERM stops it with status 0 and no error, and the address it
    /// served at is what `digest preview` links to afterwards.
    @Test func opensItsPortFirstCatchesUpThenStopsCleanlyOnSIGTERM() async throws {
        let data = try temporaryDirectory()
        let server = try ServeProcess(
            data: data.path, workDirectory: data, arguments: ["--public-url", "https://papers.example.org"])
        let first = try await server.waitUntilListening()
        let paperCount = first["paperCount"] as? Int ?? 0
        #expect(paperCount > 3_000, "the demo corpus was imported")
        // Wait for the background catch-up.
        var search: [String: Any] = [:]
        for _ in 0..<600 {
            let (_, body) = try await server.get("/healthz")
            search =
                (try JSONSerialization.jsonObject(with: body) as? [String: Any])?["search"] as? [String: Any] ?? [:]
            if search["mode"] as? String != "indexing" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(search["mode"] as? String == "lexical-only")
        #expect(search["indexedPapers"] as? Int == paperCount)
        let (status, page) = try await server.get("/papers?q=language+models")
        #expect(status == 200 && String(decoding: page, as: UTF8.self).contains("class=\"card\""))

        // The server listened before the index was caught up: the listening line comes before the indexing one.
        let log = server.output
        let listening = try #require(log.range(of: "Server started and listening"), "\(log)")
        let indexed = try #require(log.range(of: "search index updated"), "\(log)")
        #expect(listening.lowerBound < indexed.lowerBound, "\(log)")

        let exit = await server.terminate()
        #expect(exit == 0, "\(server.output)")
        #expect(!server.output.contains("CancellationError"), "\(server.output)")
        #expect(server.output.contains("stopped"))

        // `digest preview` on the same data folder links to the address serve was reached at.
        let html = data.appendingPathComponent("preview.html").path
        let run = try paperboy(["digest", "preview", "--data-dir", data.path, "--output", html])
        #expect(run.status == 0, "\(run.stderr)")
        let preview = try String(contentsOfFile: html, encoding: .utf8)
        #expect(preview.contains("https://papers.example.org/papers/"), "\(preview.prefix(400))")
        #expect(!preview.contains("127.0.0.1:8080"))
    }

    /// A connection that stalls halfway through a request's head is closed after the idle timeout, and the
    /// server keeps serving others.
    @Test func halfSentRequestsAreClosedAfterTheIdleTimeout() async throws {
        let work = try temporaryDirectory()
        let server = try ServeProcess(
            data: work.path, workDirectory: work, arguments: ["--no-demo", "--idle-timeout", "1"])
        _ = try await server.waitUntilListening()
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(server.port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        #expect(connected == 0)
        let partial = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
        _ = partial.withCString { send(fd, $0, strlen($0), 0) }
        // At most 10 s of waiting for the server to close: recv returns 0 (EOF) when it does.
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let started = Date()
        var buffer = [UInt8](repeating: 0, count: 512)
        let received = recv(fd, &buffer, buffer.count, 0)
        let waited = Date().timeIntervalSince(started)
        #expect(received == 0, "the server closed the stalled connection (recv returned \(received))")
        #expect(waited < 9, "closed after \(waited) s")
        let (status, _) = try await server.get("/healthz")
        #expect(status == 200)
        #expect(await server.terminate() == 0)
    }

    /// `/metrics` speaks the Prometheus text format: request counts and latency histograms by route and status.
    @Test func metricsCountRequestsByRouteAndStatus() async throws {
        let work = try temporaryDirectory()
        let server = try ServeProcess(data: work.path, workDirectory: work, arguments: ["--no-demo"])
        _ = try await server.waitUntilListening()
        for _ in 0..<3 { _ = try await server.get("/papers/2605.99999") }
        _ = try await server.get("/about")
        let (status, body) = try await server.get("/metrics")
        let text = String(decoding: body, as: UTF8.self)
        #expect(status == 200)
        #expect(text.contains("# TYPE hb_requests counter"), "\(text.prefix(2000))")
        let notFound = text.split(separator: "\n").first {
            $0.hasPrefix("hb_requests{") && $0.contains("http_route=\"/papers/{id}\"")
                && $0.contains("http_response_status_code=\"404\"")
        }
        #expect(notFound?.hasSuffix(" 3") == true, "\(text.prefix(3000))")
        #expect(text.contains("http_server_request_duration_bucket{"))
        #expect(text.contains("paperboy_search_index_lag"))
        #expect(await server.terminate() == 0)
    }

    /// BEIR corpora may have documents without a title; evaluation takes them (BEIR itself does).
    @Test func evalBEIRAcceptsDocumentsWithoutATitle() throws {
        let dir = try temporaryDirectory()
        try """
        {"_id": "1", "title": "Graph neural networks", "text": "Message passing over molecular graphs."}
        {"_id": "3193", "title": "", "text": "Protein folding with attention over residues."}
        {"_id": "7", "title": "Speech", "text": "Acoustic models for speech recognition."}
        """.write(to: dir.appendingPathComponent("corpus.jsonl"), atomically: true, encoding: .utf8)
        try """
        {"_id": "q1", "text": "protein folding attention"}
        {"_id": "q2", "text": "molecular graphs"}
        """.write(to: dir.appendingPathComponent("queries.jsonl"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("qrels"), withIntermediateDirectories: true)
        try "query-id\tcorpus-id\tscore\nq1\t3193\t1\nq2\t1\t1\n"
            .write(to: dir.appendingPathComponent("qrels/test.tsv"), atomically: true, encoding: .utf8)
        let run = try paperboy(["eval", "beir", dir.path, "--mode", "lexical", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("1 documents have no title"))
        let rows = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]], "\(run.stdout)")
        let lexical = try #require(rows.first { $0["mode"] as? String == "lexical" }, "\(rows)")
        // Both queries find their document first, the untitled one included.
        #expect(lexical["ndcg@10"] as? Double == 1.0, "\(rows)")
        #expect(lexical["queries"] as? Int == 2)
    }
}
