import Foundation
import PaperSupport

@testable import VectorIndex

/// Deterministic synthetic embeddings shaped like real ones: a low-dimensional
/// Gaussian mixture projected up and normalized (same recipe as the benchmark).
struct EmbeddingFixture {
    var rng: SplitMix64
    let dim: Int
    let latent: Int
    let projection: [Float]  // latent x dim
    let centers: [[Float]]

    init(dim: Int, latent: Int = 16, topics: Int = 64, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        self.dim = dim
        self.latent = latent
        projection = (0..<(latent * dim)).map { _ in Float(EmbeddingFixture.gaussian(&rng)) / Float(latent).squareRoot()
        }
        centers = (0..<topics).map { _ in (0..<latent).map { _ in Float(EmbeddingFixture.gaussian(&rng)) } }
        self.rng = rng
    }

    static func gaussian(_ rng: inout SplitMix64) -> Double {
        let u1 = rng.nextUnitOpen(), u2 = rng.nextUnitOpen()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    mutating func next() -> [Float] {
        let c = centers[Int(rng.next() % UInt64(centers.count))]
        let z = c.map { $0 + 0.6 * Float(EmbeddingFixture.gaussian(&rng)) }
        var x = [Float](repeating: 0, count: dim)
        for i in 0..<latent {
            for j in 0..<dim { x[j] += z[i] * projection[i * dim + j] }
        }
        for j in 0..<dim { x[j] += 0.15 * Float(EmbeddingFixture.gaussian(&rng)) }
        return normalized(x)
    }

    mutating func batch(_ n: Int) -> [[Float]] { (0..<n).map { _ in next() } }
}

func normalized(_ v: [Float]) -> [Float] {
    let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return n > 0 ? v.map { $0 / n } : v
}

func randomUnitVectors(_ n: Int, dim: Int, seed: UInt64) -> [[Float]] {
    var rng = SplitMix64(seed: seed)
    return (0..<n).map { _ in normalized((0..<dim).map { _ in Float(EmbeddingFixture.gaussian(&rng)) }) }
}

func naiveDot(_ a: [Float], _ b: [Float]) -> Double {
    var s = 0.0
    for i in a.indices { s += Double(a[i]) * Double(b[i]) }
    return s
}

/// Brute-force reference: (key, score) best first, ties by key.
func naiveTopK(
    _ items: [(String, [Float])], _ q: [Float], k: Int, allowed: (String) -> Bool = { _ in true }
) -> [(key: String, score: Double)] {
    var scored: [(key: String, score: Double)] = []
    for (key, v) in items where allowed(key) { scored.append((key: key, score: naiveDot(v, q))) }
    scored.sort { (a: (key: String, score: Double), b: (key: String, score: Double)) -> Bool in
        a.score != b.score ? a.score > b.score : a.key < b.key
    }
    return Array(scored.prefix(k))
}

func tempURL(_ name: String) -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("paperboy-vector-tests-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("\(name)-\(UUID().uuidString).pbvec")
}

func recallAt(_ k: Int, got: [VectorHit], truth: [VectorHit]) -> Double {
    let want = Set(truth.prefix(k).map(\.key))
    return Double(got.prefix(k).filter { want.contains($0.key) }.count) / Double(max(1, want.count))
}
