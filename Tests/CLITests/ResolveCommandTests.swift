import ArxivTestServer
import Foundation
import PaperModel
import PaperStore
import Testing

/// `paperboy resolve` against a fake arXiv query API answering made-up Atom feeds.
@Suite("resolve against a fake arXiv", .serialized)
struct ResolveCommandTests {
    static let title = "Same Pre-training Loss, Better Downstream: Implicit Bias Matters for Language Models"

    static func feed(_ entries: [(id: String, title: String)]) -> Data {
        let items = entries.map { entry in
            """
              <entry>
                <id>http://arxiv.org/abs/\(entry.id)v2</id>
                <updated>2022-11-01T00:00:00Z</updated>
                <published>2022-10-25T00:00:00Z</published>
                <title>\(entry.title)</title>
                <summary>Language modeling on large-scale datasets leads to impressive performance gains.</summary>
                <author><name>Hong Liu</name></author>
                <author><name>Tengyu Ma</name></author>
                <link href="http://arxiv.org/abs/\(entry.id)v2" rel="alternate" type="text/html"/>
                <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
                <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
              </entry>
            """
        }.joined(separator: "\n")
        return Data(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
              <title>arXiv Query</title>
              <id>http://arxiv.org/api/made-up</id>
              <updated>2026-06-01T00:00:00Z</updated>
              <opensearch:totalResults>\(entries.count)</opensearch:totalResults>
              <opensearch:startIndex>0</opensearch:startIndex>
              <opensearch:itemsPerPage>5</opensearch:itemsPerPage>
            \(items)
            </feed>
            """.utf8)
    }

    @Test func aListingPaperFoundByTitleBecomesTheArxivPaper() async throws {
        let work = try temporaryDirectory()
        let data = work.appendingPathComponent("data")
        let listing = work.appendingPathComponent("listing.txt")
        try """
        May 30

        \(Self.title)

        Language modeling on large-scale datasets leads to impressive performance gains.

        A Paper No One Has Heard Of

        An abstract that arXiv does not know.

        """.write(to: listing, atomically: true, encoding: .utf8)
        var run = try paperboy([
            "import", "--data-dir", data.path, "--format", "listing", "--date", "2026-05-30", listing.path,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let local = LocalPaperID.make(title: Self.title)
        let unknown = LocalPaperID.make(title: "A Paper No One Has Heard Of")
        let user = try SQLitePaperStore.open(directory: data)
        _ = try await user.createUser(username: "ada", displayName: "Ada", role: .member, passwordHash: nil)
        try await user.setUpvote(paperID: local, username: "ada", upvoted: true)

        // The query API knows the first title (its title broken over a line, as arXiv writes them).
        let brokenTitle = "Same Pre-training Loss, Better Downstream:\n  Implicit Bias Matters for Language Models"
        let server = FakeArxivServer { request, _ in
            let query = request.query["search_query"] ?? ""
            return query.contains("Downstream")
                ? .body(Self.feed([("2210.14199", brokenTitle), ("2210.99999", "Same Loss")]))
                : .body(Self.feed([]))
        }
        try await server.start()
        defer { Task { await server.stop() } }
        run = try paperboy([
            "resolve", "--data-dir", data.path, "--api-url", server.baseURL + "/api/query", "--delay", "0",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\(local)\t2210.14199"), "\(run.stdout)")
        #expect(
            run.stdout.contains("2 listing papers: 1 resolved, 1 not found, 0 ambiguous, 0 failed"), "\(run.stdout)")
        #expect(server.received.count == 2)
        #expect(
            server.received.allSatisfy { $0.query["search_query"]?.contains("ti:") == true },
            "\(server.received.map(\.query))")

        let store = try SQLitePaperStore.open(directory: data)
        #expect(try await store.alias(of: local) == "2210.14199")
        #expect(try await store.paper(id: local) == nil)
        let paper = try #require(try await store.paper(id: "2210.14199"))
        #expect(paper.authors == ["Hong Liu", "Tengyu Ma"] && paper.version == 2)
        #expect(try await store.upvoteCount(paperID: "2210.14199") == 1)
        #expect(try await store.submission(paperID: "2210.14199")?.day == Day("2026-05-30"))
        #expect(try await store.paper(id: "2210.99999") == nil, "a result with another title is not stored")
        #expect(try await store.localPapers().map(\.id) == [unknown])

        // Again: only the unresolved paper is looked up.
        run = try paperboy([
            "resolve", "--data-dir", data.path, "--api-url", server.baseURL + "/api/query", "--delay", "0",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("1 listing papers: 0 resolved, 1 not found"), "\(run.stdout)")
        #expect(server.received.count == 3)
    }
}
