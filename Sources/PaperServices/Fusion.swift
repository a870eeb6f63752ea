import LexicalIndex

/// How lexical and semantic scores are combined.
///
/// Each list is z-score normalized over its own candidates (BM25 scores and cosines live on different scales and
/// spreads), then mixed: `lexicalWeight × z(bm25) + (1 - lexicalWeight) × z(cosine)`. A document missing from
/// the lexical list gets that list's lowest z-score (it did not match well enough to be a candidate); semantic
/// scores are computed exactly for every lexical candidate, so that side is never missing.
public struct FusionParameters: Sendable, Equatable {
    public var lexicalWeight: Float
    /// Candidates taken from each list before fusing.
    public var candidates: Int

    public init(lexicalWeight: Float, candidates: Int) {
        self.lexicalWeight = lexicalWeight
        self.candidates = candidates
    }

    /// Tuned on the SciFact TRAIN split (benchmarks/RESULTS.md, "Hybrid search").
    public static let tuned = FusionParameters(lexicalWeight: 0.4, candidates: 100)
}

extension BM25Parameters {
    /// Paperboy's BM25 settings for papers.
    public static let paperboy = BM25Parameters.default
}

enum Fusion {
    static func zScores(_ scores: [String: Float]) -> [String: Float] {
        guard scores.count > 1 else { return scores.mapValues { _ in 0 } }
        let values = Array(scores.values)
        let mean = values.reduce(0, +) / Float(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(values.count)
        let deviation = max(variance.squareRoot(), 1e-6)
        return scores.mapValues { ($0 - mean) / deviation }
    }

    static func combine(lexical: [String: Float], semantic: [String: Float], parameters: FusionParameters) -> [SearchHit] {
        let l = zScores(lexical), s = zScores(semantic)
        let lexicalFloor = l.values.min() ?? 0, semanticFloor = s.values.min() ?? 0
        let w = parameters.lexicalWeight
        var hits: [SearchHit] = []
        hits.reserveCapacity(lexical.count + semantic.count)
        for key in Set(lexical.keys).union(semantic.keys) {
            let score = w * (l[key] ?? lexicalFloor) + (1 - w) * (s[key] ?? semanticFloor)
            hits.append(SearchHit(paperID: key, score: score, lexicalScore: lexical[key], semanticScore: semantic[key]))
        }
        return hits.sorted { $0.score != $1.score ? $0.score > $1.score : $0.paperID < $1.paperID }
    }
}
