import Foundation

/// A retrieval test collection in the BEIR layout: `corpus.jsonl` (`_id`, `title`, `text`), a queries file
/// (`_id`, `text`) and a qrels TSV (`query-id`, `corpus-id`, `score`, with a header row).
public struct BEIRDataset: Sendable {
    public struct Document: Sendable, Equatable {
        public var id: String
        public var title: String
        public var text: String
    }

    public var corpus: [Document]
    public var queries: [(id: String, text: String)]
    /// query id → (document id → graded relevance).
    public var qrels: Qrels

    public init(corpus: [Document], queries: [(id: String, text: String)], qrels: Qrels) {
        self.corpus = corpus
        self.queries = queries
        self.qrels = qrels
    }

    public enum LoadError: Error, CustomStringConvertible {
        case missingFile(String)
        case badLine(file: String, line: Int)

        public var description: String {
            switch self {
            case .missingFile(let f): "missing file \(f)"
            case .badLine(let f, let l): "\(f):\(l): malformed line"
            }
        }
    }

    /// Loads `directory/corpus.jsonl`, the queries file (default: `queries.jsonl`, else the only `queries*.jsonl`)
    /// and the qrels file (default: `qrels/test.tsv`, else the only file in `qrels/`). Queries without qrels are
    /// dropped, as BEIR does.
    public static func load(directory: URL, queriesFile: URL? = nil, qrelsFile: URL? = nil) throws -> BEIRDataset {
        let fm = FileManager.default
        func pick(_ explicit: URL?, _ preferred: URL, _ folder: URL, _ matches: (String) -> Bool) throws -> URL {
            if let explicit { return explicit }
            if fm.fileExists(atPath: preferred.path) { return preferred }
            let names = ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? []).filter(matches).sorted()
            guard names.count == 1 else { throw LoadError.missingFile(preferred.path) }
            return folder.appendingPathComponent(names[0])
        }
        let queriesURL = try pick(queriesFile, directory.appendingPathComponent("queries.jsonl"), directory) {
            $0.hasPrefix("queries") && $0.hasSuffix(".jsonl")
        }
        let qrelsDir = directory.appendingPathComponent("qrels")
        let qrelsURL = try pick(qrelsFile, qrelsDir.appendingPathComponent("test.tsv"), qrelsDir) {
            $0.hasSuffix(".tsv")
        }
        let corpusURL = directory.appendingPathComponent("corpus.jsonl")

        var corpus: [Document] = []
        try forEachJSONLine(corpusURL) { obj in
            corpus.append(
                Document(
                    id: Self.id(obj["_id"]), title: obj["title"] as? String ?? "", text: obj["text"] as? String ?? ""))
        }
        let qrels = try Qrels.load(qrelsURL)
        var queries: [(id: String, text: String)] = []
        try forEachJSONLine(queriesURL) { obj in
            let id = Self.id(obj["_id"])
            if qrels.judgments[id] != nil { queries.append((id, obj["text"] as? String ?? "")) }
        }
        return BEIRDataset(corpus: corpus, queries: queries, qrels: qrels)
    }

    private static func id(_ value: Any?) -> String {
        if let s = value as? String { return s }
        if let n = value as? NSNumber { return n.stringValue }
        return ""
    }

    private static func forEachJSONLine(_ url: URL, _ body: ([String: Any]) -> Void) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw LoadError.missingFile(url.path) }
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n")) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) { continue }
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw LoadError.badLine(file: url.lastPathComponent, line: lineNumber)
            }
            body(obj)
        }
    }
}
