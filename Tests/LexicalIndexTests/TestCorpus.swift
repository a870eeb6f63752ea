import Foundation
import PaperSupport

@testable import LexicalIndex

/// Deterministic pseudo-random generator (SplitMix64) so generated corpora are the same on every run.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Documents over a Zipf-like vocabulary, so that some terms are very common (the case pruning is for).
func syntheticDocuments(count: Int, seed: UInt64, keyPrefix: String = "d") -> [IndexDocument] {
    var rng = SeededRandom(state: seed)
    let vocabulary = (0..<400).map { "w\($0)x" }
    func word() -> String {
        // Squaring a uniform value skews picks towards the head of the vocabulary.
        let u = Double.random(in: 0..<1, using: &rng)
        return vocabulary[Int(u * u * u * Double(vocabulary.count))]
    }
    var docs: [IndexDocument] = []
    for i in 0..<count {
        let titleLength = Int.random(in: 2...8, using: &rng)
        let abstractLength = Int.random(in: 10...80, using: &rng)
        var title: [String] = []
        for _ in 0..<titleLength { title.append(word()) }
        var abstract: [String] = []
        for _ in 0..<abstractLength { abstract.append(word()) }
        let category = i % 3 == 0 ? "cs.CL" : "cs.LG"
        docs.append(
            IndexDocument(
                key: keyPrefix + String(i), title: title.joined(separator: " "),
                abstract: abstract.joined(separator: " "), authors: ["Author \(i % 17)"],
                categories: [category], day: Int32(18_000 + i % 100), hasCode: i % 2 == 0))
    }
    return docs
}

func randomQueries(count: Int, seed: UInt64) -> [String] {
    var rng = SeededRandom(state: seed)
    var queries: [String] = []
    for _ in 0..<count {
        var words: [String] = []
        for _ in 0..<Int.random(in: 1...5, using: &rng) {
            let u = Double.random(in: 0..<1, using: &rng)
            words.append("w" + String(Int(u * u * 400)) + "x")
        }
        queries.append(words.joined(separator: " "))
    }
    return queries
}

func temporaryDirectory() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("paperboy-lexical-\(UUID().uuidString)")
}

/// Finds shared/data: `PAPERBOY_SHARED_DIR`, else an ancestor of this file (or of the working directory, since
/// a development package may reach this file through a symlink) that contains `shared/data/scifact`.
func sharedDataDirectory(file: String = #filePath) -> URL? {
    let fm = FileManager.default
    if let env = ProcessInfo.processInfo.environment["PAPERBOY_SHARED_DIR"] {
        let url = URL(fileURLWithPath: env)
        for candidate in [url, url.appendingPathComponent("data")]
        where fm.fileExists(atPath: candidate.appendingPathComponent("scifact").path) {
            return candidate
        }
    }
    let starts = [
        URL(fileURLWithPath: file).resolvingSymlinksInPath(), URL(fileURLWithPath: file),
        URL(fileURLWithPath: fm.currentDirectoryPath),
    ]
    for start in starts {
        var dir = start
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("shared/data")
            if fm.fileExists(atPath: candidate.appendingPathComponent("scifact/corpus.jsonl").path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
    }
    return nil
}
