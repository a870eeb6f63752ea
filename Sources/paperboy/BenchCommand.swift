import ArgumentParser
import Embeddings
import Foundation

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure Paperboy's engines.",
        subcommands: [BenchEmbed.self, BenchRecommend.self, BenchDigest.self])
}

struct BenchEmbed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed", abstract: "Embedding throughput (docs/s), query latency, load time and memory.")

    @OptionGroup var model: ModelOptions

    @Option(help: "JSON lines input file (a JSON string or {\"text\": ...} per line).")
    var input: String

    @Option(help: "Embed at most this many texts.")
    var limit: Int?

    @Option(help: "Texts per batch.")
    var batchSize = 32

    func run() async throws {
        var texts = try TextsFile.read(input)
        if let limit { texts = Array(texts.prefix(limit)) }
        guard !texts.isEmpty else { throw CommandFailure("\(input) has no texts") }
        let loadStart = Date()
        let encoder = try model.load()
        let loadSeconds = Date().timeIntervalSince(loadStart)
        _ = try encoder.embed(Array(texts.prefix(2)))  // warm up
        let started = Date()
        for start in stride(from: 0, to: texts.count, by: batchSize) {
            _ = try encoder.embed(Array(texts[start..<min(texts.count, start + batchSize)]))
        }
        let seconds = Date().timeIntervalSince(started)
        // Query latency: short texts (the first 12 words of inputs), one at a time.
        var latencies: [Double] = []
        for text in texts.prefix(200) {
            let query = text.split(separator: " ").prefix(12).joined(separator: " ")
            let t = Date()
            _ = try encoder.embed(query)
            latencies.append(Date().timeIntervalSince(t) * 1000)
        }
        latencies.sort()
        print(String(format: "texts: %d, threads: %d", texts.count, model.threads))
        print(String(format: "throughput: %.1f docs/s (%.1f s)", Double(texts.count) / seconds, seconds))
        print(
            String(
                format: "query latency (12 words): p50 %.2f ms, p99 %.2f ms", latencies[latencies.count / 2],
                latencies[min(latencies.count - 1, latencies.count * 99 / 100)]))
        print(String(format: "model load: %.3f s", loadSeconds))
        print("peak RSS: \(MemoryUsage.peakResidentMegabytes()) MB")
    }
}

enum MemoryUsage {
    /// VmHWM from /proc/self/status (Linux): the most memory resident at once so far.
    static func peakResidentMegabytes() -> Int { status("VmHWM:") }

    /// VmRSS from /proc/self/status (Linux): resident now.
    static func residentMegabytes() -> Int { status("VmRSS:") }

    private static func status(_ key: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix(key) {
            let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kb / 1024
        }
        return -1
    }
}
