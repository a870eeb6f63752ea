import Foundation
import LexicalIndex
import PaperModel
import TextAnalysis

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
    /// Sentence vectors and relevance feedback for plain queries, when sentence vectors exist; nil: two lists.
    public var feedback: FeedbackFusion?

    public init(lexicalWeight: Float, candidates: Int, feedback: FeedbackFusion? = .tuned) {
        self.lexicalWeight = lexicalWeight
        self.candidates = candidates
        self.feedback = feedback
    }

    /// Tuned on the SciFact TRAIN split (benchmarks/RESULTS.md, "Hybrid search").
    public static let tuned = FusionParameters(lexicalWeight: 0.4, candidates: 100)
}

/// Three-list fusion with RM3 relevance feedback. Lists: BM25F, best window-chunk cosine, best sentence cosine,
/// each z-scored over its top `candidates` (a paper missing from a list gets that list's lowest z-score).
/// First pass: `firstPass` weights. The top `documents` papers of the first pass, weighted by a softmax of their
/// fused scores, give a relevance model over their analyzed title+abstract terms (term frequency / length);
/// its `terms` strongest terms join the query's own terms (`originalWeight` shared by the query terms,
/// `1 - originalWeight` by the expansion terms in proportion to their weight) for a second BM25F pass, fused with
/// the same cosine lists by `finalPass` weights. Tuned on SciFact TRAIN (benchmarks/RESULTS.md).
public struct FeedbackFusion: Sendable, Equatable {
    /// Weights of (lexical, window cosine, sentence cosine).
    public var firstPass: [Float]
    public var finalPass: [Float]
    public var documents: Int
    public var terms: Int
    public var originalWeight: Float

    public init(firstPass: [Float], finalPass: [Float], documents: Int, terms: Int, originalWeight: Float) {
        self.firstPass = firstPass
        self.finalPass = finalPass
        self.documents = documents
        self.terms = terms
        self.originalWeight = originalWeight
    }

    public static let tuned = FeedbackFusion(
        firstPass: [0.4, 0.2, 0.4], finalPass: [0.6, 0.1, 0.3], documents: 3, terms: 30, originalWeight: 0.6)
}

/// RM3 query expansion from feedback documents.
enum RelevanceFeedback {
    static let analyzer = Analyzer.standard

    static func terms(_ text: String) -> [String] {
        analyzer.analyze(text, field: .text).filter { !$0.isCompound }.map(\.term)
    }

    /// Weighted index terms for the second lexical pass. `documents` come with their first-pass scores.
    static func expand(query: String, documents: [(Paper, Float)], parameters: FeedbackFusion) -> [String: Float] {
        var weights: [String: Float] = [:]
        let queryTerms = terms(query)
        for t in queryTerms { weights[t, default: 0] += parameters.originalWeight / Float(queryTerms.count) }
        guard !documents.isEmpty else { return weights }
        let maxScore = documents.map(\.1).max()!
        let exps = documents.map { exp(Double($0.1 - maxScore)) }
        let total = exps.reduce(0, +)
        var model: [String: Double] = [:]
        for ((paper, _), e) in zip(documents, exps) {
            let tokens = terms(paper.title + " " + paper.abstract)
            guard !tokens.isEmpty else { continue }
            let w = e / total / Double(tokens.count)
            for t in tokens { model[t, default: 0] += w }
        }
        let strongest = model.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(
            parameters.terms)
        let sum = strongest.reduce(0) { $0 + $1.value }
        guard sum > 0 else { return weights }
        for (t, v) in strongest { weights[t, default: 0] += (1 - parameters.originalWeight) * Float(v / sum) }
        return weights
    }
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

    /// Weighted sum of z-scored lists; a paper missing from a list gets that list's lowest z-score.
    static func combine(_ lists: [[String: Float]], weights: [Float]) -> [(paperID: String, score: Float)] {
        let z = lists.map(zScores)
        let floors = z.map { $0.values.min() ?? 0 }
        var keys = Set<String>()
        for list in lists { keys.formUnion(list.keys) }
        var result: [(paperID: String, score: Float)] = []
        result.reserveCapacity(keys.count)
        for key in keys {
            var score: Float = 0
            for i in z.indices { score += weights[i] * (z[i][key] ?? floors[i]) }
            result.append((key, score))
        }
        return result.sorted { $0.score != $1.score ? $0.score > $1.score : $0.paperID < $1.paperID }
    }

    static func combine(
        lexical: [String: Float], semantic: [String: Float], parameters: FusionParameters
    ) -> [SearchHit] {
        let w = parameters.lexicalWeight
        return combine([lexical, semantic], weights: [w, 1 - w]).map {
            SearchHit(
                paperID: $0.paperID, score: $0.score, lexicalScore: lexical[$0.paperID],
                semanticScore: semantic[$0.paperID])
        }
    }
}
