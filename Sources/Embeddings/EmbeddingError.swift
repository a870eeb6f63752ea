/// Failure to load or run an embedding model. `code` is stable for programs to match on;
/// `message` names the file or tensor involved for people.
public struct EmbeddingError: Error, CustomStringConvertible, Equatable, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let missingFile = Code("missing-file")
        public static let unreadableFile = Code("unreadable-file")
        public static let invalidConfig = Code("invalid-config")
        public static let invalidSafetensors = Code("invalid-safetensors")
        public static let missingTensor = Code("missing-tensor")
        public static let tensorShape = Code("tensor-shape")
        public static let unsupportedDType = Code("unsupported-dtype")
        public static let invalidVocabulary = Code("invalid-vocabulary")
        public static let unsupportedModel = Code("unsupported-model")
        public static let invalidInput = Code("invalid-input")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "EmbeddingError(\(code)): \(message)" }
}
