import Foundation
import Hummingbird
import HummingbirdTesting
import PaperModel
import PaperServices
import PaperStore
import PaperTestSupport
import Testing

@testable import PaperWeb

/// Word-count vectors over a tiny vocabulary: enough to make "similar papers" deterministic without a model.
struct VocabularyEmbedder: TextEmbedder {
    let identity = "vocabulary@test"
    static let words = ["language", "vision", "speech", "protein", "model", "video", "code", "survey"]
    var dimension: Int { Self.words.count }

    func embed(_ texts: [String]) throws -> [[Float]] {
        texts.map { text in
            let lower = text.lowercased()
            var v = Self.words.map { Float(lower.components(separatedBy: $0).count - 1) }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            v = norm > 0 ? v.map { $0 / norm } : v.map { _ in 1 / Float(Self.words.count).squareRoot() }
            return v
        }
    }
}

func withSearchApp(
    embedder: (any TextEmbedder)? = nil, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
) async throws {
    let store = try await makeFixtureStore()
    if let embedder { _ = try await EmbeddingIndexer(store: store, embedder: embedder).catchUp() }
    let engine = try PaperSearchEngine(store: store, directory: nil, embedder: embedder)
    try await engine.catchUp()
    let router = try await buildRouter(store: store, search: engine)
    try await Application(router: router).test(.router, body)
}

@Suite("Search page")
struct SearchPageTests {
    @Test func emptyQueryShowsTheForm() async throws {
        try await withSearchApp { client in
            try await client.execute(uri: "/papers", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("<form class=\"search-panel\""))
                #expect(!response.text.contains("class=\"card\""))
            }
        }
    }

    @Test func resultsAreHighlightedAndLinked() async throws {
        let vidlankd = LocalPaperID.make(
            title: "VidLanKD: Improving Language Understanding via Video-Distilled Knowledge Transfer")
        try await withSearchApp { client in
            try await client.execute(uri: "/papers?q=VidLanKD+language", method: .get) { response in
                #expect(response.status == .ok)
                let html = response.text
                #expect(html.contains("value=\"VidLanKD language\""))
                #expect(html.contains("href=\"/papers/\(vidlankd)\""))
                #expect(html.contains("<mark>VidLanKD</mark>"))
                #expect(html.contains("lexical search"))
            }
            // Escaping survives highlighting.
            try await client.execute(uri: "/papers?q=escaped", method: .get) { response in
                #expect(response.text.contains("An &lt;i&gt;<mark>escaped</mark>&lt;/i&gt; paper"))
            }
        }
    }

    @Test func formEncodingPlusIsASpace() {
        let query = FormQuery("q=reward+models%2B%2B&cat=cs.CL&q=second&empty=&flag")
        #expect(query["q"] == "reward models++")
        #expect(query["cat"] == "cs.CL")
        #expect(query["empty"] == "")
        #expect(query["flag"] == "")
        #expect(query["missing"] == nil)
    }

    @Test func filtersAndSorting() async throws {
        try await withSearchApp { client in
            try await client.execute(uri: "/papers?q=strings+OR+paper&cat=hep-th", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("href=\"/papers/hep-th/9901001\""))
                #expect(!response.text.contains("href=\"/papers/2605.00001\""))
            }
            try await client.execute(uri: "/papers?q=language+models&code=1", method: .get) { response in
                #expect(response.status == .ok)
                let cards = response.text.components(separatedBy: "class=\"card\"").count - 1
                let codeLinks = response.text.components(separatedBy: "class=\"code-link\"").count - 1
                #expect(cards > 0 && cards == codeLinks)
            }
            try await client.execute(uri: "/papers?q=language&sort=newest&from=2026-05-28&to=2026-05-28", method: .get)
            { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test(
        "bad queries never crash",
        arguments: [
            ("/papers?q=" + String(repeating: "a", count: 10_000), HTTPResponse.Status.badRequest),
            ("/papers?q=%22unbalanced+quote", .ok),
            ("/papers?q=the+of+and", .ok),
            ("/papers?q=%01%02%7F+language", .ok),
            ("/papers?q=-only+-exclusions", .ok),
            ("/papers?q=x&from=2026-13-01", .badRequest),
            ("/papers?q=x&mode=bogus", .badRequest),
            ("/papers?q=x&sort=random", .badRequest),
            ("/papers?q=x&cat=%3Cscript%3E", .badRequest),
            ("/papers?q=x&mode=semantic", .badRequest),
        ])
    func badQueries(uri: String, status: HTTPResponse.Status) async throws {
        try await withSearchApp { client in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == status)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            }
        }
    }

    @Test func hybridSearchAndSimilarPapersWithAModel() async throws {
        try await withSearchApp(embedder: VocabularyEmbedder()) { client in
            try await client.execute(uri: "/papers?q=protein+language+model", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("hybrid search"))
                #expect(
                    response.text.contains("Long-context <mark>Protein</mark> <mark>Language</mark> <mark>Model</mark>")
                )
            }
            try await client.execute(uri: "/healthz", method: .get) { response in
                let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let search = json?["search"] as? [String: Any]
                #expect(search?["indexedPapers"] as? Int == 140)
                #expect(search?["embeddedPapers"] as? Int == 140)
            }
            let protein = LocalPaperID.make(title: "Long-context Protein Language Model")
            try await client.execute(uri: "/papers/\(protein)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("Similar papers"))
            }
        }
    }
}
