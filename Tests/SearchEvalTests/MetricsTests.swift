import Foundation
import Testing

@testable import SearchEval

@Suite struct MetricsTests {
    @Test func ndcgBinaryHandComputed() {
        // Relevant: a, b. Ranked: x a y b → DCG = 1/log2(3) + 1/log2(5); IDCG = 1 + 1/log2(3).
        let ndcg = RetrievalMetrics.ndcg(ranked: ["x", "a", "y", "b"], judgments: ["a": 1, "b": 1], k: 10)
        let expected = (1 / log2(3.0) + 1 / log2(5.0)) / (1 + 1 / log2(3.0))
        #expect(abs(ndcg - expected) < 1e-12)
    }

    @Test func ndcgGradedUsesGainsAsGiven() {
        // trec_eval ndcg_cut uses the grade itself as gain (not 2^g - 1).
        let ndcg = RetrievalMetrics.ndcg(ranked: ["b", "a"], judgments: ["a": 2, "b": 1], k: 10)
        let expected = (1 + 2 / log2(3.0)) / (2 + 1 / log2(3.0))
        #expect(abs(ndcg - expected) < 1e-12)
    }

    @Test func ndcgCutoffAndIdealFromAllRelevant() {
        // 12 relevant documents, only the 11th retrieved: outside the cutoff.
        var judgments: [String: Int] = [:]
        for i in 0..<12 { judgments["r\(i)"] = 1 }
        let ranked = (0..<10).map { "n\($0)" } + ["r0"]
        #expect(RetrievalMetrics.ndcg(ranked: ranked, judgments: judgments, k: 10) == 0)
        #expect(RetrievalMetrics.ndcg(ranked: ["r0"], judgments: judgments, k: 10) > 0)
    }

    @Test func judgedNonRelevantGainsNothing() {
        #expect(RetrievalMetrics.ndcg(ranked: ["a"], judgments: ["a": 0, "b": 1], k: 10) == 0)
        #expect(RetrievalMetrics.recall(ranked: ["a"], judgments: ["a": 0, "b": 1], k: 100) == 0)
    }

    @Test func recallAndReciprocalRank() {
        let j = ["a": 1, "b": 1, "c": 1, "d": 1]
        #expect(RetrievalMetrics.recall(ranked: ["a", "x", "c"], judgments: j, k: 100) == 0.5)
        #expect(RetrievalMetrics.reciprocalRank(ranked: ["x", "y", "c"], judgments: j, k: 10) == 1.0 / 3)
        #expect(
            RetrievalMetrics.reciprocalRank(ranked: Array(repeating: "x", count: 10) + ["a"], judgments: j, k: 10) == 0)
    }

    @Test func evaluatorAveragesOverJudgedQueries() {
        let qrels = Qrels(["1": ["a": 1], "2": ["b": 1]])
        let report = Evaluator.evaluate(queries: [("1", "q1"), ("2", "q2"), ("3", "unjudged")], qrels: qrels) { q in
            q == "q1" ? ["a"] : ["x", "b"]
        }
        #expect(report.perQuery.count == 2)
        #expect(abs(report.mrrAt10 - 0.75) < 1e-12)
        #expect(abs(report.ndcgAt10 - (1 + 1 / log2(3.0)) / 2) < 1e-12)
        #expect(report.trecRun().contains("2 Q0 b 2 1 paperboy"))
    }

    @Test func loadsBEIRFolder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("beir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("qrels"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
        {"_id": "d1", "title": "Aspirin", "text": "reduces fever", "metadata": {}}
        {"_id": "d2", "title": "", "text": "unrelated"}
        """.write(to: dir.appendingPathComponent("corpus.jsonl"), atomically: true, encoding: .utf8)
        try """
        {"_id": "1", "text": "does aspirin reduce fever"}
        {"_id": "9", "text": "no judgments"}
        """.write(to: dir.appendingPathComponent("queries-train.jsonl"), atomically: true, encoding: .utf8)
        try "query-id\tcorpus-id\tscore\n1\td1\t1\n".write(
            to: dir.appendingPathComponent("qrels/train.tsv"), atomically: true, encoding: .utf8)
        let data = try BEIRDataset.load(directory: dir)
        #expect(data.corpus.count == 2)
        #expect(data.corpus[0] == .init(id: "d1", title: "Aspirin", text: "reduces fever"))
        #expect(data.queries.map(\.id) == ["1"])
        #expect(data.qrels.judgments == ["1": ["d1": 1]])
    }

    @Test func malformedQrelsLineIsReported() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("qrels-\(UUID().uuidString).tsv")
        defer { try? FileManager.default.removeItem(at: url) }
        try "query-id\tcorpus-id\tscore\n1\td1\n".write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: BEIRDataset.LoadError.self) { try Qrels.load(url) }
    }
}
