import Foundation

/// Relevance judgments: query id → document id → relevance grade (0 = judged non-relevant).
public struct Qrels: Sendable, Equatable {
    public var judgments: [String: [String: Int]]

    public init(_ judgments: [String: [String: Int]]) {
        self.judgments = judgments
    }

    /// Reads a TSV of `query-id<TAB>corpus-id<TAB>score`; a first line whose score is not a number is a header.
    public static func load(_ url: URL) throws -> Qrels {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw BEIRDataset.LoadError.missingFile(url.path)
        }
        var judgments: [String: [String: Int]] = [:]
        var lineNumber = 0
        for raw in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            lineNumber += 1
            let fields = raw.split(separator: "\t").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 3 else {
                throw BEIRDataset.LoadError.badLine(file: url.lastPathComponent, line: lineNumber)
            }
            guard let score = Int(fields[2]) else {
                if lineNumber == 1 { continue }
                throw BEIRDataset.LoadError.badLine(file: url.lastPathComponent, line: lineNumber)
            }
            judgments[fields[0], default: [:]][fields[1]] = score
        }
        return Qrels(judgments)
    }
}
