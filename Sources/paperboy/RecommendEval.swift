import ArgumentParser
import Embeddings
import Foundation
import Ingest
import PaperModel
import Recommendations

/// `paperboy eval recommend FILE`: the offline protocol of issue 16 on Kaggle-layout arXiv metadata.
struct EvalRecommend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract:
            "Offline evaluation of \"For you\": authors as readers, their first papers as upvotes (nDCG@20, Recall@50, MRR).",
        discussion: """
            Readers are authors (normalized names) with at least --min-papers papers; each one's earliest --seeds \
            papers (by announce day: the FILE-listing-dates.tsv.gz sidecar, else the v1 date; ties by id) are \
            the upvotes, their papers announced strictly after the last seed are the relevant items, and every \
            paper announced strictly after the last seed is a candidate. Author names are hidden from the \
            recommender. At most --max-readers readers: those first by SHA-256("paperboy-recommend:" + name). \
            The protocol fingerprint is what benchmarks/recommend/peers.py prints for the same arguments. \
            With a model, papers are embedded natively once and cached under --cache-dir.
            """)

    @Argument(help: "Kaggle-layout metadata (.jsonl or .jsonl.gz), e.g. ../shared/data/arxiv/recent-cs.jsonl.gz.")
    var file: String

    @Option(help: "Earliest papers per reader used as upvotes.")
    var seeds = 3

    @Option(help: "Papers an author needs to be a reader.")
    var minPapers = 6

    @Option(help: "Readers sampled (deterministically).")
    var maxReaders = 1000

    @OptionGroup var model: ModelOptions

    @Flag(help: "Lexical only, even when a model is available.")
    var noModel = false

    @Option(help: "Folder for cached paper vectors.")
    var cacheDir = "work/cache"

    @Option(help: "Blend weights lexical,nearest,centroid (for tuning on this file only).")
    var weights: String?

    @Option(help: "Write per-reader metrics as JSON lines to this file.")
    var perReader: String?

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard seeds > 0 else { throw ValidationError("--seeds must be positive") }
        guard minPapers > seeds else { throw ValidationError("--min-papers must exceed --seeds") }
        guard maxReaders > 0 else { throw ValidationError("--max-readers must be positive") }
    }

    func run() async throws {
        func note(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
        let started = Date()
        let (records, skipped, hasListing) = try Self.load(file)
        if skipped > 0 { note("note: \(skipped) lines are not valid records and were skipped") }
        let papers = records.papers
        note(
            "corpus: \(papers.count) papers (dates from \(hasListing ? "the listing-dates sidecar" : "v1 versions"))"
                + (records.undated > 0 ? ", \(records.undated) without a date left out" : ""))
        let all = OfflineProtocol.readers(
            papers.map { OfflineProtocol.Paper(id: $0.id, day: $0.day, authors: $0.authors) },
            seeds: seeds, minPapers: minPapers)
        let readers = OfflineProtocol.sample(all, limit: maxReaders)
        let fingerprint = OfflineProtocol.fingerprint(readers)
        note("readers: \(readers.count) of \(all.count) eligible; fingerprint \(fingerprint)")

        var vectors: [[Float]?] = Array(repeating: nil, count: papers.count)
        var modelIdentity: String?
        if !noModel, model.resolvedDirectory != nil {
            let encoder = try model.load()
            modelIdentity = encoder.identity
            vectors = try VectorCache.vectors(
                for: papers.map(\.embeddingText), ids: papers.map(\.id), encoder: encoder,
                modelDirectory: model.resolvedDirectory!, cacheDirectory: cacheDir, note: note)
        } else {
            note(
                "no model: lexical only (TF-IDF classifier); pass --model DIR or run scripts/fetch-model.sh for embeddings"
            )
        }

        let buildStart = Date()
        let index = RecommendationIndex(
            candidates: papers.enumerated().map { i, p in
                // Authors are hidden: the task would be trivial with them.
                CandidatePaper(
                    id: p.id, title: p.title, abstract: p.abstract, categories: p.categories, authors: [],
                    day: p.day, vector: vectors[i])
            })
        note(
            String(
                format: "index: %d papers, %d terms, %d vectors, built in %.1f s", index.count, index.vocabularySize,
                index.vectorCount, Date().timeIntervalSince(buildStart)))

        var options = RecommendationOptions()
        options.limit = OfflineProtocol.depth
        if let weights {
            let w = weights.split(separator: ",").compactMap { Float($0) }
            guard w.count == 3 else {
                throw CommandFailure("--weights: expected three numbers lexical,nearest,centroid")
            }
            (options.lexicalWeight, options.nearestWeight, options.centroidWeight) = (w[0], w[1], w[2])
        }
        let byID = Dictionary(papers.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        var perReaderMetrics: [OfflineProtocol.Metrics] = []
        var latencies: [Double] = []
        var lines: [String] = []
        var usedEmbeddings = false
        for reader in readers {
            let positives = reader.seeds.map { id -> SignalPaper in
                let p = papers[byID[id]!]
                return SignalPaper(id: p.id, title: p.title, abstract: p.abstract)
            }
            options.minimumDay = reader.lastSeedDay + 1
            let t = Date()
            let result = index.recommend(ReaderProfile(positives: positives), options: options)
            latencies.append(Date().timeIntervalSince(t) * 1000)
            usedEmbeddings = usedEmbeddings || result.usedEmbeddings
            let m = OfflineProtocol.metrics(
                ranked: result.items.map { PaperKey.base($0.id) }, relevant: reader.relevant)
            perReaderMetrics.append(m)
            if perReader != nil {
                lines.append(
                    Self.jsonLine([
                        "reader": reader.name, "ndcg@20": m.ndcgAt20, "recall@50": m.recallAt50, "mrr": m.mrr,
                    ]))
            }
        }
        if let perReader {
            try (lines.joined(separator: "\n") + "\n").write(toFile: perReader, atomically: true, encoding: .utf8)
        }
        latencies.sort()
        let summary = Summary(perReaderMetrics)
        let p50 = latencies.isEmpty ? 0 : latencies[latencies.count / 2]
        let p99 = latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
        let meanCandidates =
            readers.isEmpty ? 0 : Double(readers.map(\.candidateCount).reduce(0, +)) / Double(readers.count)
        if json {
            var object: [String: Any] = [
                "paperboy": summary.object, "fingerprint": fingerprint, "readers": readers.count,
                "eligible_readers": all.count, "papers": papers.count, "mean_candidates": meanCandidates,
                "seeds": seeds, "min_papers": minPapers, "max_readers": maxReaders,
                "embeddings": usedEmbeddings, "ms_per_reader_p50": p50, "ms_per_reader_p99": p99,
                "seconds": Date().timeIntervalSince(started),
            ]
            if let modelIdentity { object["model"] = modelIdentity }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(
                "protocol: \(readers.count) readers (of \(all.count)), seeds \(seeds), min papers \(minPapers), "
                    + String(format: "%.0f candidates per reader on average", meanCandidates))
            print("fingerprint: \(fingerprint)")
            print(
                "features: "
                    + (usedEmbeddings
                        ? "TF-IDF classifier + embeddings (\(modelIdentity ?? "?"))" : "lexical only (no model)"))
            print("method      nDCG@20                  Recall@50                MRR")
            print("paperboy    " + summary.line)
            print(String(format: "latency per reader: p50 %.1f ms, p99 %.1f ms (includes training)", p50, p99))
        }
    }

    struct Loaded {
        struct Paper {
            var id: String
            var title: String
            var abstract: String
            var categories: [String]
            var authors: [String]
            var day: Int
            var embeddingText: String { abstract.isEmpty ? title : title + ". " + abstract }
        }
        var papers: [Paper]
        var undated: Int
    }

    /// Papers once per base id (the first record), each with its announce day.
    static func load(_ path: String) throws -> (Loaded, Int, Bool) {
        guard FileManager.default.fileExists(atPath: path) else { throw CommandFailure("no such file: \(path)") }
        let (records, skipped, hasListing) = try ArxivMetadataFile.read(path)
        var seen = Set<String>()
        var papers: [Loaded.Paper] = []
        var undated = 0
        for r in records where seen.insert(r.id).inserted {
            guard let day = r.listingDay ?? r.firstVersionDay else { undated += 1; continue }
            papers.append(
                .init(
                    id: r.id, title: r.title, abstract: r.abstract, categories: r.categories,
                    authors: r.authors, day: day.daysSinceEpoch))
        }
        return (Loaded(papers: papers, undated: undated), skipped, hasListing)
    }

    static func jsonLine(_ object: [String: Any]) -> String {
        String(
            decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(),
            as: UTF8.self)
    }
}

/// Means over readers with bootstrap 95% intervals.
struct Summary {
    var ndcg: (mean: Double, low: Double, high: Double)
    var recall: (mean: Double, low: Double, high: Double)
    var mrr: (mean: Double, low: Double, high: Double)
    var readers: Int

    init(_ metrics: [OfflineProtocol.Metrics]) {
        func stat(_ values: [Double]) -> (Double, Double, Double) {
            let ci = OfflineProtocol.bootstrap(values)
            return (values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count), ci.low, ci.high)
        }
        ndcg = stat(metrics.map(\.ndcgAt20))
        recall = stat(metrics.map(\.recallAt50))
        mrr = stat(metrics.map(\.mrr))
        readers = metrics.count
    }

    var object: [String: Any] {
        [
            "ndcg@20": ndcg.mean, "ndcg@20_ci": [ndcg.low, ndcg.high], "recall@50": recall.mean,
            "recall@50_ci": [recall.low, recall.high], "mrr": mrr.mean, "mrr_ci": [mrr.low, mrr.high],
            "readers": readers,
        ]
    }

    var line: String {
        func f(_ s: (mean: Double, low: Double, high: Double)) -> String {
            String(format: "%.4f [%.4f, %.4f]", s.mean, s.low, s.high).padding(
                toLength: 25, withPad: " ", startingAt: 0)
        }
        return f(ndcg) + f(recall) + f(mrr)
    }
}

/// Paper vectors cached between runs: `recommend-vectors.tsv` (a header naming the model's SHA-256 and dimension,
/// then `id<TAB>first 16 hex of SHA-256(text)` per row) and `recommend-vectors.f32` (rows of float32, same
/// order). Rows whose text changed are re-encoded; `benchmarks/recommend/peers.py` reads the same files.
enum VectorCache {
    static func vectors(
        for texts: [String], ids: [String], encoder: SentenceEncoder, modelDirectory: URL,
        cacheDirectory: String, note: (String) -> Void
    ) throws -> [[Float]?] {
        let dimension = encoder.dimension
        let modelHash = try sha256OfFile(modelDirectory.appendingPathComponent("model.safetensors").path)
        let header = "# paperboy recommend vectors; model-sha256=\(modelHash); dimension=\(dimension)"
        let tsvPath = (cacheDirectory as NSString).appendingPathComponent("recommend-vectors.tsv")
        let f32Path = (cacheDirectory as NSString).appendingPathComponent("recommend-vectors.f32")
        var cached: [String: (hash: String, row: Int)] = [:]
        var cachedData = Data()
        if let tsv = try? String(contentsOfFile: tsvPath, encoding: .utf8),
            let data = FileManager.default.contents(atPath: f32Path)
        {
            var lines = tsv.split(separator: "\n")
            if lines.first.map(String.init) == header {
                lines.removeFirst()
                if data.count == lines.count * dimension * 4 {
                    for (row, line) in lines.enumerated() {
                        let parts = line.split(separator: "\t")
                        if parts.count == 2 { cached[String(parts[0])] = (String(parts[1]), row) }
                    }
                    cachedData = data
                } else {
                    note("note: \(f32Path) does not match \(tsvPath); re-encoding")
                }
            } else {
                note("note: \(tsvPath) is for another model; re-encoding")
            }
        }
        let hashes = texts.map { String(OfflineProtocol.sha256Hex($0).prefix(16)) }
        var result: [[Float]?] = Array(repeating: nil, count: texts.count)
        var missing: [Int] = []
        cachedData.withUnsafeBytes { raw in
            let floats = raw.bindMemory(to: Float.self)
            for i in texts.indices {
                if let hit = cached[ids[i]], hit.hash == hashes[i] {
                    result[i] = Array(floats[hit.row * dimension..<(hit.row + 1) * dimension])
                } else {
                    missing.append(i)
                }
            }
        }
        note(
            "vectors: \(texts.count - missing.count) cached in \(tsvPath), \(missing.count) to encode (\(encoder.identity))"
        )
        guard !missing.isEmpty else { return result }
        // Longest first within batches is the encoder's business; sorting by length here cuts padding.
        let order = missing.sorted { texts[$0].utf8.count < texts[$1].utf8.count }
        let bar = ProgressBar(label: "embedding papers", unit: .count)
        var done = 0
        for start in stride(from: 0, to: order.count, by: 64) {
            let batch = Array(order[start..<min(order.count, start + 64)])
            let vectors = try encoder.embed(batch.map { texts[$0] })
            for (k, i) in batch.enumerated() { result[i] = vectors[k] }
            done += batch.count
            bar.update(done: Int64(done), total: Int64(order.count))
        }
        bar.finish()
        try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
        var tsv = header + "\n"
        var data = Data(capacity: texts.count * dimension * 4)
        for i in texts.indices {
            guard let v = result[i] else { continue }
            tsv += "\(ids[i])\t\(hashes[i])\n"
            v.withUnsafeBufferPointer { data.append($0) }
        }
        try data.write(to: URL(fileURLWithPath: f32Path + ".partial"), options: .atomic)
        try tsv.write(toFile: tsvPath + ".partial", atomically: true, encoding: .utf8)
        for (partial, final) in [(f32Path + ".partial", f32Path), (tsvPath + ".partial", tsvPath)] {
            if FileManager.default.fileExists(atPath: final) { try FileManager.default.removeItem(atPath: final) }
            try FileManager.default.moveItem(atPath: partial, toPath: final)
        }
        return result
    }

    static func sha256OfFile(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CommandFailure("cannot read \(path)") }
        defer { try? handle.close() }
        var hasher = OfflineProtocol.SHA256Stream()
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty { hasher.update(chunk) }
        return hasher.finalize()
    }
}
