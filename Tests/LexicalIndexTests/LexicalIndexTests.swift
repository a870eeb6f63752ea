import Foundation
import Testing

@testable import LexicalIndex

@Suite struct LexicalIndexBasicsTests {
    let papers = [
        IndexDocument(
            key: "p1", title: "Pre-training of deep bidirectional transformers",
            abstract: "We introduce BERT, a language representation model.",
            authors: ["Jacob Devlin", "Ming-Wei Chang"],
            categories: ["cs.CL"], day: 17_800, hasCode: true),
        IndexDocument(
            key: "p2", title: "Denoising diffusion probabilistic models",
            abstract: "High quality image synthesis using diffusion models.", authors: ["Jonathan Ho"],
            categories: ["cs.LG"], day: 18_400, hasCode: true),
        IndexDocument(
            key: "p3", title: "Attention is all you need",
            abstract: "The Transformer, based solely on attention mechanisms, for machine translation.",
            authors: ["Ashish Vaswani"], categories: ["cs.CL", "cs.LG"], day: 17_300, hasCode: false),
        IndexDocument(
            key: "p4", title: "Language models are few-shot learners",
            abstract: "GPT-3, a 175B parameter language model, shows strong few-shot performance.",
            authors: ["Tom Brown"], categories: ["cs.CL"], day: 18_400, hasCode: false),
    ]

    func makeIndex() throws -> LexicalIndex {
        let index = try LexicalIndex.open(directory: nil)
        index.upsert(papers)
        try index.commit(sequence: 4)
        return index
    }

    @Test func ranksMatchingDocuments() throws {
        let index = try makeIndex()
        #expect(try index.search("diffusion models").first?.key == "p2")
        #expect(try index.search("transformers").map(\.key).sorted() == ["p1", "p3"])
        #expect(try index.search("pretraining").map(\.key) == ["p1"])
        #expect(try index.search("gpt-3").first?.key == "p4")
        #expect(index.documentCount == 4)
        #expect(index.lastAppliedSequence == 4)
    }

    @Test func changesAppearAtCommit() throws {
        let index = try makeIndex()
        index.upsert([IndexDocument(key: "p2", title: "Graph neural networks", abstract: "Message passing.")])
        index.delete(keys: ["p3"])
        #expect(try index.search("diffusion").map(\.key) == ["p2"])
        try index.commit(sequence: 6)
        #expect(try index.search("diffusion").isEmpty)
        #expect(try index.search("graph").map(\.key) == ["p2"])
        #expect(try index.search("attention").isEmpty)
        #expect(index.documentCount == 3)
        index.upsert([IndexDocument(key: "p9", title: "Temporary", abstract: "")])
        index.delete(keys: ["p9", "unknown"])
        try index.commit(sequence: 7)
        #expect(try index.search("temporary").isEmpty)
    }

    @Test func phrasesExclusionsAndFields() throws {
        let index = try makeIndex()
        #expect(try index.search("\"language model\"").map(\.key) == ["p4"])
        #expect(try index.search("\"model language\"").isEmpty)
        #expect(try index.search("language -bert").map(\.key) == ["p4"])
        #expect(try index.search("ti:language").map(\.key) == ["p4"])
        #expect(try index.search("abs:language").map(\.key).sorted() == ["p1", "p4"])
        #expect(try index.search("au:vaswani").map(\.key) == ["p3"])
        #expect(try index.search("au:\"jonathan ho\"").map(\.key) == ["p2"])
        #expect(try index.search("cat:cs.lg attention").map(\.key) == ["p3"])
        #expect(try index.search("vaswani").map(\.key) == ["p3"])  // plain words also match author names
        #expect(try index.search("ti:\"all you need\"").map(\.key) == ["p3"])
    }

    @Test func programmaticFilters() throws {
        let index = try makeIndex()
        let all = "language models transformers diffusion attention"
        #expect(try index.search(all, filter: .init(hasCode: true)).map(\.key).sorted() == ["p1", "p2"])
        #expect(try index.search(all, filter: .init(dayRange: 18_000...18_500)).map(\.key).sorted() == ["p2", "p4"])
        #expect(try index.search(all, filter: .init(categories: ["CS.LG"])).map(\.key).sorted() == ["p2", "p3"])
        #expect(try index.search("\"language model\"", filter: .init(hasCode: false)).map(\.key) == ["p4"])
    }

    @Test func badQueriesNeverCrash() throws {
        let index = try makeIndex()
        #expect(try index.search("").isEmpty)
        #expect(try index.search("   ").isEmpty)
        #expect(try index.search("the of and").isEmpty)
        #expect(try index.search("-language").isEmpty)
        // An unbalanced quote runs to the end of the query.
        #expect(try index.search("\"language").map(\.key).sorted() == ["p1", "p4"])
        #expect(try index.search("\"unbalanced language").isEmpty)
        _ = try index.search("\"\"\"")
        _ = try index.search("ti: au: cat: -")
        _ = try index.search("lang\u{0}uage\u{7}\u{1B}[31m")
        _ = try index.search("diffusion", limit: 0)
        _ = try index.search("diffusion", limit: Int.max)
        #expect(throws: QueryError.tooLong(maxCharacters: QueryParser.maxQueryCharacters)) {
            try index.search(String(repeating: "language ", count: 1200))
        }
        #expect(try index.parse("a the").isEmpty)
    }

    @Test func plainTextIgnoresOperators() throws {
        let index = try makeIndex()
        // As syntax, the quoted phrase is required and matches nothing; as plain text its words just score.
        #expect(try index.search("diffusion \"language diffusion\"").isEmpty)
        #expect(try index.searchPlainText("diffusion \"language diffusion\"").count == 3)
        #expect(try index.searchPlainText("-bert ti:attention").first?.key == "p3")
        #expect(try index.searchPlainText("").isEmpty)
    }

    @Test func parsedQueryExposesHighlightTerms() throws {
        let parsed = try LexicalIndex.open(directory: nil).parse("Transformers \"language models\" -gpt au:Vaswani")
        #expect(parsed.highlightTerms == ["transform", "languag", "model"])
        #expect(parsed.authorHighlightTerms.contains("vaswani"))
    }
}

@Suite struct LexicalIndexPruningTests {
    @Test func maxScoreEqualsExhaustiveScoring() throws {
        let index = try LexicalIndex.open(directory: nil)
        index.mergeFactor = 100
        let docs = syntheticDocuments(count: 3_000, seed: 7)
        for batch in stride(from: 0, to: docs.count, by: 700) {
            index.upsert(Array(docs[batch..<min(docs.count, batch + 700)]))
            try index.commit(sequence: Int64(batch))
        }
        index.delete(keys: (0..<200).map { "d\($0 * 7)" })
        try index.commit(sequence: 9_999)
        #expect(index.segmentCount > 1)
        for query in randomQueries(count: 300, seed: 11) {
            for k in [1, 10, 100] {
                let pruned = try index.search(query, limit: k)
                let exhaustive = try index.searchExhaustive(query, limit: k)
                #expect(pruned.map(\.key) == exhaustive.map(\.key), "query \(query) k=\(k)")
                #expect(zip(pruned, exhaustive).allSatisfy { abs($0.score - $1.score) <= 1e-4 * max(1, abs($1.score)) })
            }
        }
        let filtered = SearchFilter(dayRange: 18_010...18_050, categories: ["cs.CL"], hasCode: true)
        for query in randomQueries(count: 50, seed: 12) {
            #expect(
                try index.search(query, filter: filtered, limit: 10)
                    == index.searchExhaustive(query, filter: filtered, limit: 10))
        }
    }

    @Test func concurrentSearchesAgreeWithSequentialOnes() async throws {
        let index = try LexicalIndex.open(directory: nil)
        index.upsert(syntheticDocuments(count: 2_000, seed: 21))
        try index.commit(sequence: 1)
        let queries = randomQueries(count: 60, seed: 22)
        // Concurrent first, so that searches race to compute the lazily cached impacts.
        let concurrent = try await withThrowingTaskGroup(of: (Int, [LexicalHit]).self) { group in
            for (i, q) in queries.enumerated() {
                for _ in 0..<3 { group.addTask { (i, try index.search(q, limit: 10)) } }
            }
            var results: [(Int, [LexicalHit])] = []
            for try await r in group { results.append(r) }
            return results
        }
        for (i, hits) in concurrent { #expect(hits == (try index.search(queries[i], limit: 10))) }
    }

    @Test func resultsDoNotDependOnSegmentation() throws {
        let docs = syntheticDocuments(count: 1_500, seed: 3)
        let single = try LexicalIndex.open(directory: nil)
        single.upsert(docs)
        try single.commit(sequence: 1)
        let many = try LexicalIndex.open(directory: nil)
        many.mergeFactor = 1_000
        for batch in stride(from: 0, to: docs.count, by: 100) {
            many.upsert(Array(docs[batch..<(batch + 100)]))
            try many.commit(sequence: Int64(batch))
        }
        #expect(many.segmentCount == 15)
        for query in randomQueries(count: 100, seed: 5) {
            let a = try single.search(query, limit: 10), b = try many.search(query, limit: 10)
            #expect(zip(a, b).allSatisfy { abs($0.score - $1.score) <= 1e-4 * max(1, $1.score) })
            #expect(a.count == b.count)
        }
    }
}

@Suite struct LexicalIndexPersistenceTests {
    @Test func reopensWhatWasCommitted() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let docs = syntheticDocuments(count: 500, seed: 1)
        do {
            let index = try LexicalIndex.open(directory: dir)
            index.upsert(Array(docs[0..<300]))
            try index.commit(sequence: 10)
            index.upsert(Array(docs[300...]))
            index.delete(keys: ["d1", "d2", "d3"])
            try index.commit(sequence: 20)
            index.upsert([IndexDocument(key: "uncommitted", title: "w1x w1x", abstract: "")])
        }
        let reopened = try LexicalIndex.open(directory: dir)
        #expect(reopened.lastAppliedSequence == 20)
        #expect(reopened.documentCount == 497)
        let memory = try LexicalIndex.open(directory: nil)
        memory.upsert(docs.filter { !["d1", "d2", "d3"].contains($0.key) })
        try memory.commit(sequence: 20)
        for query in randomQueries(count: 50, seed: 2) {
            let a = try reopened.search(query, limit: 10).map(\.key)
            #expect(!a.contains("uncommitted") && !a.contains("d1"))
            #expect(a.count == (try memory.search(query, limit: 10)).count)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(files.contains("manifest.json"))
        #expect(!files.contains { $0.hasSuffix(".tmp") })
    }

    @Test func deleteAllEmptiesTheIndexForARebuild() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let index = try LexicalIndex.open(directory: dir)
        index.upsert(syntheticDocuments(count: 100, seed: 8))
        try index.commit(sequence: 5)
        index.deleteAll()
        index.upsert([IndexDocument(key: "fresh", title: "w1x", abstract: "")])
        try index.commit(sequence: 0)
        let reopened = try LexicalIndex.open(directory: dir)
        #expect(reopened.documentCount == 1)
        #expect(reopened.lastAppliedSequence == 0)
        #expect(try reopened.search("w1x").map(\.key) == ["fresh"])
    }

    @Test func tieredMergesBoundSegmentCountAndKeepDocuments() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let index = try LexicalIndex.open(directory: dir)
        index.mergeFactor = 4
        let docs = syntheticDocuments(count: 400, seed: 9)
        for i in stride(from: 0, to: 400, by: 10) {
            index.upsert(Array(docs[i..<(i + 10)]))
            index.delete(keys: ["d\(i / 2)"])
            try index.commit(sequence: Int64(i))
        }
        #expect(index.segmentCount < 8)
        let expected = index.documentCount
        let reopened = try LexicalIndex.open(directory: dir)
        #expect(reopened.documentCount == expected)
        let segmentFiles = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".seg") }
        #expect(segmentFiles.count == reopened.segmentCount)
        try reopened.forceMerge()
        #expect(reopened.segmentCount == 1)
        #expect(try LexicalIndex.open(directory: dir).documentCount == expected)
    }

    @Test func corruptSegmentIsReportedNotCrashed() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let index = try LexicalIndex.open(directory: dir)
        index.upsert(syntheticDocuments(count: 50, seed: 4))
        try index.commit(sequence: 1)
        let segment = try #require(
            try FileManager.default.contentsOfDirectory(atPath: dir.path).first { $0.hasSuffix(".seg") })
        let url = dir.appendingPathComponent(segment)
        var bytes = try [UInt8](Data(contentsOf: url))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: url)
        #expect(throws: LexicalIndexError.self) { try LexicalIndex.open(directory: dir) }
    }
}
