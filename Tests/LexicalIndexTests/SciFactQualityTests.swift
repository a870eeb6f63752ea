import Foundation
import LexicalIndex
import SearchEval
import Testing

private let scifact = sharedDataDirectory()?.appendingPathComponent("scifact")

/// Quality gate on real data: SciFact train claims against its corpus (title + " " + text, as BEIR indexes it).
@Suite struct SciFactQualityTests {
    @Test(
        .enabled(if: scifact != nil, "shared/data/scifact not found (set PAPERBOY_SHARED_DIR); skipping quality gate"))
    func trainNDCGAtLeastTantivyLevel() throws {
        let data = try BEIRDataset.load(directory: scifact!)
        #expect(data.queries.count == 809)
        let index = try LexicalIndex.open(directory: nil)
        // Title and text as separate fields: BM25F weighs the title; the text indexed is title + " " + text.
        index.upsert(data.corpus.map { IndexDocument(key: $0.id, title: $0.title, abstract: $0.text) })
        try index.commit(sequence: 1)
        // Claims are natural language: quotes in them are punctuation, not phrase syntax.
        let report = try Evaluator.evaluate(data) { try index.searchPlainText($0, limit: 100).map(\.key) }
        print("SciFact train lexical: \(report)")
        #expect(report.ndcgAt10 >= 0.70)
        #expect(report.recallAt100 >= 0.90)
    }
}
