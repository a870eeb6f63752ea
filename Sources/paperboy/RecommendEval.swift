import ArgumentParser
import Embeddings
import Foundation
import Ingest
import PaperModel
import Recommendations

#if canImport(Glibc)
import Glibc
#endif

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

    @Option(
        help: ArgumentHelp(
            "Blend weights lexical,nearest,centroid (for tuning on this file only).",
            discussion: "Repeat to compare several blends over one index; the first is the reported one."))
    var weights: [String] = []

    @Option(help: "Write per-reader metrics as JSON lines to this file.")
    var perReader: String?

    @Option(
        help: ArgumentHelp(
            "The peers' results for the same arguments (`benchmarks/recommend/peers.py FILE ... --json`), shown beside Paperboy's.",
            discussion: "Refused when its protocol fingerprint differs from this run's."))
    var peers: String?

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

        var blends: [RecommendationOptions] = []
        for text in weights.isEmpty ? [nil] : weights.map(Optional.some) {
            var options = RecommendationOptions()
            options.limit = OfflineProtocol.depth
            if let text {
                let w = text.split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
                guard w.count == 3 else {
                    throw CommandFailure("--weights \(text): expected three numbers lexical,nearest,centroid")
                }
                (options.lexicalWeight, options.nearestWeight, options.centroidWeight) = (w[0], w[1], w[2])
            }
            blends.append(options)
        }
        let byID = Dictionary(papers.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        func evaluate(
            _ base: RecommendationOptions
        ) -> (
            metrics: [OfflineProtocol.Metrics], latencies: [Double], usedEmbeddings: Bool
        ) {
            var options = base
            var metrics: [OfflineProtocol.Metrics] = []
            var latencies: [Double] = []
            var usedEmbeddings = false
            for reader in readers {
                // Most recent first, as the service passes them.
                let positives = reader.seeds.reversed().map { id -> SignalPaper in
                    let p = papers[byID[id]!]
                    return SignalPaper(id: p.id, title: p.title, abstract: p.abstract)
                }
                options.minimumDay = reader.lastSeedDay + 1
                let t = Date()
                let result = index.recommend(ReaderProfile(positives: positives), options: options)
                latencies.append(Date().timeIntervalSince(t) * 1000)
                usedEmbeddings = usedEmbeddings || result.usedEmbeddings
                metrics.append(
                    OfflineProtocol.metrics(
                        ranked: result.items.map { PaperKey.base($0.id) }, relevant: reader.relevant))
            }
            return (metrics, latencies, usedEmbeddings)
        }
        // Other blends first, each one line on stderr (tuning); the first blend is the reported result.
        for options in blends.dropFirst() {
            let other = Summary(evaluate(options).metrics)
            note(
                String(
                    format: "blend %g,%g,%g: ", options.lexicalWeight, options.nearestWeight, options.centroidWeight)
                    + other.line)
        }
        let reported = evaluate(blends[0])
        let (perReaderMetrics, usedEmbeddings) = (reported.metrics, reported.usedEmbeddings)
        let latencies = reported.latencies.sorted()
        if let perReader {
            let lines = zip(readers, perReaderMetrics).map { reader, m in
                Self.jsonLine([
                    "reader": reader.name, "ndcg@20": m.ndcgAt20, "recall@50": m.recallAt50, "mrr": m.mrr,
                ])
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: perReader, atomically: true, encoding: .utf8)
        }
        let summary = Summary(perReaderMetrics)
        let peerResults = try peers.map { try PeerResults.read($0, fingerprint: fingerprint) }
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
            if let peerResults {
                for (name, peer) in peerResults.methods { object[name] = peer.object }
                object["ratios"] = peerResults.methods.reduce(into: [String: Any]()) { out, entry in
                    out["paperboy/\(entry.name)"] = [
                        "ndcg@20": summary.ndcg.mean / max(entry.summary.ndcg.mean, 1e-12),
                        "recall@50": summary.recall.mean / max(entry.summary.recall.mean, 1e-12),
                        "mrr": summary.mrr.mean / max(entry.summary.mrr.mean, 1e-12),
                    ]
                }
            }
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
            for (name, peer) in peerResults?.methods ?? [] {
                print(name.padding(toLength: 12, withPad: " ", startingAt: 0) + peer.line)
            }
            print(String(format: "latency per reader: p50 %.1f ms, p99 %.1f ms (includes training)", p50, p99))
            for (name, peer) in peerResults?.methods ?? [] {
                print(
                    "paperboy / \(name): "
                        + String(
                            format: "nDCG@20 %.2fx, Recall@50 %.2fx, MRR %.2fx",
                            summary.ndcg.mean / max(peer.ndcg.mean, 1e-12),
                            summary.recall.mean / max(peer.recall.mean, 1e-12),
                            summary.mrr.mean / max(peer.mrr.mean, 1e-12)
                        ))
            }
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

/// The peers' summaries from `peers.py --json`, for the same protocol.
struct PeerResults {
    /// `svm` and `centroid`, in that order, those present.
    var methods: [(name: String, summary: Summary)]

    static func read(_ path: String, fingerprint: String) throws -> PeerResults {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("--peers: cannot read \(path)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw CommandFailure("--peers: \(path) is not the JSON of peers.py --json")
        }
        guard object["fingerprint"] as? String == fingerprint else {
            throw CommandFailure(
                "--peers: \(path) is for another protocol (fingerprint \(object["fingerprint"] as? String ?? "none"), "
                    + "this run's is \(fingerprint)): run peers.py with the same FILE, --seeds, --min-papers and --max-readers"
            )
        }
        var methods: [(String, Summary)] = []
        for name in ["svm", "centroid"] {
            guard let peer = object[name] as? [String: Any] else { continue }
            func stat(_ key: String) throws -> (Double, Double, Double) {
                guard let mean = peer[key] as? Double, let ci = peer[key + "_ci"] as? [Double], ci.count == 2 else {
                    throw CommandFailure("--peers: \(path) has no \(name) \(key)")
                }
                return (mean, ci[0], ci[1])
            }
            methods.append(
                (
                    name,
                    Summary(
                        ndcg: try stat("ndcg@20"), recall: try stat("recall@50"), mrr: try stat("mrr"),
                        readers: peer["readers"] as? Int ?? 0)
                ))
        }
        return PeerResults(methods: methods)
    }
}

/// Means over readers with bootstrap 95% intervals.
struct Summary {
    var ndcg: (mean: Double, low: Double, high: Double)
    var recall: (mean: Double, low: Double, high: Double)
    var mrr: (mean: Double, low: Double, high: Double)
    var readers: Int

    init(
        ndcg: (mean: Double, low: Double, high: Double), recall: (mean: Double, low: Double, high: Double),
        mrr: (mean: Double, low: Double, high: Double), readers: Int
    ) {
        (self.ndcg, self.recall, self.mrr, self.readers) = (ndcg, recall, mrr, readers)
    }

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
///
/// Encoding 75,000 abstracts takes tens of minutes, so new rows are appended every `checkpointRows` papers
/// (vectors first, then their lines): an interrupted run keeps what it encoded, and a reader of the files uses
/// only the rows both files have. When the run ends, the files are rewritten once without stale rows.
enum VectorCache {
    static let checkpointRows = 2_048

    static func vectors(
        for texts: [String], ids: [String], encoder: SentenceEncoder, modelDirectory: URL,
        cacheDirectory: String, note: (String) -> Void
    ) throws -> [[Float]?] {
        let dimension = encoder.dimension
        let modelHash = try sha256OfFile(modelDirectory.appendingPathComponent("model.safetensors").path)
        let header = "# paperboy recommend vectors; model-sha256=\(modelHash); dimension=\(dimension)"
        let tsvPath = (cacheDirectory as NSString).appendingPathComponent("recommend-vectors.tsv")
        let f32Path = (cacheDirectory as NSString).appendingPathComponent("recommend-vectors.f32")
        let cache = read(tsvPath: tsvPath, f32Path: f32Path, header: header, note: note)
        let hashes = texts.map { String(OfflineProtocol.sha256Hex($0).prefix(16)) }
        var result: [[Float]?] = Array(repeating: nil, count: texts.count)
        var missing: [Int] = []
        cache.data.withUnsafeBytes { raw in
            let floats = raw.bindMemory(to: Float.self)
            for i in texts.indices {
                if let hit = cache.rows[ids[i]], hit.hash == hashes[i] {
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
        try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
        if !cache.valid {
            // No cache, another model's, or an interrupted one: write what is usable (maybe nothing) so that
            // checkpoints can append.
            try cache.data.write(to: URL(fileURLWithPath: f32Path))
            try cache.lines.write(toFile: tsvPath, atomically: true, encoding: .utf8)
        }
        // Sorting by length cuts padding within a batch.
        let order = missing.sorted { texts[$0].utf8.count < texts[$1].utf8.count }
        let bar = ProgressBar(label: "embedding papers", unit: .count)
        var done = 0
        var pending: [Int] = []
        for start in stride(from: 0, to: order.count, by: 64) {
            let batch = Array(order[start..<min(order.count, start + 64)])
            let vectors = try encoder.embed(batch.map { texts[$0] })
            for (k, i) in batch.enumerated() { result[i] = vectors[k] }
            pending += batch
            if pending.count >= checkpointRows {
                try append(pending, result, ids, hashes, tsvPath: tsvPath, f32Path: f32Path)
                pending.removeAll()
            }
            done += batch.count
            bar.update(done: Int64(done), total: Int64(order.count))
        }
        bar.finish()
        // The final rewrite: every current row once, stale ones gone.
        var tsv = header + "\n"
        var data = Data(capacity: texts.count * dimension * 4)
        for i in texts.indices {
            guard let v = result[i] else { continue }
            tsv += "\(ids[i])\t\(hashes[i])\n"
            v.withUnsafeBufferPointer { data.append($0) }
        }
        try data.write(to: URL(fileURLWithPath: f32Path + ".partial"), options: .atomic)
        try tsv.write(toFile: tsvPath + ".partial", atomically: true, encoding: .utf8)
        // rename(2) replaces each file in one step (Foundation's replaceItemAt on Linux can lose the file it
        // replaces); the lines go last, so a crash in between leaves vectors without lines (ignored), never lines
        // without vectors.
        for (partial, final) in [(f32Path + ".partial", f32Path), (tsvPath + ".partial", tsvPath)] {
            guard rename(partial, final) == 0 else {
                throw CommandFailure("cannot replace \(final): \(String(cString: strerror(errno)))")
            }
        }
        return result
    }

    struct Cached {
        var rows: [String: (hash: String, row: Int)] = [:]
        var data = Data()
        /// The header and the lines of `data`'s rows.
        var lines: String
        var dimension = 0
        /// The files exist, are for this model and agree: checkpoints append to them.
        var valid = false
    }

    /// The rows both files hold (a checkpoint interrupted between its two appends leaves extra vectors); a later
    /// row of an id wins over an earlier one. With a `header`, a cache with another header (another model) is
    /// ignored; without one, any cache is read.
    static func read(tsvPath: String, f32Path: String, header: String?, note: (String) -> Void) -> Cached {
        let fresh = Cached(lines: header.map { $0 + "\n" } ?? "")
        guard let tsv = try? String(contentsOfFile: tsvPath, encoding: .utf8),
            let data = FileManager.default.contents(atPath: f32Path)
        else { return fresh }
        var lines = tsv.split(separator: "\n")
        guard let first = lines.first, header == nil || String(first) == header,
            let dimension = first.split(separator: "=").last.flatMap({ Int($0) }), dimension > 0
        else {
            note("note: \(tsvPath) is for another model or not a vector cache; ignored")
            return fresh
        }
        let header = String(first)
        lines.removeFirst()
        let rowBytes = dimension * 4
        let usable = min(lines.count, data.count / rowBytes)
        if usable < lines.count || data.count != usable * rowBytes {
            note("note: \(f32Path) and \(tsvPath) disagree (an interrupted run); using their first \(usable) rows")
        }
        var cached = Cached(
            lines: ([header] + lines.prefix(usable).map(String.init)).joined(separator: "\n") + "\n",
            dimension: dimension, valid: usable == lines.count && data.count == usable * rowBytes)
        for (row, line) in lines.prefix(usable).enumerated() {
            let parts = line.split(separator: "\t")
            if parts.count == 2 { cached.rows[String(parts[0])] = (String(parts[1]), row) }
        }
        cached.data = data.prefix(usable * rowBytes)
        return cached
    }

    /// Appends rows to both files: vectors first, then their lines.
    static func append(
        _ rows: [Int], _ vectors: [[Float]?], _ ids: [String], _ hashes: [String], tsvPath: String, f32Path: String
    ) throws {
        var data = Data()
        var lines = ""
        for i in rows {
            guard let v = vectors[i] else { continue }
            v.withUnsafeBufferPointer { data.append($0) }
            lines += "\(ids[i])\t\(hashes[i])\n"
        }
        for (path, bytes) in [(f32Path, data), (tsvPath, Data(lines.utf8))] {
            guard let handle = FileHandle(forWritingAtPath: path) else { throw CommandFailure("cannot write \(path)") }
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: bytes)
        }
    }

    static func sha256OfFile(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CommandFailure("cannot read \(path)") }
        defer { try? handle.close() }
        var hasher = OfflineProtocol.SHA256Stream()
        while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty { hasher.update(chunk) }
        return hasher.finalize()
    }
}
