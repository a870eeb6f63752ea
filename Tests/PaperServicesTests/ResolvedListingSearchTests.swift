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
        let engine = try PaperSearchEngine(store: store, directory: nil, embedder: nil)
        try await engine.catchUp()
        #expect(try await engine.search(SearchRequest(query: "zebrafish", mode: .lexical)).hits.map(\.paperID) == [local])

        try await store.upsert([Paper(id: "2501.00001", title: title, abstract: "The arXiv abstract about protein.")])
        #expect(try await store.alias(of: local) == "2501.00001")
        #expect(try await engine.catchUp() == 2)  // the arXiv paper stored, the listing paper deleted
        #expect(try await engine.search(SearchRequest(query: "zebrafish", mode: .lexical)).hits.map(\.paperID) == ["2501.00001"])
        #expect(engine.status.documents == 2)
        // The embedding indexer skips the deletion and embeds the arXiv paper.
        #expect(try await embedder.catchUp() == 2)
        #expect(try await store.embeddingCount(model: embedder.modelKey) == 2)
    }
}
