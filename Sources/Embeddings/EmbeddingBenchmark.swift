import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Throughput and latency measurements for `paperboy bench embed` and benchmarks/embed/run.sh.
public struct EmbeddingBenchmarkResult: Sendable, Codable {
    public var model: String
    public var documents: Int
    public var tokens: Int
    public var threads: Int
    public var loadSeconds: Double
    public var embedSeconds: Double
    public var docsPerSecond: Double
    /// Median wall time of embedding one query on one thread, in milliseconds.
    public var queryP50Milliseconds: Double
    /// Median CPU time of the same (thread CPU clock): the latency on an idle core, robust to
    /// other processes competing for the CPU during the run.
    public var queryP50CPUMilliseconds: Double
    public var queryTokensMedian: Int
    public var peakRSSMegabytes: Double
    /// Resident memory added by loading the model (VmRSS after minus before).
    public var loadRSSMegabytes: Double
    public var avx512: Bool
    public var precision: String
}

public enum EmbeddingBenchmark {
    /// SciFact/BEIR corpus lines as indexed text: `title + " " + text`.
    public static func readBEIRCorpus(_ url: URL, limit: Int? = nil) throws -> [String] {
        try readJSONLines(url, limit: limit).map { obj in
            ((obj["title"] as? String) ?? "") + " " + ((obj["text"] as? String) ?? "")
        }
    }

    /// BEIR queries file: the `text` field of each line.
    public static func readBEIRQueries(_ url: URL, limit: Int? = nil) throws -> [String] {
        try readJSONLines(url, limit: limit).compactMap { $0["text"] as? String }
    }

    static func readJSONLines(_ url: URL, limit: Int?) throws -> [[String: Any]] {
        guard let data = try? Data(contentsOf: url) else {
            throw EmbeddingError(.missingFile, "cannot read \(url.path)")
        }
        var out: [[String: Any]] = []
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            if let limit, out.count >= limit { break }
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw EmbeddingError(.invalidInput, "\(url.lastPathComponent): a line is not a JSON object")
            }
            out.append(obj)
        }
        return out
    }

    /// Loads the model, embeds `documents` with `threads` threads (one timed pass after a
    /// short warm-up), then times `queries` one at a time on a single thread.
    /// `onVectors` receives the document embeddings (for parity checks) if given.
    public static func run(
        modelDirectory: URL, documents: [String], queries: [String], threads: Int = 2,
        precision: EmbeddingPrecision = .float32,
        onVectors: (([[Float]]) throws -> Void)? = nil
    ) throws -> EmbeddingBenchmarkResult {
        let rss0 = residentMegabytes("VmRSS:")
        let t0 = DispatchTime.now()
        var encoder: SentenceEncoder? = try SentenceEncoder(
            modelDirectory: modelDirectory, threads: threads, precision: precision)
        let loadSeconds = seconds(since: t0)
        let loadRSS = residentMegabytes("VmRSS:") - rss0
        let (tokens, embedSeconds) = try timeDocuments(encoder!, documents, onVectors)
        let identity = encoder!.identity
        let usedPrecision = encoder!.precision
        encoder = nil

        let single = try SentenceEncoder(modelDirectory: modelDirectory, threads: 1, precision: precision)
        for q in queries.prefix(10) { _ = try single.embed(q) }
        var times: [Double] = [], cpuTimes: [Double] = []
        for q in queries {
            let c = threadCPUSeconds()
            let t = DispatchTime.now()
            _ = try single.embed(q)
            times.append(seconds(since: t) * 1000)
            cpuTimes.append((threadCPUSeconds() - c) * 1000)
        }
        times.sort()
        cpuTimes.sort()
        var qlens = queries.map { single.tokenize($0).count }
        qlens.sort()

        return EmbeddingBenchmarkResult(
            model: identity, documents: documents.count, tokens: tokens, threads: threads,
            loadSeconds: loadSeconds, embedSeconds: embedSeconds,
            docsPerSecond: Double(documents.count) / max(embedSeconds, 1e-9),
            queryP50Milliseconds: times.isEmpty ? 0 : times[times.count / 2],
            queryP50CPUMilliseconds: cpuTimes.isEmpty ? 0 : cpuTimes[cpuTimes.count / 2],
            queryTokensMedian: qlens.isEmpty ? 0 : qlens[qlens.count / 2],
            peakRSSMegabytes: residentMegabytes("VmHWM:"), loadRSSMegabytes: loadRSS, avx512: kernelsUseAVX512,
            precision: usedPrecision.rawValue)
    }

    static func timeDocuments(
        _ encoder: SentenceEncoder, _ documents: [String],
        _ onVectors: (([[Float]]) throws -> Void)?
    ) throws -> (Int, Double) {
        _ = try encoder.embed(Array(documents.prefix(8)))
        let tokens = documents.reduce(0) { $0 + encoder.tokenize($1).count }
        let t1 = DispatchTime.now()
        let vectors = try encoder.embed(documents)
        let embedSeconds = seconds(since: t1)
        try onVectors?(vectors)
        return (tokens, embedSeconds)
    }

    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func seconds(since t: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - t.uptimeNanoseconds) / 1e9
    }

    /// A field of /proc/self/status (VmRSS:, VmHWM:) in MB; 0 where unavailable.
    public static func residentMegabytes(_ field: String = "VmHWM:") -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(field) {
            let kb =
                line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { Double($0) } ?? 0
            return kb / 1024
        }
        return 0
    }
}
