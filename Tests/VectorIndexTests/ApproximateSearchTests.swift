import Foundation
import Testing

@testable import VectorIndex

@Suite("HNSW approximate search")
struct ApproximateSearchTests {
    static func corpus(_ n: Int, dim: Int, seed: UInt64) -> (VectorIndex, [[Float]], EmbeddingFixture) {
        var fixture = EmbeddingFixture(dim: dim, seed: seed)
        let index = VectorIndex(dimension: dim)
        let base = fixture.batch(n)
        try! index.upsert(base.enumerated().map { (key: "\($0.offset)", vector: $0.element) })
        return (index, base, fixture)
    }

    @Test("recall@10 >= 0.95 on 20K clustered vectors")
    func recall() throws {
        var (index, _, fixture) = Self.corpus(20_000, dim: 48, seed: 51)
        index.buildApproximate(parameters: HNSWParameters(m: 12, efConstruction: 100, efSearch: 64, seed: 1))
        let queries = fixture.batch(200)
        var total = 0.0
        for q in queries {
            total += recallAt(10, got: try index.searchApproximate(q, k: 10), truth: try index.search(q, k: 10))
        }
        let recall = total / Double(queries.count)
        #expect(recall >= 0.95, "HNSW recall@10 = \(recall)")
        // A tiny beam is measurably worse, which shows the check above can fail.
        var narrow = 0.0
        for q in queries {
            narrow += recallAt(
                10, got: try index.searchApproximate(q, k: 10, ef: 10), truth: try index.search(q, k: 10))
        }
        #expect(narrow / Double(queries.count) <= recall)
    }

    @Test("int8 graph reaches useful recall against float32 exact truth")
    func int8Graph() throws {
        var fixture = EmbeddingFixture(dim: 64, seed: 61)
        let base = fixture.batch(5000)
        let exact = VectorIndex(dimension: 64)
        let approx = VectorIndex(dimension: 64, storage: .int8)
        for (i, v) in base.enumerated() {
            try exact.upsert(key: "\(i)", vector: v)
            try approx.upsert(key: "\(i)", vector: v)
        }
        approx.buildApproximate(parameters: HNSWParameters(m: 12, efConstruction: 80, seed: 2))
        var total = 0.0
        let queries = fixture.batch(100)
        for q in queries {
            total += recallAt(
                10, got: try approx.searchApproximate(q, k: 10, ef: 64), truth: try exact.search(q, k: 10))
        }
        #expect(total / Double(queries.count) >= 0.9)
    }

    @Test("same seed and input give the same graph, byte for byte")
    func deterministic() throws {
        let (a, _, _) = Self.corpus(3000, dim: 16, seed: 71)
        let (b, _, _) = Self.corpus(3000, dim: 16, seed: 71)
        let p = HNSWParameters(m: 8, efConstruction: 40, seed: 9)
        a.buildApproximate(parameters: p)
        b.buildApproximate(parameters: p)
        let ua = tempURL("det-a"), ub = tempURL("det-b")
        try a.save(to: ua, modelIdentity: "m", sequence: 1)
        try b.save(to: ub, modelIdentity: "m", sequence: 1)
        #expect(try Data(contentsOf: ua) == Data(contentsOf: ub))
        let (c, _, _) = Self.corpus(3000, dim: 16, seed: 71)
        c.buildApproximate(parameters: HNSWParameters(m: 8, efConstruction: 40, seed: 10))
        let uc = tempURL("det-c")
        try c.save(to: uc, modelIdentity: "m", sequence: 1)
        #expect(try Data(contentsOf: ua) != Data(contentsOf: uc))
    }

    @Test("incremental upserts and removals after the build stay searchable and correct")
    func incremental() throws {
        var (index, base, fixture) = Self.corpus(4000, dim: 32, seed: 81)
        index.buildApproximate(parameters: HNSWParameters(m: 12, efConstruction: 80, seed: 3))
        let added = fixture.batch(500)
        for (i, v) in added.enumerated() { try index.upsert(key: "new\(i)", vector: v) }
        // Every new vector finds itself first.
        for (i, v) in added.enumerated().prefix(50) {
            #expect(try index.searchApproximate(v, k: 1, ef: 64).first?.key == "new\(i)")
        }
        // Removed keys disappear from approximate results, even as exact matches.
        for i in 0..<200 { index.remove(key: "\(i)") }
        for i in 0..<200 {
            let hits = try index.searchApproximate(base[i], k: 10, ef: 64)
            #expect(hits.allSatisfy { Int($0.key).map { $0 >= 200 } ?? true })
        }
        // Replacing a vector moves the key to its new neighbourhood.
        try index.upsert(key: "300", vector: added[0])
        let top = try index.searchApproximate(added[0], k: 2, ef: 64).map(\.key)
        #expect(Set(top) == ["300", "new0"])
        #expect(index.count == 4000 - 200 + 500)
    }

    @Test("filters apply to approximate results")
    func filtered() throws {
        var (index, _, fixture) = Self.corpus(3000, dim: 24, seed: 91)
        index.buildApproximate(parameters: HNSWParameters(m: 8, efConstruction: 60, seed: 4))
        for q in fixture.batch(20) {
            let hits = try index.searchApproximate(q, k: 10, ef: 200, allowed: { Int($0)! % 2 == 0 })
            #expect(!hits.isEmpty)
            #expect(hits.allSatisfy { Int($0.key)! % 2 == 0 })
        }
    }

    @Test("without a graph, approximate search falls back to exact")
    func fallback() throws {
        let (index, base, _) = Self.corpus(500, dim: 16, seed: 95)
        #expect(try index.searchApproximate(base[3], k: 5) == index.search(base[3], k: 5))
    }
}
