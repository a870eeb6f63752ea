import Foundation
import PaperModel
import PaperStore
import PaperSupport
import Testing

@testable import PaperServices

/// A deterministic stand-in model: counts letters, so equal texts get equal vectors. Records what it embedded.
final class LetterCountEmbedder: TextEmbedder, @unchecked Sendable {
    let identity: String
    let dimension = 26
    private let lock = NSLock()
    private var _embedded: [String] = []
    var failOnCall: Int?
    private var calls = 0

    init(identity: String = "letters@1") {
        self.identity = identity
    }

    var embedded: [String] { lock.withLock { _embedded } }

    struct Failure: Error {}

    func embed(_ texts: [String]) throws -> [[Float]] {
        try lock.withLock {
            calls += 1
            if calls == failOnCall { throw Failure() }
            _embedded += texts
        }
        return texts.map { text in
            var v = [Float](repeating: 0, count: 26)
            for scalar in text.lowercased().unicodeScalars where ("a"..."z").contains(scalar) {
                v[Int(scalar.value - 97)] += 1
            }
            let norm = max(v.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-6)
            return v.map { $0 / norm }
        }
    }
}

func papers(_ n: Int, prefix: String = "Paper") -> [Paper] {
    (1...n).map { Paper(id: String(format: "2501.%05d", $0), title: "\(prefix) \($0)", abstract: "About topic \($0).") }
}

@Suite("Background embedding")
struct EmbeddingIndexerTests {
    @Test func embedsEveryPaperOnceAndFollowsLaterChanges() async throws {
        let store = try SQLitePaperStore.inMemory()
        try await store.upsert(papers(10))
        let embedder = LetterCountEmbedder()
        let indexer = EmbeddingIndexer(store: store, embedder: embedder, chunking: .none, batchSize: 4)
        #expect(try await indexer.catchUp() == 10)
        #expect(try await store.embeddingCount(model: "letters@1") == 10)
        #expect(try await indexer.catchUp() == 0)
        #expect(embedder.embedded.count == 10)
        #expect(embedder.embedded.first == "Paper 1. About topic 1.")

        // An updated paper is embedded again, alone.
        try await store.upsert([Paper(id: "2501.00003", version: 2, title: "Revised", abstract: "New text.")])
        #expect(try await indexer.catchUp() == 1)
        #expect(embedder.embedded.last == "Revised. New text.")
        let stored = try await store.embeddings(model: "letters@1", changedAfter: 10, limit: 5)
        #expect(stored.map(\.embedding.paperID) == ["2501.00003"])
        #expect(stored.first?.embedding.vector == (try embedder.embed(["Revised. New text."]))[0])
    }

    @Test func aFailedBatchIsRetriedAndNothingIsDuplicated() async throws {
        let store = try SQLitePaperStore.inMemory()
        try await store.upsert(papers(6))
        let embedder = LetterCountEmbedder()
        embedder.failOnCall = 2
        let indexer = EmbeddingIndexer(store: store, embedder: embedder, chunking: .none, batchSize: 3)
        #expect(try await indexer.embedNextBatch() == 3)
        await #expect(throws: LetterCountEmbedder.Failure.self) { try await indexer.embedNextBatch() }
        #expect(try await store.embeddingProgress(model: "letters@1") == 3)
        // A new indexer (a restart) resumes after the last saved batch.
        let restarted = EmbeddingIndexer(store: store, embedder: embedder, chunking: .none, batchSize: 3)
        #expect(try await restarted.catchUp() == 3)
        #expect(embedder.embedded.count == 6)
        #expect(Set(embedder.embedded).count == 6)
    }

    @Test func aNewModelReembedsEverything() async throws {
        let store = try SQLitePaperStore.inMemory()
        try await store.upsert(papers(5))
        _ = try await EmbeddingIndexer(store: store, embedder: LetterCountEmbedder(identity: "old"), chunking: .none)
            .catchUp()
        let newer = LetterCountEmbedder(identity: "new")
        #expect(try await EmbeddingIndexer(store: store, embedder: newer, chunking: .none).catchUp() == 5)
        #expect(try await store.embeddingCount(model: "old") == 0)
        #expect(try await store.embeddingCount(model: "new") == 5)
    }

    @Test func longAbstractsAreEmbeddedInOverlappingChunks() async throws {
        let words = (1...400).map { "w\($0)" }
        let long = Paper(id: "2501.00001", title: "Long", abstract: words.joined(separator: " "))
        let short = Paper(id: "2501.00002", title: "Short", abstract: "Few words here.")
        let policy = ChunkPolicy(wordsPerChunk: 160, strideWords: 120, maxChunks: 8)
        let texts = policy.texts(for: long)
        #expect(texts.first == long.embeddingText)
        #expect(texts.count == 3)  // windows of words 121-280 and 241-400
        #expect(texts[1].hasPrefix("Long. w121 w122"))
        #expect(texts[1].hasSuffix("w280"))
        #expect(texts.last!.hasSuffix("w400"))
        #expect(policy.texts(for: short) == [short.embeddingText])
        #expect(ChunkPolicy.none.texts(for: long).count == 1)

        let store = try SQLitePaperStore.inMemory()
        try await store.upsert([long, short])
        let indexer = EmbeddingIndexer(store: store, embedder: LetterCountEmbedder(), chunking: policy)
        #expect(indexer.modelKey == "letters@1+chunks160/120")
        _ = try await indexer.catchUp()
        let stored = try await store.embeddings(model: indexer.modelKey, changedAfter: 0, limit: 10)
        #expect(stored.map(\.embedding.vectors.count) == [3, 1])
        #expect(stored[0].embedding.vectors[1] == (try LetterCountEmbedder().embed([texts[1]]))[0])
    }

    @Test func serviceRunsUntilCancelled() async throws {
        let store = try SQLitePaperStore.inMemory()
        try await store.upsert(papers(3))
        let indexer = EmbeddingIndexer(
            store: store, embedder: LetterCountEmbedder(), chunking: .none, idleInterval: .milliseconds(20))
        let task = Task { try await indexer.run() }
        // Polls with a generous deadline: a loaded CI machine may take a while, a broken service never gets there.
        func waitFor(_ count: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(120)
            while try await store.embeddingCount(model: indexer.modelKey) < count, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        try await waitFor(3)
        try await store.upsert([Paper(id: "2501.00009", title: "Late", abstract: "Arrives later.")])
        try await waitFor(4)
        #expect(try await store.embeddingCount(model: indexer.modelKey) == 4)
        task.cancel()
        _ = await task.result
    }

    /// Two instances on one store (two indexers, each with its own embedder and lease holder): only the lease
    /// holder embeds; when it dies (its task cancelled without releasing, as SIGKILL would), the other takes over
    /// once the lease has expired on the clock, not before.
    @Test func twoInstancesEmbedOnceAndTheSecondTakesOverWhenTheFirstDies() async throws {
        let store = try SQLitePaperStore.inMemory()
        try await store.upsert(papers(3))
        let clock = ManualClock()
        func instance(_ holder: String, _ embedder: LetterCountEmbedder) -> EmbeddingIndexer {
            let lease = Lease(
                EmbeddingIndexer.leaseName(modelKey: embedder.identity), store: store, holder: holder,
                duration: .seconds(60), renewEvery: .milliseconds(20), clock: clock.wallClock)
            return EmbeddingIndexer(
                store: store, embedder: embedder, chunking: .none, idleInterval: .milliseconds(10), lease: lease)
        }
        let firstEmbedder = LetterCountEmbedder(), secondEmbedder = LetterCountEmbedder()
        let first = instance("a", firstEmbedder), second = instance("b", secondEmbedder)
        let model = first.modelKey
        func waitFor(_ count: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(120)
            while try await store.embeddingCount(model: model) < count, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(try await store.embeddingCount(model: model) == count)
        }
        let firstTask = Task { try await first.run() }
        try await waitFor(3)
        let secondTask = Task { try await second.run() }
        try await store.upsert([Paper(id: "2501.00010", title: "While both run", abstract: "Only one embeds it.")])
        try await waitFor(4)
        // Both are running and taking turns: the second only ever stood by.
        try await Task.sleep(for: .milliseconds(200))
        #expect(firstEmbedder.embedded.count == 4)
        #expect(secondEmbedder.embedded.isEmpty)
        #expect(try await store.leaseHolder(EmbeddingIndexer.leaseName(modelKey: model), now: clock.now)?.holder == "a")

        // The first dies: it stops renewing, and does not release.
        firstTask.cancel()
        _ = await firstTask.result
        try await store.upsert([Paper(id: "2501.00011", title: "After the death", abstract: "Waits for expiry.")])
        try await Task.sleep(for: .milliseconds(300))
        #expect(secondEmbedder.embedded.isEmpty, "the dead holder's lease has not expired yet")
        #expect(try await store.embeddingCount(model: model) == 4)
        clock.advance(by: 61)
        try await waitFor(5)
        #expect(secondEmbedder.embedded == ["After the death. Waits for expiry."])
        #expect(try await store.leaseHolder(EmbeddingIndexer.leaseName(modelKey: model), now: clock.now)?.holder == "b")
        secondTask.cancel()
        _ = await secondTask.result
    }
}
