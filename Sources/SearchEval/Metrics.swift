import Foundation

/// Per-query retrieval metrics computed exactly as trec_eval / pytrec_eval do (`ndcg_cut`, `recall`,
/// `recip_rank` with a cutoff), which is what BEIR reports.
public enum RetrievalMetrics {
    /// nDCG@k with gain = relevance grade (binary qrels give gain 1), discount log2(rank + 1), and the ideal
    /// ranking built from all judged-relevant documents of the query. Documents with grade ≤ 0 gain nothing.
    public static func ndcg(ranked: [String], judgments: [String: Int], k: Int) -> Double {
        var dcg = 0.0
        for (i, id) in ranked.prefix(k).enumerated() {
            let gain = Double(max(0, judgments[id] ?? 0))
            if gain > 0 { dcg += gain / log2(Double(i + 2)) }
        }
        let ideal = judgments.values.filter { $0 > 0 }.sorted(by: >).prefix(k)
        var idcg = 0.0
        for (i, g) in ideal.enumerated() { idcg += Double(g) / log2(Double(i + 2)) }
        return idcg > 0 ? dcg / idcg : 0
    }

    /// Fraction of the relevant documents found in the top k.
    public static func recall(ranked: [String], judgments: [String: Int], k: Int) -> Double {
        let relevant = judgments.filter { $0.value > 0 }
        guard !relevant.isEmpty else { return 0 }
        let found = ranked.prefix(k).filter { relevant[$0] != nil }.count
        return Double(found) / Double(relevant.count)
    }

    /// Reciprocal rank of the first relevant document within the top k (0 if none).
    public static func reciprocalRank(ranked: [String], judgments: [String: Int], k: Int) -> Double {
        for (i, id) in ranked.prefix(k).enumerated() where (judgments[id] ?? 0) > 0 { return 1 / Double(i + 1) }
        return 0
    }
}
