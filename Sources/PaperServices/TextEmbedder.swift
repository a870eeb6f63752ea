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
