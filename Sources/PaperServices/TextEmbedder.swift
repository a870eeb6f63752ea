import Foundation
import PaperModel

/// What the services need from an embedding model. The CLI conforms the native `SentenceEncoder` to it;
/// tests use small fakes.
public protocol TextEmbedder: Sendable {
    /// Changes whenever the vectors would change (model name + weights digest).
    var identity: String { get }
    var dimension: Int { get }
    func embed(_ texts: [String]) throws -> [[Float]]
}

extension Paper {
    /// The text a paper is embedded from: the form sentence-transformers users embed papers in.
    public var embeddingText: String {
        abstract.isEmpty ? title : title + ". " + abstract
    }
}

/// How a paper's text is cut for the encoder, which sees at most `maxSequenceLength` tokens (256 for MiniLM)
/// while abstracts often run longer. The first chunk is the paper's whole `embeddingText` (the encoder truncates
/// it: title and the start of the abstract); each further chunk is the title plus a window of `wordsPerChunk`
/// abstract words starting `strideWords` after the previous window. Search scores a paper by its best chunk.
public struct ChunkPolicy: Sendable, Equatable {
    public var wordsPerChunk: Int
    public var strideWords: Int
    public var maxChunks: Int

    public init(wordsPerChunk: Int = 160, strideWords: Int = 120, maxChunks: Int = 8) {
        self.wordsPerChunk = wordsPerChunk
        self.strideWords = strideWords
        self.maxChunks = maxChunks
    }

    public static let standard = ChunkPolicy()
    /// One vector per paper.
    public static let none = ChunkPolicy(wordsPerChunk: Int.max, strideWords: Int.max, maxChunks: 1)

    /// Names the policy in the stored model key, so a policy change re-embeds.
    public var tag: String { maxChunks == 1 ? "" : "+chunks\(wordsPerChunk)/\(strideWords)" }

    public func texts(for paper: Paper) -> [String] {
        var texts = [paper.embeddingText]
        let words = paper.abstract.split(separator: " ")
        guard maxChunks > 1, words.count > wordsPerChunk else { return texts }
        var start = strideWords
        while start < words.count, texts.count < maxChunks {
            let end = min(words.count, start + wordsPerChunk)
            texts.append(paper.title + ". " + words[start..<end].joined(separator: " "))
            if end == words.count { break }
            start += strideWords
        }
        return texts
    }
}

/// Runs blocking CPU work (model inference) on its own queue, so it never occupies the threads that serve
/// requests.
public enum BlockingWork {
    static let queue = DispatchQueue(label: "paperboy.inference", qos: .utility)

    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
