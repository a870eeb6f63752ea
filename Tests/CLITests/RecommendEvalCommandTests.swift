import Foundation
import Testing

/// `paperboy eval recommend` on a small handmade Kaggle-layout file: the paper-vector cache survives an
/// interrupted run, and `--peers` shows the peers' results only for the same protocol.
@Suite("paperboy eval recommend", .enabled(if: paperboyBinary != nil, "the paperboy binary was not built"))
struct RecommendEvalCommandTests {
    /// Three authors with seven papers each on a topic of their own, one paper a day, plus unrelated papers.
    static func corpus(in dir: URL) throws -> URL {
        let topics = [
            ("Ada Graph", "graph neural networks for molecules", "message passing over atoms and bonds"),
            ("Ben Speech", "speech recognition with conformers", "acoustic models for spoken audio"),
            ("Cy Query", "query optimization for databases", "join ordering in relational systems"),
        ]
        var lines: [String] = []
        var day = 1
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, d MMM yyyy HH:mm:ss 'GMT'"
        func record(_ id: String, _ title: String, _ abstract: String, _ authors: String) -> String {
            // One paper a day from June 1, 2025 at 10:00 GMT (arXiv's v1 date format).
            let created = formatter.string(from: Date(timeIntervalSince1970: 1_748_772_000 + Double(day - 1) * 86_400))
            day += 1
            let object: [String: Any] = [
                "id": id, "title": title, "abstract": abstract, "authors": authors, "categories": "cs.LG",
                "versions": [["version": "v1", "created": created]],
            ]
            let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
        var n = 0
        for k in 0..<7 {
            for (author, title, abstract) in topics {
                n += 1
                lines.append(
                    record(
                        String(format: "2506.%05d", n), "\(title.capitalized), part \(k + 1)",
                        "We study \(title): \(abstract), step \(k + 1).", "\(author), Some Coauthor\(n)"))
            }
            n += 1
            lines.append(
                record(
                    String(format: "2506.%05d", n), "Unrelated note \(k)", "Weather in the mountains, day \(k).",
                    "Dee Other\(k)"))
        }
        let file = dir.appendingPathComponent("papers.jsonl")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        return file
    }

    static func json(_ run: Run) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    @Test(.enabled(if: modelDirectory != nil, "no model at models/all-MiniLM-L6-v2 (scripts/fetch-model.sh)"))
    func anInterruptedVectorCacheKeepsItsRowsAndTheResultIsTheSame() throws {
        let dir = try temporaryDirectory()
        let file = try Self.corpus(in: dir)
        let cache = dir.appendingPathComponent("cache")
        let arguments = [
            "eval", "recommend", file.path, "--min-papers", "6", "--model", modelDirectory!.path, "--cache-dir",
            cache.path, "--json",
        ]
        let first = try paperboy(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("0 cached"))
        let firstResult = try Self.json(first)
        #expect(firstResult["readers"] as? Int == 3 && firstResult["embeddings"] as? Bool == true)

        let tsv = cache.appendingPathComponent("recommend-vectors.tsv")
        let f32 = cache.appendingPathComponent("recommend-vectors.f32")
        let lines = try String(contentsOf: tsv, encoding: .utf8).split(separator: "\n")
        let rowBytes = 384 * 4
        #expect(lines.count == 29)  // the header and one line a paper
        #expect(try Data(contentsOf: f32).count == 28 * rowBytes)

        // A run stopped between a checkpoint's two appends: 12 rows and a half of vectors, 10 lines.
        try Data((lines.prefix(11).joined(separator: "\n") + "\n").utf8).write(to: tsv)
        try Data(try Data(contentsOf: f32).prefix(12 * rowBytes + rowBytes / 2)).write(to: f32)
        let resumed = try paperboy(arguments)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("using their first 10 rows"))
        #expect(resumed.stderr.contains("10 cached") && resumed.stderr.contains("18 to encode"))
        let resumedResult = try Self.json(resumed)
        for key in ["ndcg@20", "recall@50", "mrr"] {
            #expect(
                ((resumedResult["paperboy"] as? [String: Any])?[key] as? Double)
                    == ((firstResult["paperboy"] as? [String: Any])?[key] as? Double), "\(key)")
        }
        #expect(try String(contentsOf: tsv, encoding: .utf8).split(separator: "\n").count == 29)
        #expect(try Data(contentsOf: f32).count == 28 * rowBytes)
        #expect(try paperboy(arguments).stderr.contains("28 cached"))
    }

    @Test func peersAreShownForTheSameProtocolOnly() throws {
        let dir = try temporaryDirectory()
        let file = try Self.corpus(in: dir)
        let base = ["eval", "recommend", file.path, "--min-papers", "6", "--no-model"]
        let plain = try paperboy(base + ["--json"])
        #expect(plain.status == 0, "\(plain.stderr)")
        let fingerprint = try #require(try Self.json(plain)["fingerprint"] as? String)
        let ndcg = try #require((try Self.json(plain)["paperboy"] as? [String: Any])?["ndcg@20"] as? Double)

        func peers(_ fingerprint: String) throws -> URL {
            let summary: [String: Any] = [
                "ndcg@20": 0.25, "ndcg@20_ci": [0.2, 0.3], "recall@50": 0.5, "recall@50_ci": [0.4, 0.6], "mrr": 0.5,
                "mrr_ci": [0.4, 0.6], "readers": 3,
            ]
            let object: [String: Any] = ["fingerprint": fingerprint, "svm": summary]
            let url = dir.appendingPathComponent("peers-\(fingerprint.prefix(8)).json")
            try JSONSerialization.data(withJSONObject: object).write(to: url)
            return url
        }
        let shown = try paperboy(base + ["--peers", try peers(fingerprint).path])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("svm         0.2500 [0.2000, 0.3000]"))
        #expect(shown.stdout.contains(String(format: "paperboy / svm: nDCG@20 %.2fx", ndcg / 0.25)))
        #expect(!shown.stdout.contains("centroid"))

        let other = try paperboy(base + ["--peers", try peers("0123456789abcdef").path])
        #expect(other.status != 0)
        #expect(other.stderr.contains("is for another protocol"))
        let missing = try paperboy(base + ["--peers", dir.appendingPathComponent("nothing.json").path])
        #expect(missing.status != 0 && missing.stderr.contains("cannot read"))
    }
}
