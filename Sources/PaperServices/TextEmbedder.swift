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
///
/// The `sentences` policy cuts differently: one text per abstract sentence, each prefixed with the title
/// (`"Title. Sentence."`). A claim or question usually matches one sentence of an abstract, and a whole-abstract
/// vector dilutes it; the title gives each sentence its context (SciFact train: best-sentence cosine 0.695 against
/// 0.674 for windows, and the better signal in fusion; benchmarks/RESULTS.md).
public struct ChunkPolicy: Sendable, Equatable {
    public enum Segmentation: String, Sendable, Equatable {
        case windows, sentences
    }

    public var segmentation: Segmentation
    public var wordsPerChunk: Int
    public var strideWords: Int
    public var maxChunks: Int

    public init(
        segmentation: Segmentation = .windows, wordsPerChunk: Int = 160, strideWords: Int = 120, maxChunks: Int = 8
    ) {
        self.segmentation = segmentation
        self.wordsPerChunk = wordsPerChunk
        self.strideWords = strideWords
        self.maxChunks = maxChunks
    }

    public static let standard = ChunkPolicy()
    /// One vector per paper.
    public static let none = ChunkPolicy(wordsPerChunk: Int.max, strideWords: Int.max, maxChunks: 1)
    /// One vector per abstract sentence (title-prefixed), at most 64 per paper.
    public static let sentences = ChunkPolicy(segmentation: .sentences, maxChunks: 64)

    /// Names the policy in the stored model key, so a policy change re-embeds.
    public var tag: String {
        switch segmentation {
        case .sentences: "+sentences"
        case .windows: maxChunks == 1 ? "" : "+chunks\(wordsPerChunk)/\(strideWords)"
        }
    }

    /// Abstract sentences: a boundary is whitespace after `.`, `!` or `?` followed by an ASCII capital, a digit,
    /// `(` or `[` (so "e.g. the" and "1.5 times" do not split).
    public static func sentences(_ text: String) -> [String] {
        let chars = Array(text)
        var result: [String] = []
        var start = 0
        var i = 0
        while i < chars.count {
            if chars[i].isWhitespace, i > 0, ".!?".contains(chars[i - 1]) {
                var j = i
                while j < chars.count, chars[j].isWhitespace { j += 1 }
                if j < chars.count, let a = chars[j].asciiValue,
                    (a >= 65 && a <= 90) || (a >= 48 && a <= 57) || a == 40 || a == 91
                {
                    let piece = String(chars[start..<i]).trimmingCharacters(in: .whitespacesAndNewlines)
                    if !piece.isEmpty { result.append(piece) }
                    start = j
                }
                i = j
                continue
            }
            i += 1
        }
        let last = String(chars[min(start, chars.count)...]).trimmingCharacters(in: .whitespacesAndNewlines)
        if !last.isEmpty { result.append(last) }
        return result
    }

    public func texts(for paper: Paper) -> [String] {
        if segmentation == .sentences {
            let title = paper.title.trimmingCharacters(in: .whitespacesAndNewlines)
            let joiner = title.last.map { ".!?".contains($0) } == true ? " " : ". "
            let sentences = Self.sentences(paper.abstract).prefix(maxChunks)
            return sentences.isEmpty ? [title] : sentences.map { title + joiner + $0 }
        }
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
