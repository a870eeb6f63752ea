import Foundation

/// The Paperboy side of `benchmarks/search/lexical_bench.sh`: builds an on-disk index from a JSONL corpus,
/// reopens it, and times top-10 queries on one thread. Prints one JSON line.
///
///     lexical-bench --corpus corpus.jsonl --queries queries.txt --index DIR [--rounds 3] [--exhaustive]
///
/// Corpus lines: `{"key", "title", "abstract", "authors", "categories", "day", "hasCode"}`.
public enum LexicalBenchmark {
    public static func main(_ arguments: [String]) -> Int32 {
        func option(_ name: String) -> String? {
            guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
            return arguments[i + 1]
        }
        guard let corpusPath = option("--corpus"), let queriesPath = option("--queries"),
            let indexPath = option("--index"),
            let corpusData = FileManager.default.contents(atPath: corpusPath),
            let queryData = FileManager.default.contents(atPath: queriesPath)
        else {
            FileHandle.standardError.write(
                Data("usage: lexical-bench --corpus F --queries F --index DIR [--rounds N] [--exhaustive]\n".utf8))
            return 2
        }
        do {
            var documents: [IndexDocument] = []
            for line in corpusData.split(separator: UInt8(ascii: "\n")) {
                guard let o = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { continue }
                documents.append(
                    IndexDocument(
                        key: o["key"] as? String ?? "", title: o["title"] as? String ?? "",
                        abstract: o["abstract"] as? String ?? "",
                        authors: o["authors"] as? [String] ?? [], categories: o["categories"] as? [String] ?? [],
                        day: Int32(o["day"] as? Int ?? 0), hasCode: o["hasCode"] as? Bool ?? false))
            }
            let queries = String(decoding: queryData, as: UTF8.self).split(separator: "\n").map(String.init).filter {
                !$0.isEmpty
            }
            let directory = URL(fileURLWithPath: indexPath)
            try? FileManager.default.removeItem(at: directory)

            let buildStart = DispatchTime.now().uptimeNanoseconds
            let buildCPUStart = processCPUSeconds()
            let writer = try LexicalIndex.open(directory: directory)
            writer.upsert(documents)
            try writer.commit(sequence: 1)
            let buildSeconds = Double(DispatchTime.now().uptimeNanoseconds - buildStart) / 1e9
            // CPU time as well as wall time: on a shared machine the wall time mostly measures the neighbours.
            let buildCPUSeconds = processCPUSeconds() - buildCPUStart

            let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            let size = try files.reduce(0) {
                $0
                    + ((try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent($1).path)[
                        .size] as? Int) ?? 0)
            }
            let openStart = DispatchTime.now().uptimeNanoseconds
            let index = try LexicalIndex.open(directory: directory)
            let openSeconds = Double(DispatchTime.now().uptimeNanoseconds - openStart) / 1e9

            let rounds = option("--rounds").flatMap(Int.init) ?? 3
            let exhaustive = arguments.contains("--exhaustive")
            var latencies: [Double] = []
            var hits = 0
            for round in 0...rounds {  // round 0 warms caches (and computes BM25 impacts) and is not counted
                for q in queries {
                    let t = DispatchTime.now().uptimeNanoseconds
                    let result = exhaustive ? try index.searchExhaustive(q, limit: 10) : try index.search(q, limit: 10)
                    let micros = Double(DispatchTime.now().uptimeNanoseconds - t) / 1000
                    if round > 0 { latencies.append(micros); hits += result.count }
                }
            }
            latencies.sort()
            let mean = latencies.reduce(0, +) / Double(max(1, latencies.count))
            let p50 = latencies.isEmpty ? 0 : latencies[latencies.count / 2]
            let p99 = latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))]
            print(
                String(
                    format:
                        "{\"engine\": \"paperboy%@\", \"docs\": %d, \"build_s\": %.3f, \"build_cpu_s\": %.3f, \"open_s\": %.3f, \"size_bytes\": %d, \"queries\": %d, \"p50_us\": %.1f, \"p99_us\": %.1f, \"mean_us\": %.1f, \"mean_hits\": %.2f}",
                    exhaustive ? " (exhaustive)" : "", documents.count, buildSeconds, buildCPUSeconds, openSeconds,
                    size, latencies.count,
                    p50, p99, mean, Double(hits) / Double(max(1, latencies.count))))
            return 0
        } catch {
            FileHandle.standardError.write(Data("lexical-bench: \(error)\n".utf8))
            return 1
        }
    }

    private static func processCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
