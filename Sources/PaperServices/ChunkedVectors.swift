import Foundation
import LexicalIndex
import PaperStore
import Synchronization
import VectorIndex

/// The vectors of one segmentation (windows or sentences) of every paper, loaded from the store's embeddings
/// under one model key. A paper's vectors live under `paperID`, `paperID#1`, ...; a paper scores as its best one.
final class ChunkedVectors: Sendable {
    let modelKey: String
    let index: VectorIndex
    /// Vectors per paper, and the embedding sequence loaded so far.
    private struct Progress {
        var counts: [String: Int] = [:]
        var sequence: Int64 = 0
    }

    private let progress = Mutex(Progress())

    init(modelKey: String, dimension: Int) {
        self.modelKey = modelKey
        self.index = VectorIndex(dimension: dimension)
    }

    /// Papers with vectors.
    var paperCount: Int { progress.withLock { $0.counts.count } }

    /// The store's embedding sequence loaded so far: grows whenever vectors were added or replaced.
    var loadedSequence: Int64 { progress.withLock { $0.sequence } }

    /// Loads every embedding saved since the last call.
    func catchUp(store: any PaperStore, batch: Int) async throws {
        while true {
            let from = progress.withLock { $0.sequence }
            let page = try await store.embeddings(model: modelKey, changedAfter: from, limit: batch)
            guard let last = page.last else { return }
            var rows: [(key: String, vector: [Float])] = []
            var stale: [String] = []
            progress.withLock { progress in
                for change in page {
                    let id = change.embedding.paperID
                    let count = change.embedding.vectors.count
                    for (i, v) in change.embedding.vectors.enumerated() {
                        rows.append((PaperSearchEngine.chunkKey(id, i), v))
                    }
                    for i in count..<max(count, progress.counts[id] ?? 0) {
                        stale.append(PaperSearchEngine.chunkKey(id, i))
                    }
                    progress.counts[id] = count
                }
            }
            for key in stale { index.remove(key: key) }
            try index.upsert(rows)
            progress.withLock { $0.sequence = last.sequence }
        }
    }

    /// Drops a deleted paper's vectors (a listing paper that became an arXiv paper).
    func remove(paperID: String) {
        let count = progress.withLock { $0.counts.removeValue(forKey: paperID) ?? 0 }
        for i in 0..<count { index.remove(key: PaperSearchEngine.chunkKey(paperID, i)) }
    }

    /// The `k` papers nearest to `q` by their best vector.
    func nearest(_ q: [Float], k: Int, allowed: (@Sendable (String) -> Bool)?) throws -> [(String, Float)] {
        var filter: (@Sendable (String) -> Bool)?
        if let allowed {
            filter = { key in allowed(String(PaperSearchEngine.paperID(ofKey: key))) }
        }
        var seen = Set<Substring>()
        var result: [(String, Float)] = []
        // Over-fetch: several vectors of one paper may be near; k distinct papers must remain after grouping.
        let perPaper = max(1, index.count / max(1, paperCount))
        var fetch = k * min(8, perPaper + 2)
        while true {
            seen.removeAll(keepingCapacity: true)
            result.removeAll(keepingCapacity: true)
            let hits = try index.search(q, k: fetch, allowed: filter)
            for hit in hits {
                let id = PaperSearchEngine.paperID(ofKey: hit.key)
                if seen.insert(id).inserted { result.append((String(id), hit.score)) }
                if result.count == k { return result }
            }
            if hits.count < fetch || fetch >= index.count { return result }
            fetch *= 2
        }
    }

    /// A paper's best similarity to `q`, nil without vectors.
    func best(_ paperID: String, _ q: [Float]) -> Float? {
        let count = progress.withLock { $0.counts[paperID] ?? 0 }
        var best: Float?
        for i in 0..<count {
            guard let v = index.vector(for: PaperSearchEngine.chunkKey(paperID, i)) else { continue }
            let score = zip(v, q).reduce(0) { $0 + $1.0 * $1.1 }
            best = max(best ?? score, score)
        }
        return best
    }
}
