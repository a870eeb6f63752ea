import Foundation

/// Mean metrics of a run over a query set, plus the per-query values for inspection and cross-checks.
public struct EvalReport: Sendable, CustomStringConvertible {
    public struct QueryResult: Sendable {
        public var queryID: String
        public var ndcgAt10: Double
        public var recallAt100: Double
        public var mrrAt10: Double
    }

    public var perQuery: [QueryResult]
    public var ndcgAt10: Double
    public var recallAt100: Double
    public var mrrAt10: Double
    /// The ranked document ids per query (top 100), e.g. to write a TREC run file.
    public var run: [String: [String]]
    public var seconds: Double

    public var description: String {
        String(
            format: "queries=%d nDCG@10=%.4f Recall@100=%.4f MRR@10=%.4f (%.1f s)", perQuery.count, ndcgAt10,
            recallAt100, mrrAt10, seconds)
    }

    /// The run in TREC format (`qid Q0 docid rank score tag`), scores being descending rank numbers.
    public func trecRun(tag: String = "paperboy") -> String {
        var out = ""
        for (qid, docs) in run.sorted(by: { $0.key < $1.key }) {
            for (i, d) in docs.enumerated() { out += "\(qid) Q0 \(d) \(i + 1) \(docs.count - i) \(tag)\n" }
        }
        return out
    }
}

public enum Evaluator {
    /// Evaluates any retrieval function that maps a query text to document ids, best first (at least 100 for
    /// Recall@100). Lexical, vector and hybrid search all plug in here.
    public static func evaluate(
        queries: [(id: String, text: String)], qrels: Qrels, depth: Int = 100,
        retrieve: (String) throws -> [String]
    ) rethrows -> EvalReport {
        let start = Date()
        var results: [EvalReport.QueryResult] = []
        var run: [String: [String]] = [:]
        for q in queries {
            guard let judgments = qrels.judgments[q.id] else { continue }
            let ranked = Array(try retrieve(q.text).prefix(depth))
            run[q.id] = ranked
            results.append(
                .init(
                    queryID: q.id,
                    ndcgAt10: RetrievalMetrics.ndcg(ranked: ranked, judgments: judgments, k: 10),
                    recallAt100: RetrievalMetrics.recall(ranked: ranked, judgments: judgments, k: 100),
                    mrrAt10: RetrievalMetrics.reciprocalRank(ranked: ranked, judgments: judgments, k: 10)))
        }
        let n = Double(max(1, results.count))
        return EvalReport(
            perQuery: results,
            ndcgAt10: results.reduce(0) { $0 + $1.ndcgAt10 } / n,
            recallAt100: results.reduce(0) { $0 + $1.recallAt100 } / n,
            mrrAt10: results.reduce(0) { $0 + $1.mrrAt10 } / n,
            run: run, seconds: Date().timeIntervalSince(start))
    }

    public static func evaluate(
        _ dataset: BEIRDataset, depth: Int = 100,
        retrieve: (String) throws -> [String]
    ) rethrows -> EvalReport {
        try evaluate(queries: dataset.queries, qrels: dataset.qrels, depth: depth, retrieve: retrieve)
    }
}
