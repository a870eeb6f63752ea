import ArgumentParser
import Foundation
import LexicalIndex
import Logging
import PaperModel
import PaperServices
import PaperStore
import SearchEval

extension SearchMode: ExpressibleByArgument {}

struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Measure search and recommendation quality.",
        subcommands: [EvalBEIR.self, EvalRecommend.self])
}

struct EvalBEIR: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "beir",
        abstract: "Index a BEIR folder and print nDCG@10, Recall@100 and MRR@10 (binary gains, log2 discount).",
        discussion: """
            The corpus goes through the product's own path: papers into a store in a work folder, embedded by \
            the background indexer, indexed by the search engine. Without --mode, every mode the model allows \
            is measured. Reuse --work-dir to skip re-embedding between runs.
            """)

    @Argument(help: "BEIR folder with corpus.jsonl, queries and qrels/.")
    var directory: String

    @Option(help: "Queries file (default: queries.jsonl in the folder).")
    var queries: String?

    @Option(help: "Qrels TSV (default: qrels/test.tsv in the folder).")
    var qrels: String?

    @Option(help: "lexical, semantic or hybrid (default: all that are available).")
    var mode: SearchMode?

    @OptionGroup var model: ModelOptions

    @Option(help: "Work folder for the store and indexes (default: a temporary folder, removed afterwards).")
    var workDir: String?

    @Option(help: "Hybrid: weight of the lexical z-score (0...1).")
    var lexicalWeight: Float?

    @Option(help: "Hybrid: candidates taken from each list.")
    var candidates: Int?

    @Option(
        help:
            "Hybrid: feedback fusion settings to try, e.g. 'first=0.4,0.2,0.4;final=0.6,0.1,0.3;docs=5;terms=20;original=0.6' (for tuning on a training split)."
    )
    var feedback: String?

    @Flag(
        help: "Hybrid: fuse only BM25 and window vectors (no sentence vectors, no relevance feedback), for comparison.")
    var noFeedback = false

    @Flag(help: "Hybrid: also evaluate lexical weights 0.1...0.9 (for tuning on a training split).")
    var sweep = false

    @Flag(help: "Print JSON.")
    var json = false

    /// The title of documents that have none.
    static let untitled = "(untitled)"

    func run() async throws {
        var logger = Logger(label: "paperboy.eval")
        logger.logLevel = .warning
        let dataset: BEIRDataset
        do {
            dataset = try BEIRDataset.load(
                directory: URL(fileURLWithPath: directory), queriesFile: queries.map { URL(fileURLWithPath: $0) },
                qrelsFile: qrels.map { URL(fileURLWithPath: $0) })
        } catch {
            throw CommandFailure("cannot load the BEIR folder \(directory): \(error)")
        }
        let work =
            workDir.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("paperboy-eval-\(UUID().uuidString)")
        defer { if workDir == nil { try? FileManager.default.removeItem(at: work) } }
        let store = try SQLitePaperStore.open(directory: work)
        // BEIR allows documents without a title (common in its sets); the store does not, so they get a one-word
        // placeholder, which scores only for queries that contain "untitled".
        let untitled = dataset.corpus.filter { $0.title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }.count
        if untitled > 0 {
            FileHandle.standardError.write(
                Data("note: \(untitled) documents have no title; stored as \(Self.untitled.debugDescription)\n".utf8))
        }
        try await store.upsert(
            dataset.corpus.map {
                let title = $0.title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? Self.untitled : $0.title
                return Paper(id: $0.id, title: title, abstract: $0.text, links: [])
            })

        let needsModel = mode != .lexical
        let encoder = needsModel && model.resolvedDirectory != nil ? try model.load() : nil
        if mode != nil, mode != .lexical, encoder == nil {
            throw CommandFailure("--mode \(mode!.rawValue) needs a model (--model DIR or scripts/fetch-model.sh)")
        }
        if let encoder {
            for (label, policy) in [("embedding corpus", ChunkPolicy.standard), ("embedding sentences", .sentences)]
            where policy == .standard || !noFeedback {
                let bar = ProgressBar(label: label, unit: .count)
                let indexer = EmbeddingIndexer(
                    store: store, embedder: encoder, chunking: policy, batchSize: 64, logger: logger,
                    onBatch: { done, total in bar.update(done: Int64(done), total: Int64(total)) })
                _ = try await indexer.catchUp()
                bar.finish()
            }
        }
        var fusion = FusionParameters.tuned
        if let lexicalWeight { fusion.lexicalWeight = lexicalWeight }
        if let candidates { fusion.candidates = candidates }
        if noFeedback { fusion.feedback = nil }
        if let feedback { fusion.feedback = try Self.parseFeedback(feedback) }
        let engine = try PaperSearchEngine(
            store: store, directory: work.appendingPathComponent("index"), embedder: encoder, fusion: fusion,
            logger: logger)
        try await engine.catchUp()

        let modes = mode.map { [$0] } ?? (encoder == nil ? [.lexical] : SearchMode.allCases)
        var rows: [(String, EvalReport)] = []
        for m in modes {
            rows.append((m.rawValue, try await evaluate(engine, dataset, mode: m)))
        }
        if sweep, let encoder {
            for w in stride(from: Float(0.1), through: 0.9, by: 0.1) {
                let variant = try PaperSearchEngine(
                    store: store, directory: work.appendingPathComponent("index"), embedder: encoder,
                    fusion: FusionParameters(lexicalWeight: w, candidates: fusion.candidates, feedback: nil),
                    logger: logger)
                try await variant.catchUp()
                rows.append((String(format: "hybrid w=%.1f", w), try await evaluate(variant, dataset, mode: .hybrid)))
            }
        }
        if json {
            let object = rows.map {
                [
                    "mode": $0.0, "ndcg@10": $0.1.ndcgAt10, "recall@100": $0.1.recallAt100, "mrr@10": $0.1.mrrAt10,
                    "queries": $0.1.perQuery.count, "seconds": $0.1.seconds,
                ] as [String: Any]
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(
                "corpus: \(dataset.corpus.count) documents, \(dataset.queries.count) queries"
                    + (encoder.map { ", model \($0.identity)" } ?? ", no model"))
            print("mode            nDCG@10  Recall@100  MRR@10   ms/query")
            for (name, report) in rows {
                let perQuery = report.seconds * 1000 / Double(max(1, report.perQuery.count))
                let label = name.padding(toLength: 15, withPad: " ", startingAt: 0)
                print(
                    label
                        + String(
                            format: " %.4f   %.4f      %.4f   %.2f", report.ndcgAt10, report.recallAt100,
                            report.mrrAt10, perQuery))
            }
        }
    }

    static func parseFeedback(_ text: String) throws -> FeedbackFusion {
        var f = FeedbackFusion.tuned
        for part in text.split(separator: ";") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2 else { throw CommandFailure("--feedback: expected key=value, got \(part)") }
            let numbers = kv[1].split(separator: ",").compactMap { Float($0) }
            switch kv[0] {
            case "first" where numbers.count == 3: f.firstPass = numbers
            case "final" where numbers.count == 3: f.finalPass = numbers
            case "docs" where numbers.count == 1: f.documents = Int(numbers[0])
            case "terms" where numbers.count == 1: f.terms = Int(numbers[0])
            case "original" where numbers.count == 1: f.originalWeight = numbers[0]
            default: throw CommandFailure("--feedback: cannot use \(part)")
            }
        }
        return f
    }

    func evaluate(_ engine: PaperSearchEngine, _ dataset: BEIRDataset, mode: SearchMode) async throws -> EvalReport {
        let started = Date()
        var ranked: [String: [String]] = [:]
        for query in dataset.queries {
            // A query the engine rejects (say, too long) retrieves nothing, as it would for a user.
            let response = try? await engine.search(
                SearchRequest(query: query.text, mode: mode, limit: 100, plainText: true))
            ranked[query.text] = response?.hits.map(\.paperID) ?? []
        }
        let seconds = Date().timeIntervalSince(started)
        var report = Evaluator.evaluate(dataset) { text in ranked[text] ?? [] }
        report.seconds = seconds
        return report
    }
}
