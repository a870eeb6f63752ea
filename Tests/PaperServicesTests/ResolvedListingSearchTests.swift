import Foundation
import PaperModel
import PaperStore
import Testing

@testable import PaperServices

/// A listing paper that became an arXiv paper leaves the indexes; the arXiv paper is found instead.
@Suite("Search engine: resolved listing papers")
struct ResolvedListingSearchTests {
    @Test func catchUpDropsTheListingPaperAndIndexesTheArxivOne() async throws {
        let store = try SQLitePaperStore.inMemory()
        let title = "Zebrafish regeneration atlas"
        let local = LocalPaperID.make(title: title)
        try await store.upsert([
            Paper(id: local, title: title, abstract: "A listing abstract about protein."),
            Paper(id: "2501.00009", title: "Unrelated speech", abstract: "Speech."),
        ])
        let embedder = EmbeddingIndexer(store: store, embedder: TopicEmbedder())
        _ = try await embedder.catchUp()
        let engine = try PaperSearchEngine(store: store, directory: nil, embedder: TopicEmbedder())
        try await engine.catchUp()
        #expect(engine.status == (2, 2))
        #expect(
            try await engine.search(SearchRequest(query: "zebrafish", mode: .lexical)).hits.map(\.paperID) == [local])

        try await store.upsert([Paper(id: "2501.00001", title: title, abstract: "The arXiv abstract about protein.")])
        #expect(try await store.alias(of: local) == "2501.00001")
        #expect(try await engine.catchUp() == 2)  // the arXiv paper stored, the listing paper deleted
        #expect(
            try await engine.search(SearchRequest(query: "zebrafish", mode: .lexical)).hits.map(\.paperID) == [
                "2501.00001"
            ])
        #expect(engine.status == (2, 1), "the listing paper's vectors are dropped")
        let semantic = try await engine.search(SearchRequest(query: "protein", mode: .semantic, limit: 5)).hits.map(
            \.paperID)
        #expect(!semantic.contains(local))
        // The embedding indexer skips the deletion and embeds the arXiv paper.
        #expect(try await embedder.catchUp() == 2)
        #expect(try await store.embeddingCount(model: embedder.modelKey) == 2)
        try await engine.catchUp()
        #expect(engine.status == (2, 2))
        #expect(
            try await engine.search(SearchRequest(query: "protein", mode: .semantic, limit: 1)).hits.map(\.paperID) == [
                "2501.00001"
            ])
    }
}
