import ArgumentParser
import Foundation
import PaperSupport
import Recommendations

/// `paperboy bench recommend FILE`: latency of one reader's recommendations over a large candidate window.
struct BenchRecommend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract: "Recommendation latency for one reader over N candidates (p50/p99), index build time and memory.",
        discussion: """
            Candidates are the papers of FILE (Kaggle layout), topped up to --candidates with synthetic papers \
            (the title of one real paper with the abstract of another; the mean of their vectors). Vectors come \
            from the cache `eval recommend` writes (--cache-dir); papers without one get a seeded random unit \
            vector, so the timing always includes the vector scan unless --no-vectors. Each timed request is a \
            reader with --positives random papers as upvotes, --negatives as "not interested", over the whole window.
            """)

    @Argument(help: "Kaggle-layout metadata, e.g. ../shared/data/arxiv/recent-cs.jsonl.gz.")
    var file: String

    @Option(help: "Candidate papers in the window.")
    var candidates = 100_000

    @Option(help: "Timed requests (readers).")
    var readers = 300

    @Option(help: "Upvoted papers per reader.")
    var positives = 3

    @Option(help: "Explicit negatives per reader.")
    var negatives = 2

    @Option(help: "Folder with recommend-vectors.tsv/.f32 from `paperboy eval recommend`.")
    var cacheDir = "work/cache"

    @Flag(help: "Lexical only (no vectors).")
    var noVectors = false

    @Option(help: "Vector dimension when no cache is present.")
    var dimension = 384

    func run() async throws {
        let (loaded, _, _) = try EvalRecommend.load(file)
        var papers = loaded.papers
        guard !papers.isEmpty else { throw CommandFailure("\(file) has no papers") }
        var cache: [String: [Float]] = [:]
        var dim = dimension
        if !noVectors { (cache, dim) = Self.readCache(cacheDir, fallbackDimension: dimension) }
        var rng = SplitMix64(seed: 20_261_202)
        func randomUnit() -> [Float] {
            var v = (0..<dim).map { _ in Float(Double(rng.next() % 2_000_001) / 1_000_000 - 1) }
            let n = sqrt(v.reduce(0) { $0 + $1 * $1 })
            for i in v.indices { v[i] /= n }
            return v
        }
        var vectors: [[Float]?] = papers.map { noVectors ? nil : (cache[$0.id] ?? randomUnit()) }
        let real = papers.count
        var synthetic = 0
        while papers.count < candidates {
            let a = Int(rng.next() % UInt64(real)), b = Int(rng.next() % UInt64(real))
            var p = papers[a]
            p.id = "9\(String(format: "%03d", synthetic / 100_000)).\(String(format: "%05d", synthetic % 100_000))"
            p.abstract = papers[b].abstract
            papers.append(p)
            if noVectors {
                vectors.append(nil)
            } else {
                let va = vectors[a]!, vb = vectors[b]!
                vectors.append(zip(va, vb).map { ($0 + $1) / 2 })
            }
            synthetic += 1
        }
        papers = Array(papers.prefix(candidates))
        // With fewer candidates than the file's papers, readers pick their signals among the candidates kept.
        let pickable = min(real, papers.count)
        let buildStart = Date()
        let index = RecommendationIndex(
            candidates: papers.enumerated().map { i, p in
                CandidatePaper(
                    id: p.id, title: p.title, abstract: p.abstract, categories: p.categories, authors: p.authors,
                    day: p.day, vector: vectors[i])
            })
        let buildSeconds = Date().timeIntervalSince(buildStart)
        vectors = []
        var options = RecommendationOptions()
        options.limit = 50
        func reader() -> ReaderProfile {
            func pick() -> SignalPaper {
                let p = papers[Int(rng.next() % UInt64(pickable))]
                return SignalPaper(id: p.id, title: p.title, abstract: p.abstract)
            }
            return ReaderProfile(
                positives: (0..<positives).map { _ in pick() }, negatives: (0..<negatives).map { _ in pick() },
                followedAuthors: [papers[Int(rng.next() % UInt64(pickable))].authors.first ?? ""])
        }
        for _ in 0..<5 { _ = index.recommend(reader(), options: options) }  // warm-up
        var latencies: [Double] = []
        var embedded = false
        for _ in 0..<readers {
            let signals = reader()
            let t = DispatchTime.now().uptimeNanoseconds
            let result = index.recommend(signals, options: options)
            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6)
            embedded = embedded || result.usedEmbeddings
            precondition(result.items.count == options.limit)
        }
        latencies.sort()
        print(
            "candidates: \(index.count) (\(min(real, candidates)) real, \(max(0, index.count - real)) synthetic), "
                + "\(index.vocabularySize) terms, vectors: \(embedded ? "\(index.vectorCount) x \(index.dimension) (\(cache.count) cached real)" : "none")"
        )
        print(
            "reader: \(positives) positives, \(negatives) negatives, 1 followed author; top \(options.limit), \(readers) timed requests, 1 thread"
        )
        print(
            String(
                format: "latency: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, mean %.2f ms", latencies[latencies.count / 2],
                latencies[latencies.count * 9 / 10], latencies[min(latencies.count - 1, latencies.count * 99 / 100)],
                latencies.reduce(0, +) / Double(latencies.count)))
        print(String(format: "index build: %.1f s", buildSeconds))
        print("peak RSS: \(MemoryUsage.peakResidentMegabytes()) MB")
    }

    static func readCache(_ directory: String, fallbackDimension: Int) -> ([String: [Float]], Int) {
        let cache = VectorCache.read(
            tsvPath: (directory as NSString).appendingPathComponent("recommend-vectors.tsv"),
            f32Path: (directory as NSString).appendingPathComponent("recommend-vectors.f32"), header: nil,
            note: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
        guard cache.dimension > 0 else { return ([:], fallbackDimension) }
        let dim = cache.dimension
        var out: [String: [Float]] = [:]
        cache.data.withUnsafeBytes { raw in
            let floats = raw.bindMemory(to: Float.self)
            for (id, hit) in cache.rows { out[id] = Array(floats[hit.row * dim..<(hit.row + 1) * dim]) }
        }
        return (out, dim)
    }
}
