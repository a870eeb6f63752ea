import CVectorKernels
import Foundation
import PaperSupport
import Synchronization

/// Scores a fixed query against stored rows, and rows against each other.
/// Built from raw pointers for the duration of one operation under the index
/// lock, so the hot loops carry no array bounds or uniqueness checks.
struct RowScorer {
    let dim: Int
    let floats: UnsafePointer<Float>?
    let codes: UnsafePointer<Int8>?
    let scales: UnsafePointer<Float>?
    let sums: UnsafePointer<Int32>?
    let queryFloats: UnsafePointer<Float>?
    let queryBiased: UnsafePointer<UInt8>?
    let queryScale: Float

    @inline(__always) func score(_ node: Int32) -> Float {
        let n = Int(node)
        if let floats, let queryFloats {
            return cvk_dot_f32(queryFloats, floats + n * dim, dim)
        }
        let raw = cvk_dot_u8s8(queryBiased!, codes! + n * dim, dim) &- 128 &* sums![n]
        return queryScale * scales![n] * Float(raw)
    }

    @inline(__always) func between(_ a: Int32, _ b: Int32) -> Float {
        let x = Int(a), y = Int(b)
        if let floats {
            return cvk_dot_f32(floats + x * dim, floats + y * dim, dim)
        }
        return scales![x] * scales![y] * Float(cvk_dot_s8s8(codes! + x * dim, codes! + y * dim, dim))
    }

    @inline(__always) func prefetch(_ node: Int32) {
        // The first lines are enough to get the hardware prefetcher going.
        if let floats {
            cvk_prefetch(floats + Int(node) * dim, 128)
        } else {
            cvk_prefetch(codes! + Int(node) * dim, 128)
        }
    }
}

extension VectorIndex {
    /// Runs `body` with a scorer for `query` (or for stored row `queryRow`).
    /// Caller holds the lock.
    func withScorer<T>(query: PreparedQuery?, queryRow: Int32? = nil, _ body: (RowScorer) -> T) -> T {
        let dim = dimension
        switch storage {
        case .float32:
            let base = UnsafePointer(floats!.base)
            if let queryRow {
                return body(
                    RowScorer(
                        dim: dim, floats: base, codes: nil, scales: nil, sums: nil,
                        queryFloats: base + Int(queryRow) * dim, queryBiased: nil, queryScale: 1))
            }
            guard case let .float32(q)? = query else { fatalError("query/storage mismatch") }
            return q.withUnsafeBufferPointer {
                body(
                    RowScorer(
                        dim: dim, floats: base, codes: nil, scales: nil, sums: nil,
                        queryFloats: $0.baseAddress, queryBiased: nil, queryScale: 1))
            }
        case .int8:
            let base = UnsafePointer(codes!.base)
            var biased: [UInt8]
            var qScale: Float
            if let queryRow {
                let r = Int(queryRow)
                biased = UnsafeBufferPointer(start: base + r * dim, count: dim).map { UInt8(bitPattern: $0) &+ 128 }
                qScale = scales[r]
            } else {
                guard case let .int8(b, s, _)? = query else { fatalError("query/storage mismatch") }
                biased = b
                qScale = s
            }
            return scales.withUnsafeBufferPointer { sc in
                codeSums.withUnsafeBufferPointer { sums in
                    biased.withUnsafeBufferPointer { qb in
                        body(
                            RowScorer(
                                dim: dim, floats: nil, codes: base, scales: sc.baseAddress, sums: sums.baseAddress,
                                queryFloats: nil, queryBiased: qb.baseAddress, queryScale: qScale))
                    }
                }
            }
        }
    }

    // MARK: - Approximate search API

    /// Builds (or rebuilds) the HNSW graph over all live rows. Tombstones are
    /// compacted away first. Single-threaded, hence deterministic for a seed.
    public func buildApproximate(parameters: HNSWParameters = HNSWParameters()) {
        lock.write {
            compactLocked()
            let g = HNSWGraph(parameters: parameters, capacity: rowCount)
            for row in 0..<rowCount { g.insert(node: Int32(row), index: self) }
            graph = g
        }
    }

    /// Drops the approximate index (exact search is unaffected).
    public func dropApproximate() {
        lock.write { graph = nil }
    }

    /// Approximate top-k via HNSW; falls back to exact search if no graph was built.
    /// `ef` nil uses the build's `efSearch`. Filtering happens on the ef-wide
    /// candidate list, so very selective filters should use exact `search`.
    public func searchApproximate(
        _ query: [Float], k: Int, ef: Int? = nil,
        allowed: (@Sendable (String) -> Bool)? = nil
    ) throws -> [VectorHit] {
        try validate(query, key: "<query>")
        guard k > 0 else { return [] }
        let exactFallback: Bool = lock.read { graph == nil }
        if exactFallback { return try search(query, k: k, allowed: allowed) }
        return lock.read {
            guard let graph, rowCount > 0 else { return [] }
            let prepared = PreparedQuery(query, storage: storage)
            let width = max(ef ?? graph.parameters.efSearch, k)
            let found = withScorer(query: prepared) { graph.search(scorer: $0, ef: width) }
            var ranked: [(score: Float, row: Int32)] = []
            ranked.reserveCapacity(found.count)
            for (s, node) in found {
                guard let key = keys[Int(node)] else { continue }
                if let allowed, !allowed(key) { continue }
                ranked.append((s, node))
            }
            ranked.sort { TopK.ranksBelow($1.score, $1.row, $0.score, $0.row, keys: keys) }
            return hits(Array(ranked.prefix(k)))
        }
    }
}

/// Reusable "seen" marks: a generation counter avoids clearing per search.
/// `@unchecked`: one search at a time holds a set, taken from and given back to a `Mutex`-guarded pool.
final class VisitedSet: @unchecked Sendable {
    var marks: [UInt32]
    var generation: UInt32 = 0
    init(capacity: Int) { marks = [UInt32](repeating: 0, count: capacity) }

    func reset(capacity: Int) {
        if marks.count < capacity { marks.append(contentsOf: repeatElement(0, count: capacity - marks.count)) }
        generation &+= 1
        if generation == 0 {
            for i in marks.indices { marks[i] = 0 }
            generation = 1
        }
    }
}

/// Hierarchical navigable small world graph over index rows (node id == row).
/// Follows Malkov & Yashunin with the neighbour-diversity heuristic, using
/// similarity (higher is closer) instead of distance.
/// `@unchecked`: changed only under `VectorIndex`'s write lock; searches read it under the read lock.
final class HNSWGraph: @unchecked Sendable {
    let parameters: HNSWParameters
    let m: Int
    let m0: Int
    let levelMultiplier: Double
    var rng: SplitMix64
    var levels: [UInt8] = []
    /// Layer 0: per node [count, id0, id1, ...] with m0 slots.
    var level0: RowBuffer<Int32>
    /// Layers >= 1 for nodes that have them: level-1 blocks of [count, m ids].
    var upper: [[Int32]] = []
    var entry: Int32 = -1
    var maxLevel: Int = -1
    private var buildVisited = VisitedSet(capacity: 0)
    private let visitedPool = Mutex<[VisitedSet]>([])

    static let maxAllowedLevel = 24

    init(parameters: HNSWParameters, capacity: Int) {
        self.parameters = parameters
        m = parameters.m
        m0 = 2 * parameters.m
        levelMultiplier = 1 / log(Double(parameters.m))
        rng = SplitMix64(seed: parameters.seed)
        level0 = RowBuffer(rowWidth: 2 * parameters.m + 1, capacityRows: max(16, capacity))
        levels.reserveCapacity(capacity)
        upper.reserveCapacity(capacity)
    }

    var nodeCount: Int { levels.count }

    @inline(__always) func links(_ node: Int32, _ level: Int) -> UnsafeMutableBufferPointer<Int32> {
        if level == 0 {
            let p = level0.row(Int(node))
            return UnsafeMutableBufferPointer(start: p + 1, count: Int(p[0]))
        }
        fatalError("use upperLinks")
    }

    func neighbours(_ node: Int32, _ level: Int) -> [Int32] {
        if level == 0 {
            let p = level0.row(Int(node))
            return Array(UnsafeBufferPointer(start: p + 1, count: Int(p[0])))
        }
        let block = upper[Int(node)]
        let o = (level - 1) * (m + 1)
        return Array(block[(o + 1)..<(o + 1 + Int(block[o]))])
    }

    func setNeighbours(_ node: Int32, _ level: Int, _ ids: [Int32]) {
        if level == 0 {
            let p = level0.row(Int(node))
            p[0] = Int32(ids.count)
            for (i, id) in ids.enumerated() { p[1 + i] = id }
            return
        }
        let o = (level - 1) * (m + 1)
        upper[Int(node)][o] = Int32(ids.count)
        for (i, id) in ids.enumerated() { upper[Int(node)][o + 1 + i] = id }
    }

    /// Calls body for each neighbour id of node at level without allocating.
    @inline(__always) func forEachNeighbour(_ node: Int32, _ level: Int, _ body: (Int32) -> Void) {
        if level == 0 {
            let p = level0.row(Int(node))
            let c = Int(p[0])
            for i in 0..<c { body(p[1 + i]) }
        } else {
            upper[Int(node)].withUnsafeBufferPointer { b in
                let o = (level - 1) * (m + 1)
                for i in 0..<Int(b[o]) { body(b[o + 1 + i]) }
            }
        }
    }

    // MARK: insertion

    func insert(node: Int32, index: VectorIndex) {
        precondition(Int(node) == levels.count, "HNSW nodes must be inserted in row order")
        let level = min(HNSWGraph.maxAllowedLevel, Int(-log(rng.nextUnitOpen()) * levelMultiplier))
        levels.append(UInt8(level))
        level0.reserve(rows: Int(node) + 1, used: Int(node))
        // Zeroed so saved files are byte-for-byte reproducible.
        level0.row(Int(node)).update(repeating: 0, count: m0 + 1)
        upper.append(level > 0 ? [Int32](repeating: 0, count: level * (m + 1)) : [])
        guard entry >= 0 else {
            entry = node
            maxLevel = level
            return
        }
        index.withScorer(query: nil, queryRow: node) { scorer in
            var ep = entry
            var epScore = scorer.score(ep)
            if maxLevel > level {
                for lc in stride(from: maxLevel, to: level, by: -1) {
                    (ep, epScore) = greedy(scorer: scorer, from: ep, score: epScore, level: lc)
                }
            }
            var entries = [(score: epScore, id: ep)]
            for lc in stride(from: min(level, maxLevel), through: 0, by: -1) {
                let found = searchLayer(
                    scorer: scorer, entries: entries, ef: parameters.efConstruction,
                    level: lc, visited: buildVisited)
                let chosen = selectNeighbours(found, limit: m, scorer: scorer)
                setNeighbours(node, lc, chosen.map(\.id))
                let cap = lc == 0 ? m0 : m
                for nb in chosen {
                    connect(nb.id, to: node, score: nb.score, level: lc, cap: cap, scorer: scorer)
                }
                entries = found
            }
        }
        if level > maxLevel {
            entry = node
            maxLevel = level
        }
    }

    private func connect(_ node: Int32, to newNode: Int32, score: Float, level: Int, cap: Int, scorer: RowScorer) {
        var current = neighbours(node, level)
        if current.count < cap {
            current.append(newNode)
            setNeighbours(node, level, current)
            return
        }
        var candidates = current.map { (score: scorer.between(node, $0), id: $0) }
        candidates.append((score, newNode))
        let kept = selectNeighbours(candidates, limit: cap, scorer: scorer)
        setNeighbours(node, level, kept.map(\.id))
    }

    /// Keeps a candidate only if it is closer to the base than to every neighbour
    /// already kept, which spreads links across directions (paper's Algorithm 4).
    private func selectNeighbours(
        _ candidates: [(score: Float, id: Int32)], limit: Int,
        scorer: RowScorer
    ) -> [(score: Float, id: Int32)] {
        let sorted = candidates.sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
        if sorted.count <= limit { return sorted }
        var kept: [(score: Float, id: Int32)] = []
        kept.reserveCapacity(limit)
        for c in sorted {
            if kept.count >= limit { break }
            var diverse = true
            for k in kept where scorer.between(c.id, k.id) > c.score {
                diverse = false
                break
            }
            if diverse { kept.append(c) }
        }
        return kept
    }

    // MARK: search

    private func greedy(scorer: RowScorer, from start: Int32, score startScore: Float, level: Int) -> (Int32, Float) {
        var best = start, bestScore = startScore
        var changed = true
        while changed {
            changed = false
            forEachNeighbour(best, level) { nb in
                let s = scorer.score(nb)
                if s > bestScore {
                    bestScore = s
                    best = nb
                    changed = true
                }
            }
        }
        return (best, bestScore)
    }

    /// Beam search on one layer; returns up to ef (score, id) pairs, unordered.
    func searchLayer(
        scorer: RowScorer, entries: [(score: Float, id: Int32)], ef: Int, level: Int,
        visited: VisitedSet
    ) -> [(score: Float, id: Int32)] {
        visited.reset(capacity: nodeCount)
        let gen = visited.generation
        var candidates = ScoreHeap(maxHeap: true)
        var results = ScoreHeap(maxHeap: false)
        return visited.marks.withUnsafeMutableBufferPointer { marks in
            for e in entries {
                marks[Int(e.id)] = gen
                candidates.push(e.score, e.id)
                results.push(e.score, e.id)
                if results.count > ef { results.pop() }
            }
            while let (cScore, cId) = candidates.top {
                if results.count >= ef, cScore < results.top!.score { break }
                candidates.pop()
                if level == 0 {
                    let p = level0.row(Int(cId))
                    let c = Int(p[0])
                    for i in 0..<c where marks[Int(p[1 + i])] != gen { scorer.prefetch(p[1 + i]) }
                    for i in 0..<c {
                        let nb = p[1 + i]
                        if marks[Int(nb)] == gen { continue }
                        marks[Int(nb)] = gen
                        let s = scorer.score(nb)
                        if results.count < ef || s > results.top!.score {
                            candidates.push(s, nb)
                            results.push(s, nb)
                            if results.count > ef { results.pop() }
                        }
                    }
                } else {
                    forEachNeighbour(cId, level) { nb in
                        if marks[Int(nb)] == gen { return }
                        marks[Int(nb)] = gen
                        let s = scorer.score(nb)
                        if results.count < ef || s > results.top!.score {
                            candidates.push(s, nb)
                            results.push(s, nb)
                            if results.count > ef { results.pop() }
                        }
                    }
                }
            }
            return results.items
        }
    }

    /// Query-time search: greedy descent then a beam of width ef on layer 0.
    func search(scorer: RowScorer, ef: Int) -> [(score: Float, id: Int32)] {
        guard entry >= 0 else { return [] }
        var ep = entry
        var epScore = scorer.score(ep)
        if maxLevel > 0 {
            for lc in stride(from: maxLevel, to: 0, by: -1) {
                (ep, epScore) = greedy(scorer: scorer, from: ep, score: epScore, level: lc)
            }
        }
        let visited = visitedPool.withLock { $0.popLast() } ?? VisitedSet(capacity: nodeCount)
        defer { visitedPool.withLock { $0.append(visited) } }
        return searchLayer(scorer: scorer, entries: [(epScore, ep)], ef: ef, level: 0, visited: visited)
    }
}

/// Binary heap of (score, id); max-heap keeps the best on top, min-heap the worst.
struct ScoreHeap {
    let maxHeap: Bool
    private(set) var scores: [Float] = []
    private(set) var ids: [Int32] = []

    init(maxHeap: Bool) { self.maxHeap = maxHeap }

    var count: Int { scores.count }
    var top: (score: Float, id: Int32)? { scores.isEmpty ? nil : (scores[0], ids[0]) }
    var items: [(score: Float, id: Int32)] { zip(scores, ids).map { ($0.0, $0.1) } }

    @inline(__always) private func above(_ a: Int, _ b: Int) -> Bool {
        maxHeap ? scores[a] > scores[b] : scores[a] < scores[b]
    }

    mutating func push(_ s: Float, _ id: Int32) {
        scores.append(s)
        ids.append(id)
        var i = scores.count - 1
        while i > 0 {
            let p = (i - 1) >> 1
            guard above(i, p) else { break }
            scores.swapAt(i, p)
            ids.swapAt(i, p)
            i = p
        }
    }

    mutating func pop() {
        let last = scores.count - 1
        scores.swapAt(0, last)
        ids.swapAt(0, last)
        scores.removeLast()
        ids.removeLast()
        var i = 0
        let n = scores.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var t = i
            if l < n, above(l, t) { t = l }
            if r < n, above(r, t) { t = r }
            if t == i { return }
            scores.swapAt(i, t)
            ids.swapAt(i, t)
            i = t
        }
    }
}
