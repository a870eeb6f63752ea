// The executable of benchmarks/search/memory_bench.sh (symlinked into the throwaway harness package as main.swift).
// Measures the memory of one process serving a 1M-paper lexical index and 1M int8 vectors together.
//
//   memory-bench build-lexical --corpus corpus.jsonl --index DIR           # builds DIR unless it already holds an index
//   memory-bench build-vectors --base base.f32 --dim 384 --n N --out F.pbvec   # int8 index, quantized chunk by chunk, saved
//   memory-bench serve --index DIR --queries queries.txt --vectors base.f32|F.pbvec --vector-queries queries.f32
//                      [--dim 384] [--n N] [--nq 200] [--gt gt.i64]
//
// `serve` runs in a fresh process: opens the on-disk lexical index, then loads the vectors into an int8 VectorIndex
// (from a .pbvec file via VectorIndex.load, or by reading the float32 file in 10K-row chunks with pread and
// quantizing on insert, so the float32 file is never mapped), runs lexical and exact vector top-10 queries and
// prints /proc/self/status memory after each step as JSON lines.
import Foundation
import LexicalIndex
import VectorIndex

func option(_ arguments: [String], _ name: String) -> String? {
    guard let i = arguments.firstIndex(of: "--" + name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// VmRSS, VmHWM, RssAnon, RssFile from /proc/self/status, in MB (1 MB = 2^20 bytes).
func memory() -> [(String, Double)] {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return [] }
    var out: [(String, Double)] = []
    for name in ["VmRSS", "VmHWM", "RssAnon", "RssFile"] {
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            let kb = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Double($0) } ?? -1
            out.append((name, kb / 1024))
        }
    }
    return out
}

/// Resets VmHWM to the current RSS (Linux >= 4.0), so a phase's own peak can be read. Returns whether it worked.
func resetPeak() -> Bool {
    let fd = open("/proc/self/clear_refs", O_WRONLY)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    return write(fd, "5", 1) == 1
}

func emit(_ fields: [(String, Any)]) {
    let body = fields.map { k, v -> String in
        switch v {
        case let s as String: return "\"\(k)\": \"\(s)\""
        case let d as Double: return "\"\(k)\": " + String(format: "%.1f", d)
        default: return "\"\(k)\": \(v)"
        }
    }.joined(separator: ", ")
    print("{" + body + "}")
    fflush(nil)
}

/// Highest VmHWM seen so far: VmHWM itself is reset between phases (when the kernel allows) to give per-phase peaks.
nonisolated(unsafe) var processPeak = 0.0

func emitMemory(_ step: String, _ extra: [(String, Any)] = []) {
    let m = memory()
    processPeak = max(processPeak, m.first { $0.0 == "VmHWM" }?.1 ?? 0)
    emit([("step", step)] + m.map { ($0.0 + "_mb", $0.1 as Any) } + [("process_peak_mb", processPeak as Any)] + extra)
}

func directorySize(_ url: URL) -> Int {
    let files = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
    return files.reduce(0) {
        $0 + ((try? FileManager.default.attributesOfItem(atPath: url.appendingPathComponent($1).path)[.size] as? Int) ?? 0)
    }
}

func vectorKey(_ row: Int) -> String { String(format: "syn-%07d", row) }  // the corpus's key format

// MARK: - build-lexical

func buildLexical(_ arguments: [String]) throws -> Int32 {
    guard let corpusPath = option(arguments, "corpus"), let indexPath = option(arguments, "index") else { return 2 }
    let directory = URL(fileURLWithPath: indexPath)
    if FileManager.default.fileExists(atPath: directory.appendingPathComponent("manifest.json").path) {
        emit([("step", "build-lexical"), ("reused", "true"), ("size_bytes", directorySize(directory))])
        return 0
    }
    try? FileManager.default.removeItem(at: directory)
    let start = now(), cpuStart = cpuSeconds()
    let corpus = try Data(contentsOf: URL(fileURLWithPath: corpusPath), options: .alwaysMapped)
    var documents: [IndexDocument] = []
    for line in corpus.split(separator: UInt8(ascii: "\n")) {
        guard let o = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { continue }
        documents.append(IndexDocument(
            key: o["key"] as? String ?? "", title: o["title"] as? String ?? "", abstract: o["abstract"] as? String ?? "",
            authors: o["authors"] as? [String] ?? [], categories: o["categories"] as? [String] ?? [],
            day: Int32(o["day"] as? Int ?? 0), hasCode: o["hasCode"] as? Bool ?? false))
    }
    let parseSeconds = now() - start
    let writer = try LexicalIndex.open(directory: directory)
    writer.upsert(documents)
    try writer.commit(sequence: 1)
    emit([("step", "build-lexical"), ("reused", "false"), ("docs", documents.count), ("parse_s", parseSeconds),
          ("build_s", now() - start), ("build_cpu_s", cpuSeconds() - cpuStart), ("segments", writer.segmentCount),
          ("size_bytes", directorySize(directory))] + memory().map { ($0.0 + "_mb", $0.1 as Any) })
    return 0
}

// MARK: - vectors

/// Reads rows [0, n) of a row-major float32 file in chunks with pread (no mapping) and inserts them into an int8 index.
func loadInt8(fromF32 path: String, dim: Int, n: Int?) throws -> VectorIndex {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw VectorIndexError.io("cannot open \(path)") }
    defer { close(fd) }
    var st = stat()
    fstat(fd, &st)
    let rows = min(n ?? Int.max, Int(st.st_size) / (4 * dim))
    let index = VectorIndex(dimension: dim, storage: .int8)
    let chunkRows = 10_000
    var buffer = [Float](repeating: 0, count: chunkRows * dim)
    var row = 0
    while row < rows {
        let count = min(chunkRows, rows - row)
        let bytes = count * dim * 4
        var done = 0
        try buffer.withUnsafeMutableBytes { raw in
            while done < bytes {
                let got = pread(fd, raw.baseAddress! + done, bytes - done, off_t(row * dim * 4 + done))
                guard got > 0 else { throw VectorIndexError.io("short read at row \(row)") }
                done += got
            }
        }
        let keys = (row..<(row + count)).map(vectorKey)
        try buffer.withUnsafeBufferPointer { try index.upsert(keys: keys, rowMajor: UnsafeBufferPointer(rebasing: $0[0..<(count * dim)])) }
        row += count
    }
    // Drop the source file from the page cache so a later reader starts cold (page cache is not process RSS either way).
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
    return index
}

func buildVectors(_ arguments: [String]) throws -> Int32 {
    guard let base = option(arguments, "base"), let out = option(arguments, "out") else { return 2 }
    let dim = option(arguments, "dim").flatMap(Int.init) ?? 384
    let start = now()
    let index = try loadInt8(fromF32: base, dim: dim, n: option(arguments, "n").flatMap(Int.init))
    try index.save(to: URL(fileURLWithPath: out), modelIdentity: "memory-bench synthetic", sequence: 1)
    let size = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
    emit([("step", "build-vectors"), ("rows", index.count), ("build_s", now() - start), ("size_bytes", size)])
    return 0
}

func readQueries(path: String, dim: Int, count: Int) throws -> [[Float]] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let flat: [Float] = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    let rows = min(count, flat.count / dim)
    return (0..<rows).map { Array(flat[($0 * dim)..<(($0 + 1) * dim)]) }
}

// MARK: - serve

func serve(_ arguments: [String]) throws -> Int32 {
    guard let indexPath = option(arguments, "index"), let queriesPath = option(arguments, "queries"),
          let vectorsPath = option(arguments, "vectors"), let vectorQueriesPath = option(arguments, "vector-queries")
    else { return 2 }
    let dim = option(arguments, "dim").flatMap(Int.init) ?? 384
    let nq = option(arguments, "nq").flatMap(Int.init) ?? 200
    let canReset = resetPeak()
    emitMemory("start", [("peak_reset_supported", canReset ? "true" : "false")])

    // 1. Lexical index, opened from disk.
    var t = now()
    let lexical = try LexicalIndex.open(directory: URL(fileURLWithPath: indexPath))
    let lexicalOpen = now() - t
    emitMemory("after_lexical_open", [("docs", lexical.documentCount), ("segments", lexical.segmentCount), ("open_s", lexicalOpen)])
    let rssAfterLexical = memory().first { $0.0 == "VmRSS" }?.1 ?? 0
    if canReset { _ = resetPeak() }

    // 2. int8 vectors.
    t = now()
    let vectors: VectorIndex
    let source: String
    if vectorsPath.hasSuffix(".pbvec") {
        vectors = try VectorIndex.load(from: URL(fileURLWithPath: vectorsPath)).0
        source = "pbvec"
    } else {
        vectors = try loadInt8(fromF32: vectorsPath, dim: dim, n: option(arguments, "n").flatMap(Int.init))
        source = "f32-chunked"
    }
    let vectorLoad = now() - t
    precondition(vectors.storage == .int8, "vectors must be int8")
    let rssAfterVectors = memory().first { $0.0 == "VmRSS" }?.1 ?? 0
    emitMemory("after_vectors_load", [("vector_source", source), ("rows", vectors.count), ("load_s", vectorLoad),
                                      ("vectors_added_rss_mb", rssAfterVectors - rssAfterLexical)])
    if canReset { _ = resetPeak() }

    // 3. Queries on both, proving they serve.
    let lexicalQueries = String(decoding: try Data(contentsOf: URL(fileURLWithPath: queriesPath)), as: UTF8.self)
        .split(separator: "\n").map(String.init).filter { !$0.isEmpty }.prefix(nq)
    var lexicalHits = 0
    var lexicalLatencies: [Double] = []
    for q in lexicalQueries {
        let s = now()
        lexicalHits += try lexical.search(q, limit: 10).count
        lexicalLatencies.append((now() - s) * 1000)
    }
    let vectorQueries = try readQueries(path: vectorQueriesPath, dim: dim, count: nq)
    var vectorResults: [[VectorHit]] = []
    var vectorLatencies: [Double] = []
    for q in vectorQueries {
        let s = now()
        vectorResults.append(try vectors.search(q, k: 10))
        vectorLatencies.append((now() - s) * 1000)
    }
    var recall = -1.0
    if let gtPath = option(arguments, "gt") {  // float32 exact ids from faiss (vector_bench.sh), rows = key numbers
        let data = try Data(contentsOf: URL(fileURLWithPath: gtPath))
        let ids: [Int64] = data.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
        var hit = 0, total = 0
        for (qi, result) in vectorResults.enumerated() where (qi + 1) * 10 <= ids.count {
            let want = Set(ids[(qi * 10)..<((qi + 1) * 10)].map { vectorKey(Int($0)) })
            hit += result.filter { want.contains($0.key) }.count
            total += 10
        }
        recall = total == 0 ? -1 : Double(hit) / Double(total)
    }
    lexicalLatencies.sort()
    vectorLatencies.sort()
    emitMemory("after_queries", [
        ("lexical_queries", lexicalQueries.count), ("lexical_mean_hits", Double(lexicalHits) / Double(max(1, lexicalQueries.count))),
        ("lexical_p50_ms", lexicalLatencies.isEmpty ? 0 : lexicalLatencies[lexicalLatencies.count / 2]),
        ("vector_queries", vectorQueries.count),
        ("vector_mean_hits", Double(vectorResults.reduce(0) { $0 + $1.count }) / Double(max(1, vectorResults.count))),
        ("vector_p50_ms", vectorLatencies.isEmpty ? 0 : vectorLatencies[vectorLatencies.count / 2]),
        ("vector_recall_at_10_vs_f32_exact", String(format: "%.3f", recall)),
    ])
    // 4. Phrase queries read positions, which stay in the mapped segment file until used: RssFile shows what
    // they page in. The same queries, quoted (multi-word ones only).
    let phrases = lexicalQueries.filter { $0.contains(" ") }.map { "\"\($0)\"" }
    var phraseHits = 0
    var phraseLatencies: [Double] = []
    for q in phrases {
        let s = now()
        phraseHits += try lexical.search(q, limit: 10).count
        phraseLatencies.append((now() - s) * 1000)
    }
    phraseLatencies.sort()
    emitMemory("after_phrase_queries", [
        ("phrase_queries", phrases.count), ("phrase_mean_hits", Double(phraseHits) / Double(max(1, phrases.count))),
        ("phrase_p50_ms", phraseLatencies.isEmpty ? 0 : phraseLatencies[phraseLatencies.count / 2]),
    ])
    // Keep both indexes alive until after the last measurement.
    withExtendedLifetime((lexical, vectors)) {}
    return 0
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "build-lexical": exit(try buildLexical(arguments))
    case "build-vectors": exit(try buildVectors(arguments))
    case "serve": exit(try serve(arguments))
    default:
        FileHandle.standardError.write(Data("usage: memory-bench build-lexical|build-vectors|serve ... (see memory_bench.swift)\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("memory-bench: \(error)\n".utf8))
    exit(1)
}
