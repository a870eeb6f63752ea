import Foundation
import LexicalIndex
import PaperModel
import PaperStore
import Testing

@testable import PaperServices

/// Counts a few topic words: vectors that make "meaning" checkable without a model.
struct TopicEmbedder: TextEmbedder {
    let identity = "topics@1"
    static let topics = ["protein", "vision", "speech", "graph"]
    var dimension: Int { Self.topics.count + 1 }

    func embed(_ texts: [String]) throws -> [[Float]] {
        texts.map { text in
            let lower = text.lowercased()
            var v = Self.topics.map { Float(lower.components(separatedBy: $0).count - 1) } + [0.1]
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            v = v.map { $0 / norm }
            return v
        }
    }
}

func filler(_ n: Int) -> String { (1...n).map { "filler\($0 % 50)" }.joined(separator: " ") }

func engineFixture() async throws -> (SQLitePaperStore, PaperSearchEngine) {
    let store = try SQLitePaperStore.inMemory()
    try await store.upsert([
        Paper(
            id: "2501.00001", title: "Long study", abstract: filler(300) + " protein protein folding",
            categories: ["q-bio.BM"], publishedAt: Day("2025-01-10")!.startDate),
        Paper(
            id: "2501.00002", title: "Speech recognition", abstract: "We study speech with https://github.com/o/r.",
            categories: ["cs.CL"], publishedAt: Day("2025-01-12")!.startDate),
        Paper(
            id: "2501.00003", title: "Graph networks", abstract: "Graph learning for vision.",
            categories: ["cs.LG"], publishedAt: Day("2025-01-14")!.startDate),
    ])
    _ = try await EmbeddingIndexer(store: store, embedder: TopicEmbedder()).catchUp()
    let engine = try PaperSearchEngine(store: store, directory: nil, embedder: TopicEmbedder())
    try await engine.catchUp()
    return (store, engine)
}

@Suite("Search engine")
struct PaperSearchEngineTests {
    @Test func semanticSearchScoresPapersByTheirBestChunk() async throws {
        let (_, engine) = try await engineFixture()
        #expect(engine.defaultMode == .hybrid)
        #expect(engine.status == (3, 3))
        // "protein" occurs only past the encoder's first window of the long abstract.
        let response = try await engine.search(SearchRequest(query: "protein", mode: .semantic, limit: 3))
        #expect(response.hits.first?.paperID == "2501.00001")
        #expect(Set(response.hits.map(\.paperID)).count == response.hits.count)  // chunks never duplicate a paper
    }

    @Test func filtersApplyToSemanticAndHybridHits() async throws {
        let (_, engine) = try await engineFixture()
        let codeOnly = PaperFilter(hasCode: true)
        for mode in [SearchMode.semantic, .hybrid, .lexical] {
            let hits = try await engine.search(SearchRequest(query: "speech graph", mode: mode, filter: codeOnly)).hits
            #expect(hits.map(\.paperID) == ["2501.00002"], "\(mode)")
        }
        let january14 = Day("2025-01-14")!
        let dated = try await engine.search(
            SearchRequest(query: "graph speech", mode: .semantic, filter: PaperFilter(from: january14, to: january14)))
        #expect(dated.hits.map(\.paperID) == ["2501.00003"])
    }

    @Test func exclusionsAreRespectedInHybridMode() async throws {
        let (_, engine) = try await engineFixture()
        let hits = try await engine.search(SearchRequest(query: "graph vision -networks", mode: .hybrid)).hits
        #expect(!hits.map(\.paperID).contains("2501.00003"))
    }

    @Test func similarPapersExcludeThePaperItself() async throws {
        let (_, engine) = try await engineFixture()
        let similar = engine.similar(to: "2501.00003", limit: 5).map(\.paperID)
        #expect(!similar.contains("2501.00003"))
        #expect(similar.count == 2)
        #expect(engine.similar(to: "9999.99999", limit: 5).isEmpty)
    }

    @Test func changesReachTheIndexesIncrementally() async throws {
        let (store, engine) = try await engineFixture()
        #expect(try await engine.search(SearchRequest(query: "transformers", mode: .lexical)).hits.isEmpty)
        try await store.upsert([Paper(id: "2501.00002", version: 2, title: "Speech transformers", abstract: "Revised.")]
        )
        _ = try await EmbeddingIndexer(store: store, embedder: TopicEmbedder()).catchUp()
        #expect(try await engine.catchUp() == 1)
        #expect(
            try await engine.search(SearchRequest(query: "transformers", mode: .lexical)).hits.map(\.paperID) == [
                "2501.00002"
            ])
        #expect(engine.status == (3, 3))
    }

    @Test func anUnreadableLexicalIndexIsSetAsideAndRebuiltFromTheStore() async throws {
        let (store, _) = try await engineFixture()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("paperboy-engine-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("lexical")
        do {
            let engine = try PaperSearchEngine(store: store, directory: directory, embedder: nil)
            #expect(try await engine.catchUp() == 3)
        }
        let segment = try #require(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).first { $0.hasSuffix(".seg") })
        let url = directory.appendingPathComponent(segment)
        var bytes = try [UInt8](Data(contentsOf: url))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: url)
        #expect(throws: LexicalIndexError.self) { try LexicalIndex.open(directory: directory) }

        let reopened = try PaperSearchEngine(store: store, directory: directory, embedder: nil)
        #expect(try await reopened.search(SearchRequest(query: "graph", mode: .lexical)).hits.isEmpty)
        #expect(try await reopened.catchUp() == 3)
        #expect(
            try await reopened.search(SearchRequest(query: "graph", mode: .lexical)).hits.map(\.paperID) == [
                "2501.00003"
            ])
        let aside = root.appendingPathComponent("lexical.unreadable")
        #expect(try FileManager.default.contentsOfDirectory(atPath: aside.path).contains(segment))
        // The rebuilt index is a healthy one.
        #expect(try LexicalIndex.open(directory: directory).documentCount == 3)
    }

    @Test func badQueriesGiveClearErrorsOrNothing() async throws {
        let (_, engine) = try await engineFixture()
        await #expect(throws: SearchRequestError.self) {
            try await engine.search(SearchRequest(query: String(repeating: "x", count: 10_000)))
        }
        for query in ["", "   ", "the of and", "\"unbalanced", "-only", "\u{0}\u{7}"] {
            let response = try await engine.search(SearchRequest(query: query))
            #expect(response.hits.isEmpty, "\(query.debugDescription)")
        }
        let lexicalOnly = try PaperSearchEngine(store: try SQLitePaperStore.inMemory(), directory: nil, embedder: nil)
        #expect(lexicalOnly.defaultMode == .lexical)
        await #expect(throws: SearchRequestError.semanticUnavailable) {
            try await lexicalOnly.search(SearchRequest(query: "x", mode: .semantic))
        }
    }

    @Test func fusionNormalizesEachListAndFillsMissingLexicalScores() {
        let hits = Fusion.combine(
            lexical: ["a": 10, "b": 5], semantic: ["a": 0.2, "b": 0.9, "c": 0.5],
            parameters: FusionParameters(lexicalWeight: 0.5, candidates: 10))
        #expect(hits.map(\.paperID) == ["b", "a", "c"])
        #expect(hits.first { $0.paperID == "c" }?.lexicalScore == nil)
    }

    @Test func sentencesSplitAtSentenceEndsOnly() {
        #expect(
            ChunkPolicy.sentences("We study X. It works, e.g. on Y. 3 results hold! (A) too? yes.")
                == ["We study X.", "It works, e.g. on Y.", "3 results hold!", "(A) too? yes."])
        #expect(ChunkPolicy.sentences("  ") == [])
        #expect(ChunkPolicy.sentences("No end") == ["No end"])
        let paper = Paper(id: "2501.00009", title: "Title", abstract: "First one. Second one.")
        #expect(ChunkPolicy.sentences.texts(for: paper) == ["Title. First one.", "Title. Second one."])
        let asked = Paper(id: "2501.00010", title: "Does it work?", abstract: "")
        #expect(ChunkPolicy.sentences.texts(for: asked) == ["Does it work?"])
        #expect(ChunkPolicy.sentences.tag == "+sentences" && ChunkPolicy.standard.tag == "+chunks160/120")
    }

    @Test func relevanceFeedbackKeepsTheQueryAndAddsTheFeedbackDocumentsTerms() {
        let docs = [
            (Paper(id: "a", title: "Protein folding", abstract: "Folding of proteins with chaperones."), Float(2)),
            (Paper(id: "b", title: "Vision", abstract: "Images."), Float(-5)),
        ]
        var parameters = FeedbackFusion.tuned
        parameters.terms = 3
        let weights = RelevanceFeedback.expand(query: "protein structure", documents: docs, parameters: parameters)
        // The query's own terms share 0.6; the three strongest feedback terms share 0.4.
        #expect(abs(weights.values.reduce(0, +) - 1) < 1e-5)
        #expect((weights["structur"] ?? 0) == 0.3)
        #expect((weights["fold"] ?? 0) > 0.1)  // "folding" twice in the top document
        #expect(weights["imag"] == nil)  // the low-scored document hardly counts
    }

    @Test func weightedTermsScaleTheirBM25Contribution() async throws {
        let (_, engine) = try await engineFixture()
        let speechFirst = engine.lexical.searchWeightedTerms(["speech": 2, "graph": 1], limit: 3).map(\.key)
        let graphFirst = engine.lexical.searchWeightedTerms(["speech": 1, "graph": 4], limit: 3).map(\.key)
        #expect(speechFirst == ["2501.00002", "2501.00003"])
        #expect(graphFirst == ["2501.00003", "2501.00002"])
        #expect(engine.lexical.searchWeightedTerms(["speech": 0], limit: 3).isEmpty)
    }

    @Test func hybridUsesSentenceVectorsAndFeedbackOnceTheyExist() async throws {
        let (store, engine) = try await engineFixture()
        // Without sentence vectors: the two-list fusion.
        let before = try await engine.search(SearchRequest(query: "graph vision", mode: .hybrid, limit: 3))
        #expect(before.hits.first?.paperID == "2501.00003")
        #expect(
            before.hits.first?.semanticScore
                == engine.bestChunkScore("2501.00003", try TopicEmbedder().embed(["graph vision"])[0]))
        _ = try await EmbeddingIndexer(store: store, embedder: TopicEmbedder(), chunking: .sentences).catchUp()
        // Both segmentations of one model are kept side by side.
        #expect(try await store.embeddingCount(model: "topics@1+chunks160/120") == 3)
        #expect(try await store.embeddingCount(model: "topics@1+sentences") == 3)
        try await engine.catchUp()
        #expect(engine.sentences?.paperCount == 3)
        let after = try await engine.search(SearchRequest(query: "graph vision", mode: .hybrid, limit: 3))
        #expect(after.hits.first?.paperID == "2501.00003")
        // The feedback path reports the best-sentence cosine as the semantic score.
        let q = try TopicEmbedder().embed(["graph vision"])[0]
        #expect(after.hits.first?.semanticScore == engine.sentences?.best("2501.00003", q))
        // Constrained queries keep the lexical-matches-only path.
        let excluded = try await engine.search(SearchRequest(query: "graph -vision", mode: .hybrid, limit: 3))
        #expect(!excluded.hits.map(\.paperID).contains("2501.00003"))
    }
}
