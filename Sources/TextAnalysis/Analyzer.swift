/// The fields of a paper, each analyzed its own way.
public enum AnalyzedField: String, Sendable, CaseIterable {
    /// Title and abstract: tokens, stopwords removed, Porter2 stems.
    case text
    /// Author names: tokens, no stopwords and no stemming ("Field" the author is not "field" the noun stem).
    case author
    /// arXiv categories such as `cs.CL`: the whole value, case-folded, as one exact keyword.
    case category
}

/// An analyzed term and its position in the field.
public struct AnalyzedTerm: Sendable, Equatable {
    public var term: String
    public var position: Int
    public var isCompound: Bool
    public var utf8Range: Range<Int>
}

/// Field-aware analysis shared by indexing, querying and highlighting, so that all three agree on terms.
public struct Analyzer: Sendable {
    public var tokenizer: Tokenizer
    public var stopwords: Set<[UInt8]>

    public init(tokenizer: Tokenizer = Tokenizer(), stopwords: Set<String> = Stopwords.english) {
        self.tokenizer = tokenizer
        self.stopwords = Set(stopwords.map { Array($0.utf8) })
    }

    public static let standard = Analyzer()

    public func analyze(_ text: String, field: AnalyzedField = .text) -> [AnalyzedTerm] {
        switch field {
        case .category:
            let value = Normalizer.normalize(text.trimmingCharacters())
            return value.isEmpty
                ? [] : [AnalyzedTerm(term: value, position: 0, isCompound: false, utf8Range: 0..<text.utf8.count)]
        case .author:
            return tokenizer.tokenize(text).map {
                AnalyzedTerm(term: $0.text, position: $0.position, isCompound: $0.isCompound, utf8Range: $0.utf8Range)
            }
        case .text:
            var result: [AnalyzedTerm] = []
            for token in tokenizer.tokenize(text) {
                if let term = textTerm(token.text) {
                    result.append(
                        AnalyzedTerm(
                            term: term, position: token.position, isCompound: token.isCompound,
                            utf8Range: token.utf8Range))
                }
            }
            return result
        }
    }

    /// The index term for one normalized token of title/abstract text, or nil for a stopword.
    public func textTerm(_ normalized: String) -> String? {
        var bytes = Array(normalized.utf8)
        if stopwords.contains(bytes) { return nil }
        // Numbers and identifiers with digits ("3.5b", "gpt4o", "2019") are kept verbatim: stemming them
        // would only merge unrelated identifiers.
        if bytes.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) || bytes.contains(where: { $0 >= 0x80 }) {
            return normalized
        }
        Porter2Stemmer.stem(&bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension String {
    func trimmingCharacters() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
