import Foundation
import PaperSupport
import Testing

@testable import VectorIndex

@Suite("Exact search")
struct ExactSearchTests {
    @Test(
        "kernels match a double-precision reference for every tail length",
        arguments: [1, 3, 15, 16, 17, 31, 63, 64, 65, 100, 127, 384, 385])
    func kernelsMatchReference(dim: Int) throws {
        let rows = randomUnitVectors(9, dim: dim, seed: UInt64(dim))
        let q = randomUnitVectors(1, dim: dim, seed: 99)[0]
        let index = VectorIndex(dimension: dim)
        for (i, r) in rows.enumerated() { try index.upsert(key: "r\(i)", vector: r) }
        let hits = try index.search(q, k: 9)
        #expect(hits.count == 9)
        for h in hits {
            let i = Int(h.key.dropFirst())!
            #expect(abs(Double(h.score) - naiveDot(rows[i], q)) < 1e-4)
        }
        let int8 = VectorIndex(dimension: dim, storage: .int8)
        for (i, r) in rows.enumerated() { try int8.upsert(key: "r\(i)", vector: r) }
        for h in try int8.search(q, k: 9) {
            let i = Int(h.key.dropFirst())!
            // Per-vector int8 error is bounded by about dim * (1/127)^2 in the worst case.
            #expect(abs(Double(h.score) - naiveDot(rows[i], q)) < 0.02 + Double(dim) * 2e-5)
        }
    }

    @Test("top-k equals a naive scan, ties ordered by key", arguments: [1, 2])
    func equalsNaive(threads: Int) throws {
        let dim = 48
        var items = randomUnitVectors(3000, dim: dim, seed: 7).enumerated().map { ("k\($0.offset)", $0.element) }
        // Exact duplicates force ties; their order must come from the keys.
        let dup = items[5].1
        for name in ["zz-dup", "aa-dup", "mm-dup"] { items.append((name, dup)) }
        let index = VectorIndex(dimension: dim)
        for (k, v) in items.shuffled(using: &SplitMix64.testRNG) { try index.upsert(key: k, vector: v) }
        for (qi, q) in (randomUnitVectors(30, dim: dim, seed: 8) + [dup]).enumerated() {
            let k = qi % 3 == 0 ? 1 : 10
            let got = try index.search(q, k: k, threads: threads)
            let want = naiveTopK(items, q, k: k + 1)
            #expect(got.count == k)
            for (i, h) in got.enumerated() {
                #expect(abs(Double(h.score) - want[i].score) < 1e-5)
                if i > 0 {
                    let p = got[i - 1]
                    #expect(p.score > h.score || (p.score == h.score && p.key < h.key), "order \(p) then \(h)")
                }
            }
            // Same key set unless the naive k-th and (k+1)-th are too close to separate in float32.
            if want[k - 1].score - want[k].score > 1e-5 {
                #expect(Set(got.map(\.key)) == Set(want.prefix(k).map(\.key)))
            }
        }
        let tie = try index.search(dup, k: 4, threads: threads)
        #expect(tie.map(\.key) == ["aa-dup", "k5", "mm-dup", "zz-dup"])
    }

    @Test("parallel scan returns exactly what a single-threaded scan returns")
    func parallelMatchesSerial() throws {
        let dim = 32
        let index = VectorIndex(dimension: dim)
        let vs = randomUnitVectors(70_000, dim: dim, seed: 11)
        try index.upsert(vs.enumerated().map { (key: "p\($0.offset)", vector: $0.element) })
        for q in randomUnitVectors(5, dim: dim, seed: 12) {
            #expect(try index.search(q, k: 25, threads: 1) == index.search(q, k: 25, threads: 3))
        }
    }

    @Test("filter restricts results to the allowed keys and still returns k of them")
    func filtering() throws {
        let dim = 24
        let items = randomUnitVectors(2000, dim: dim, seed: 21).enumerated().map { ("doc-\($0.offset)", $0.element) }
        let index = VectorIndex(dimension: dim)
        for (k, v) in items { try index.upsert(key: k, vector: v) }
        let allowedSet = Set(items.map(\.0).filter { Int($0.dropFirst(4))! % 7 == 0 })
        let q = randomUnitVectors(1, dim: dim, seed: 22)[0]
        let got = try index.search(q, k: 10, allowed: { allowedSet.contains($0) })
        let want = naiveTopK(items, q, k: 10, allowed: { allowedSet.contains($0) })
        #expect(got.map(\.key) == want.map(\.key))
        #expect(got.allSatisfy { allowedSet.contains($0.key) })
        #expect(try index.search(q, k: 5, allowed: { _ in false }).isEmpty)
    }

    @Test("removed keys never come back; upsert replaces")
    func removeAndReplace() throws {
        let dim = 16
        let items = randomUnitVectors(3000, dim: dim, seed: 31).enumerated().map { ("x\($0.offset)", $0.element) }
        let index = VectorIndex(dimension: dim)
        for (k, v) in items { try index.upsert(key: k, vector: v) }
        var removed = Set<String>()
        // Remove the true nearest neighbours of a query, enough to trigger compaction too.
        let q = items[42].1
        for hit in naiveTopK(items, q, k: 1500) {
            index.remove(key: hit.key)
            removed.insert(hit.key)
        }
        #expect(index.count == 1500)
        #expect(index.vector(for: "x42") == nil)
        let live = items.filter { !removed.contains($0.0) }
        let got = try index.search(q, k: 20)
        #expect(got.allSatisfy { !removed.contains($0.key) })
        #expect(got.map(\.key) == naiveTopK(live, q, k: 20).map(\.key))
        // Replace one vector with the query itself: it must now rank first with score ~1.
        let target = live[0].0
        try index.upsert(key: target, vector: q)
        #expect(index.count == 1500)
        #expect(index.vector(for: target) == q)
        let first = try index.search(q, k: 1)[0]
        #expect(first.key == target)
        #expect(abs(first.score - 1) < 1e-5)
        // Re-adding a removed key works.
        try index.upsert(key: "x42", vector: items[42].1)
        #expect(index.count == 1501)
    }

    @Test("similar(to:) excludes the paper itself")
    func similarExcludesSelf() throws {
        var fixture = EmbeddingFixture(dim: 32, seed: 5)
        let index = VectorIndex(dimension: 32)
        for (i, v) in fixture.batch(500).enumerated() { try index.upsert(key: "paper\(i)", vector: v) }
        let hits = index.similar(to: "paper7", k: 6)
        #expect(hits.count == 6)
        #expect(!hits.contains { $0.key == "paper7" })
        let v = index.vector(for: "paper7")!
        let direct = try index.search(v, k: 7).filter { $0.key != "paper7" }
        #expect(hits == Array(direct.prefix(6)))
        #expect(index.similar(to: "missing", k: 6).isEmpty)
    }

    @Test("wrong dimension and non-finite values are rejected")
    func validation() throws {
        let index = VectorIndex(dimension: 8)
        #expect(throws: VectorIndexError.dimensionMismatch(expected: 8, got: 7)) {
            try index.upsert(key: "a", vector: [Float](repeating: 0.1, count: 7))
        }
        var bad = [Float](repeating: 0.1, count: 8)
        bad[3] = .nan
        #expect(throws: VectorIndexError.nonFiniteValue(key: "a")) { try index.upsert(key: "a", vector: bad) }
        bad[3] = .infinity
        #expect(throws: VectorIndexError.self) { try index.upsert(key: "a", vector: bad) }
        #expect(index.count == 0)
        #expect(throws: VectorIndexError.dimensionMismatch(expected: 8, got: 9)) {
            try index.search([Float](repeating: 0.1, count: 9), k: 3)
        }
        try index.upsert(key: "a", vector: [Float](repeating: 0.1, count: 8))
        #expect(try index.search([Float](repeating: 0.1, count: 8), k: 0).isEmpty)
        #expect(try index.search([Float](repeating: 0.1, count: 8), k: 5).count == 1)
    }

    @Test("int8 storage keeps recall@10 at or above 0.95 on embedding-like data")
    func int8Recall() throws {
        let dim = 128
        var fixture = EmbeddingFixture(dim: dim, seed: 41)
        let base = fixture.batch(8000)
        let exact = VectorIndex(dimension: dim)
        let quantized = VectorIndex(dimension: dim, storage: .int8)
        for (i, v) in base.enumerated() {
            try exact.upsert(key: "\(i)", vector: v)
            try quantized.upsert(key: "\(i)", vector: v)
        }
        var total = 0.0
        let queries = fixture.batch(100)
        for q in queries {
            total += recallAt(10, got: try quantized.search(q, k: 10), truth: try exact.search(q, k: 10))
        }
        let recall = total / Double(queries.count)
        #expect(recall >= 0.95, "int8 recall@10 = \(recall)")
        // Dequantized vectors stay close to the originals.
        let back = quantized.vector(for: "3")!
        #expect(zip(back, base[3]).allSatisfy { abs($0 - $1) <= base[3].map(abs).max()! / 127 })
    }
}

extension SplitMix64 {
    nonisolated(unsafe) static var testRNG = SplitMix64(seed: 1234)
}
