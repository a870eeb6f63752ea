import Foundation

/// Benchmark entry points shared by `benchmarks/search/vector_bench.sh` (through a
/// generated harness executable) and any CLI that wants them. Inputs are raw
/// little-endian float32 files (rows x dim), the same bytes the Python peers read.
public enum VectorBenchmark {
    public static func readF32(path: String, dim: Int, rows: Int?) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        let available = data.count / (4 * dim)
        let n = min(rows ?? available, available)
        return data.withUnsafeBytes { raw in
            [Float](unsafeUninitializedCapacity: n * dim) { buf, count in
                UnsafeMutableRawBufferPointer(buf).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: raw[0..<(n * dim * 4)]))
                count = n * dim
            }
        }
    }

    /// Ground truth written by the Python side: int64 ids, queries x k.
    public static func readIDs(path: String, k: Int) throws -> [[Int64]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let ids: [Int64] = data.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
        return stride(from: 0, to: ids.count, by: k).map { Array(ids[$0..<min($0 + k, ids.count)]) }
    }

    public static func residentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kb = line.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? -1
            return kb / 1024
        }
        return -1
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let idx = min(sorted.count - 1, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1)
        return sorted[max(0, idx)]
    }

    static func recall(_ got: [[VectorHit]], _ truth: [[Int64]], k: Int) -> Double {
        var hit = 0, total = 0
        for (g, t) in zip(got, truth) {
            let want = Set(t.prefix(k))
            hit += g.prefix(k).filter { want.contains(Int64($0.key)!) }.count
            total += min(k, want.count)
        }
        return total == 0 ? .nan : Double(hit) / Double(total)
    }

    static func buildIndex(base: [Float], dim: Int, storage: VectorStorage) throws -> VectorIndex {
        let n = base.count / dim
        let index = VectorIndex(dimension: dim, storage: storage)
        try base.withUnsafeBufferPointer { try index.upsert(keys: (0..<n).map(String.init), rowMajor: $0) }
        return index
    }

    struct Options {
        var values: [String: String] = [:]
        init(_ args: ArraySlice<String>) {
            var it = args.makeIterator()
            while let a = it.next() {
                if a.hasPrefix("--") { values[String(a.dropFirst(2))] = it.next() ?? "" }
            }
        }
        func string(_ k: String) -> String? { values[k] }
        func int(_ k: String, _ d: Int) -> Int { values[k].flatMap(Int.init) ?? d }
        func ints(_ k: String, _ d: [Int]) -> [Int] { values[k]?.split(separator: ",").compactMap { Int($0) } ?? d }
    }

    static func json(_ fields: [(String, Any)]) -> String {
        "{"
            + fields.map { k, v in
                switch v {
                case let s as String: "\"\(k)\": \"\(s)\""
                case let d as Double: "\"\(k)\": \(d.isFinite ? String(format: "%.4f", d) : "null")"
                default: "\"\(k)\": \(v)"
                }
            }.joined(separator: ", ") + "}"
    }

    /// Usage:
    ///   exact --base F --queries F --dim D [--n N] [--nq Q] [--k 10] [--storage float32|int8] [--threads T] [--gt F]
    ///   hnsw  --base F --queries F --dim D [--n N] [--nq Q] [--k 10] [--storage ..] [--m 16] [--efc 200] [--ef 16,32,64] [--gt F] [--save PATH]
    /// Prints one JSON object per measurement on stdout.
    public static func main(_ args: [String]) -> Int32 {
        guard let mode = args.first else {
            FileHandle.standardError.write(
                "usage: vector-bench exact|hnsw --base F --queries F --dim D ...\n".data(using: .utf8)!)
            return 2
        }
        let o = Options(args.dropFirst())
        do {
            let dim = o.int("dim", 384), k = o.int("k", 10)
            let storage = VectorStorage(rawValue: o.string("storage") ?? "float32") ?? .float32
            let t0 = now()
            // The raw rows go out of scope once indexed so rss_mb reflects the index alone.
            let (index, n) = try { () throws -> (VectorIndex, Int) in
                let base = try readF32(path: o.string("base")!, dim: dim, rows: o.values["n"].flatMap(Int.init))
                return (try buildIndex(base: base, dim: dim, storage: storage), base.count / dim)
            }()
            let queriesFlat = try readF32(path: o.string("queries")!, dim: dim, rows: o.values["nq"].flatMap(Int.init))
            let queries = stride(from: 0, to: queriesFlat.count, by: dim).map { Array(queriesFlat[$0..<($0 + dim)]) }
            let truth = try o.string("gt").map { try readIDs(path: $0, k: k) }
            let loadSeconds = now() - t0
            switch mode {
            case "exact":
                let threads = o.int("threads", 1)
                for q in queries.prefix(5) { _ = try index.search(q, k: k, threads: threads) }  // warm caches and pages
                var lat: [Double] = []
                var results: [[VectorHit]] = []
                for q in queries {
                    let s = now()
                    let r = try index.search(q, k: k, threads: threads)
                    lat.append((now() - s) * 1000)
                    results.append(r)
                }
                lat.sort()
                print(
                    json([
                        ("mode", "exact"), ("storage", storage.rawValue), ("n", n), ("dim", dim),
                        ("queries", queries.count),
                        ("threads", threads), ("p50_ms", percentile(lat, 50)), ("p99_ms", percentile(lat, 99)),
                        ("mean_ms", lat.reduce(0, +) / Double(lat.count)),
                        ("recall_at_k", truth.map { recall(results, $0, k: k) } ?? .nan),
                        ("load_s", loadSeconds), ("rss_mb", residentMegabytes()),
                    ]))
            case "hnsw":
                let params = HNSWParameters(
                    m: o.int("m", 16), efConstruction: o.int("efc", 200), efSearch: 64,
                    seed: UInt64(o.int("seed", 42)))
                let b0 = now()
                index.buildApproximate(parameters: params)
                let buildSeconds = now() - b0
                print(
                    json([
                        ("mode", "hnsw-build"), ("storage", storage.rawValue), ("n", n), ("m", params.m),
                        ("efc", params.efConstruction), ("build_s", buildSeconds), ("rss_mb", residentMegabytes()),
                    ]))
                fflush(nil)
                if let path = o.string("save") {
                    let url = URL(fileURLWithPath: path)
                    let s0 = now()
                    try index.save(to: url, modelIdentity: "bench", sequence: Int64(n))
                    let s1 = now()
                    _ = try VectorIndex.load(from: url)
                    let s2 = now()
                    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
                    print(
                        json([
                            ("mode", "persist"), ("save_s", s1 - s0), ("load_s", s2 - s1),
                            ("file_mb", Double(size) / 1e6),
                        ]))
                }
                for ef in o.ints("ef", [16, 32, 64, 128]) {
                    for q in queries.prefix(5) { _ = try index.searchApproximate(q, k: k, ef: ef) }
                    var lat: [Double] = []
                    var results: [[VectorHit]] = []
                    for q in queries {
                        let s = now()
                        let r = try index.searchApproximate(q, k: k, ef: ef)
                        lat.append((now() - s) * 1000)
                        results.append(r)
                    }
                    lat.sort()
                    print(
                        json([
                            ("mode", "hnsw-search"), ("storage", storage.rawValue), ("n", n), ("ef", ef),
                            ("queries", queries.count), ("p50_ms", percentile(lat, 50)),
                            ("p99_ms", percentile(lat, 99)),
                            ("mean_ms", lat.reduce(0, +) / Double(lat.count)),
                            ("recall_at_k", truth.map { recall(results, $0, k: k) } ?? .nan),
                        ]))
                    fflush(nil)
                }
            default:
                FileHandle.standardError.write("unknown mode \(mode)\n".data(using: .utf8)!)
                return 2
            }
            return 0
        } catch {
            FileHandle.standardError.write("vector-bench: \(error)\n".data(using: .utf8)!)
            return 1
        }
    }
}
