import Foundation
import Logging
import PaperModel
import PaperStore
import ServiceLifecycle

/// Embeds papers in the background: follows the store's change sequence, embeds what changed in batches and
/// saves the vectors together with the new progress in one store transaction, so a restart resumes exactly
/// where it stopped (nothing lost, nothing embedded twice). A new model identity starts from zero.
///
/// With a `lease` (named after the model key), several instances on one database embed each paper once: only the
/// lease holder embeds, renewing it every batch and while a batch runs; the others skip their turns until it
/// lapses (its holder died) and one of them takes over.
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
    /// Taken before each batch when several instances share the store; nil: this is the only embedder.
    let lease: Lease?
    /// Whether the last turn held the lease, to log only the changes.
    var holdingLease: Bool?

    public init(
        store: any PaperStore, embedder: any TextEmbedder, chunking: ChunkPolicy = .standard, batchSize: Int = 32,
        idleInterval: Duration = .seconds(2),
        logger: Logger = Logger(label: "paperboy.embedding"), onBatch: (@Sendable (Int, Int) -> Void)? = nil,
        lease: Lease? = nil
    ) {
        self.store = store
        self.embedder = embedder
        self.chunking = chunking
        self.modelKey = embedder.identity + chunking.tag
        self.batchSize = max(1, batchSize)
        self.idleInterval = idleInterval
        self.logger = logger
        self.onBatch = onBatch
        self.lease = lease
    }

    /// The lease name for a model key: one embedder per model key across the instances.
    public static func leaseName(modelKey: String) -> String { "embedding:" + modelKey }

    public func run() async throws {
        logger.info("embedding papers in the background", metadata: ["model": "\(modelKey)"])
        try await cancelWhenGracefulShutdown {
            var sinceLog = 0
            while !Task.isCancelled {
                do {
                    guard let embedded = try await self.embedNextBatchIfLeaseHeld() else {
                        // Another instance embeds for this model: wait for our next turn.
                        try await Task.sleep(for: self.idleInterval)
                        continue
                    }
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
                } catch let lost as LeaseLost {
                    // Paused past the lease's expiry: another instance took over. Nothing is lost or set back: saved
                    // progress only moves forward.
                    self.logger.notice("\(lost)", metadata: ["model": "\(self.modelKey)"])
                } catch {
                    self.logger.error("embedding batch failed; retrying", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(10))  // cancelled: the loop ends
                }
            }
        }
        // A clean shutdown hands the work over at once; a killed process's lease just expires.
        if Task.isShuttingDownGracefully, let lease {
            try? await lease.release()
        }
    }

    /// The next batch when this instance holds the lease (or there is none); nil when another instance does.
    func embedNextBatchIfLeaseHeld() async throws -> Int? {
        guard let lease else { return try await embedNextBatch() }
        let embedded = try await lease.whileHeld { try await self.embedNextBatch() }
        let holding = embedded != nil
        if holding != holdingLease {
            holdingLease = holding
            if holding {
                logger.info(
                    "holding the embedding lease", metadata: ["model": "\(modelKey)", "lease": "\(lease.name)"])
            } else {
                logger.info(
                    "another instance holds the embedding lease; standing by",
                    metadata: ["model": "\(modelKey)", "lease": "\(lease.name)"])
            }
        }
        return embedded
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
