import ArgumentParser
import Embeddings
import Foundation
import PaperServices

struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed texts with a sentence-transformers model folder, natively.",
        discussion: """
            Input: JSON lines, each a JSON string or an object with a "text" field. Output: raw little-endian \
            float32, one row of `dimension` values per input line, in input order. The output appears only when \
            complete (written to a temporary file, then renamed).
            """)

    @OptionGroup var model: ModelOptions

    @Option(help: "JSON lines input file.")
    var input: String

    @Option(help: "Output file of float32 rows.")
    var output: String

    @Option(help: "Texts per batch.")
    var batchSize = 64

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
    }

    func run() async throws {
        let encoder = try model.load()
        let texts = try TextsFile.read(input)
        let bar = ProgressBar(label: "embedding", unit: .count)
        let temporary = output + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        FileManager.default.createFile(atPath: temporary, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: temporary) else {
            throw CommandFailure("cannot write \(output)")
        }
        let started = Date()
        do {
            var done = 0
            for start in stride(from: 0, to: texts.count, by: batchSize) {
                let batch = Array(texts[start..<min(texts.count, start + batchSize)])
                let vectors = try encoder.embed(batch)
                var data = Data(capacity: vectors.count * encoder.dimension * 4)
                for vector in vectors { vector.withUnsafeBufferPointer { data.append($0) } }
                try handle.write(contentsOf: data)
                done += batch.count
                bar.update(done: Int64(done), total: Int64(texts.count))
            }
            try handle.synchronize()
            try handle.close()
            bar.finish()
            if FileManager.default.fileExists(atPath: output) { try FileManager.default.removeItem(atPath: output) }
            try FileManager.default.moveItem(atPath: temporary, toPath: output)
        } catch {
            bar.finish()
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        let seconds = Date().timeIntervalSince(started)
        FileHandle.standardError.write(
            Data(
                String(
                    format: "embedded %d texts (%d x %d float32) in %.1f s, %.1f texts/s -> %@\n", texts.count,
                    texts.count,
                    encoder.dimension, seconds, Double(texts.count) / max(seconds, 1e-9), output
                ).utf8))
    }
}

/// Where the embedding model comes from: --model, $PAPERBOY_MODEL_DIR, or ./models/all-MiniLM-L6-v2.
struct ModelOptions: ParsableArguments {
    @Option(
        name: .customLong("model"),
        help: "sentence-transformers model folder (default: $PAPERBOY_MODEL_DIR or ./models/all-MiniLM-L6-v2).")
    var directory: String?

    @Option(help: "Threads for inference.")
    var threads = 2

    static let defaultDirectory = "models/all-MiniLM-L6-v2"

    /// The folder to use, or nil when none was given and the default is absent.
    var resolvedDirectory: URL? {
        if let path = directory ?? ProcessInfo.processInfo.environment["PAPERBOY_MODEL_DIR"] {
            return URL(fileURLWithPath: path, isDirectory: true)
        }
        let fallback = URL(fileURLWithPath: Self.defaultDirectory, isDirectory: true)
        return FileManager.default.fileExists(atPath: fallback.appendingPathComponent("config.json").path)
            ? fallback : nil
    }

    func load() throws -> SentenceEncoder {
        guard let url = resolvedDirectory else {
            throw CommandFailure(
                "no model: pass --model DIR or set PAPERBOY_MODEL_DIR (scripts/fetch-model.sh fetches all-MiniLM-L6-v2)"
            )
        }
        do {
            return try SentenceEncoder(modelDirectory: url, threads: max(1, threads))
        } catch {
            throw CommandFailure("cannot load model from \(url.path): \(error)")
        }
    }
}

/// Reads `TEXTS.jsonl`: a JSON string or {"text": ...} per line.
enum TextsFile {
    static func read(_ path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandFailure("cannot read \(path)") }
        var texts: [String] = []
        for (index, line) in String(decoding: data, as: UTF8.self).split(
            separator: "\n", omittingEmptySubsequences: false
        ).enumerated() {
            if line.allSatisfy(\.isWhitespace) { continue }
            let value = try? JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
            if let text = value as? String {
                texts.append(text)
            } else if let object = value as? [String: Any], let text = object["text"] as? String {
                texts.append(text)
            } else {
                throw CommandFailure("\(path):\(index + 1): expected a JSON string or an object with a \"text\" string")
            }
        }
        return texts
    }
}

// The native encoder is what the background services embed with.
extension SentenceEncoder: TextEmbedder {}
