import Foundation
import Logging
import PaperModel
import PaperStore
import ServiceLifecycle

/// Embeds papers in the background: follows the store's change sequence, embeds what changed in batches and
/// saves the vectors together with the new progress in one store transaction, so a restart resumes exactly
/// where it stopped (nothing lost, nothing embedded twice). A new model identity starts from zero.
public actor EmbeddingIndexer: Service {
    let store: any PaperStore
    let embedder: any TextEmbedder
    let chunking: ChunkPolicy
    /// The key vectors are stored under: model identity plus chunk policy.
    public nonisolated let modelKey: String
    let batchSize: Int
    let idleInterval: Duration
    let logger: Logger
    /// Called after each saved batch with (embedded so far, total papers).
    let onBatch: (@Sendable (Int, Int) -> Void)?

    public init(
        store: any PaperStore, embedder: any TextEmbedder, chunking: ChunkPolicy = .standard, batchSize: Int = 32,
        idleInterval: Duration = .seconds(2),
        logger: Logger = Logger(label: "paperboy.embedding"), onBatch: (@Sendable (Int, Int) -> Void)? = nil
    ) {
        self.store = store
        self.embedder = embedder
        self.chunking = chunking
        self.modelKey = embedder.identity + chunking.tag
        self.batchSize = max(1, batchSize)
        self.idleInterval = idleInterval
        self.logger = logger
        self.onBatch = onBatch
    }

    public func run() async throws {
        logger.info("embedding papers in the background", metadata: ["model": "\(modelKey)"])
        try await cancelWhenGracefulShutdown {
            var sinceLog = 0
            while !Task.isCancelled {
                do {
                    let embedded = try await self.embedNextBatch()
                    sinceLog += embedded
                    if sinceLog >= 500 || (embedded == 0 && sinceLog > 0) {
                        let model = self.modelKey
                        let done = try await self.store.embeddingCount(model: model)
                        let total = try await self.store.paperCount()
                        self.logger.info("embedded \(done) of \(total) papers", metadata: ["model": "\(model)"])
                        sinceLog = 0
                    }
                    if embedded == 0 {
                        try await Task.sleep(for: self.idleInterval)
                    }
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.error("embedding batch failed; retrying", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(10))  // cancelled: the loop ends
                }
            }
        }
    }

    /// Embeds the next batch of changed papers; returns how many were embedded (0: caught up).
    @discardableResult
    public func embedNextBatch() async throws -> Int {
        let model = modelKey
        let progress = try await store.embeddingProgress(model: model)
        let all = try await store.changes(after: progress, limit: batchSize)
        guard let last = all.last else { return 0 }
        // Deleted papers (listing papers that became arXiv papers) have nothing to embed; their vectors went
        // with them.
        let seen = all.count
        let changes = all.filter { !$0.isDeletion }
        let chunks = changes.map { chunking.texts(for: $0.paper) }
        let texts = chunks.flatMap { $0 }
        let embedder = self.embedder
        let vectors: [[Float]] = texts.isEmpty ? [] : try await BlockingWork.run { try embedder.embed(texts) }
        var next = 0
        let embeddings = zip(changes, chunks).map { change, paperChunks in
            defer { next += paperChunks.count }
            return PaperEmbedding(paperID: change.paper.id, vectors: Array(vectors[next..<(next + paperChunks.count)]))
        }
        try await store.saveEmbeddings(embeddings, model: model, throughSequence: last.sequence)
        if let onBatch {
            onBatch(try await store.embeddingCount(model: model), try await store.paperCount())
        }
        return seen
    }

    /// Embeds until caught up; returns the number of papers embedded.
    public func catchUp() async throws -> Int {
        var total = 0
        while true {
            let n = try await embedNextBatch()
            if n == 0 { return total }
            total += n
        }
    }
}
