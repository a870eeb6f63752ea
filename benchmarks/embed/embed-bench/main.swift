// Benchmark driver for benchmarks/embed/run.sh:
//   embed-bench MODEL_DIR CORPUS_JSONL QUERIES_JSONL [--limit N] [--threads T] [--vectors OUT.f32]
//               [--precision float32|bfloat16]
// Prints one JSON object (EmbeddingBenchmarkResult).
import Embeddings
import Foundation

var args = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, _ args: inout [String]) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    defer { args.removeSubrange(i...(i + 1)) }
    return args[i + 1]
}
let limit = option("--limit", &args).flatMap { Int($0) }
let threads = option("--threads", &args).flatMap { Int($0) } ?? 2
let vectorsPath = option("--vectors", &args)
let precision = EmbeddingPrecision(rawValue: option("--precision", &args) ?? "float32") ?? .float32
guard args.count == 3 else {
    FileHandle.standardError.write(Data("usage: embed-bench MODEL_DIR CORPUS_JSONL QUERIES_JSONL [--limit N] [--threads T] [--vectors OUT.f32] [--precision float32|bfloat16]\n".utf8))
    exit(2)
}
do {
    let docs = try EmbeddingBenchmark.readBEIRCorpus(URL(fileURLWithPath: args[1]), limit: limit)
    let queries = try EmbeddingBenchmark.readBEIRQueries(URL(fileURLWithPath: args[2]), limit: 200)
    let result = try EmbeddingBenchmark.run(modelDirectory: URL(fileURLWithPath: args[0]), documents: docs,
                                            queries: queries, threads: threads, precision: precision) { vectors in
        guard let vectorsPath else { return }
        var flat: [Float] = []
        flat.reserveCapacity(vectors.count * (vectors.first?.count ?? 0))
        for v in vectors { flat.append(contentsOf: v) }
        try flat.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: vectorsPath))
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    print(String(decoding: try encoder.encode(result), as: UTF8.self))
} catch {
    FileHandle.standardError.write(Data("embed-bench: \(error)\n".utf8))
    exit(1)
}
