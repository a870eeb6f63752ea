import Foundation
import TextAnalysis

/// Author names as followed and matched: lowercased, compatibility-decomposed with the marks dropped (accents go),
/// every run of characters that are not letters or digits folded to one space, trimmed.
/// `benchmarks/recommend/peers.py` reproduces this exactly (`str.lower`, NFKD, Unicode categories M / L, N).
public enum AuthorKey {
    public static func normalize(_ name: String) -> String {
        let decomposed = name.lowercased().decomposedStringWithCompatibilityMapping
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in decomposed.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark:
                continue
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                .decimalNumber, .letterNumber, .otherNumber:
                if pendingSpace && !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.append(scalar)
            default:
                pendingSpace = true
            }
        }
        return String(out)
    }
}

/// arXiv ids without their version suffix: `2503.01234v2` → `2503.01234`, `hep-th/9901001v1` → `hep-th/9901001`.
public enum PaperKey {
    public static func base(_ id: String) -> String {
        let bytes = Array(id.utf8)
        var end = bytes.count
        while end > 0, bytes[end - 1] >= 0x30, bytes[end - 1] <= 0x39 { end -= 1 }
        if end < bytes.count, end > 0, bytes[end - 1] == UInt8(ascii: "v") {
            return String(decoding: bytes[..<(end - 1)], as: UTF8.self)
        }
        return id
    }
}

/// The lexical features of a paper: Porter2-stemmed unigrams of title + abstract (stopwords removed, the
/// tokenizer's joined compounds included) and bigrams of consecutive running-text stems, hashed to 64 bits
/// (FNV-1a) so that counting document frequencies needs no string per term.
public struct TermExtractor: Sendable {
    public var analyzer: Analyzer
    public var bigrams: Bool

    public init(analyzer: Analyzer = .standard, bigrams: Bool = true) {
        self.analyzer = analyzer
        self.bigrams = bigrams
    }

    /// Term hashes with their counts, in first-occurrence order.
    public func counts(title: String, abstract: String, categories: [String] = []) -> [(hash: UInt64, count: Int)] {
        var order: [UInt64] = []
        var counts: [UInt64: Int] = [:]
        visit(title: title, abstract: abstract) { hash, _ in
            if let c = counts[hash] { counts[hash] = c + 1 } else { counts[hash] = 1; order.append(hash) }
        }
        for category in categories {
            let hash = Self.categoryHash(category)
            if counts[hash] == nil { counts[hash] = 1; order.append(hash) }
        }
        return order.map { ($0, counts[$0]!) }
    }

    /// Calls `body` with each term hash and its display text (the unstemmed words), in text order. With
    /// `skippingAddresses`, the words of web addresses (and bigrams with them) are left out: they weigh in the
    /// model — a lab's repository links are a fair signal, measured to help — but `https github` is no
    /// explanation to show a reader.
    public func visit(
        title: String, abstract: String, skippingAddresses: Bool = false, _ body: (UInt64, () -> String) -> Void
    ) {
        visitWhile(title: title, abstract: abstract, skippingAddresses: skippingAddresses) { hash, text in
            withoutActuallyEscaping(text) { body(hash, $0) }
            return true
        }
    }

    /// `visit`, stopping as soon as `body` returns false (stemming the rest of an abstract is most of the cost).
    public func visitWhile(
        title: String, abstract: String, skippingAddresses: Bool = false, _ body: (UInt64, () -> String) -> Bool
    ) {
        for text in [title, abstract] {
            var previous: (hash: UInt64, word: String)?
            let addresses = skippingAddresses ? Self.webAddresses(text) : []
            for token in analyzer.tokenizer.tokenize(text) {
                if !addresses.isEmpty, addresses.contains(where: { $0.contains(token.utf8Range.lowerBound) }) {
                    previous = nil
                    continue
                }
                guard let term = analyzer.textTerm(token.text) else {
                    continue  // a stopword: bigrams join across it, as scikit-learn's do
                }
                let hash = Self.hash(term)
                guard body(hash, { token.text }) else { return }
                if token.isCompound { continue }
                if bigrams, let previous {
                    let pair = Self.combine(previous.hash, hash)
                    let word = previous.word
                    guard body(pair, { word + " " + token.text }) else { return }
                }
                previous = (hash, token.text)
            }
            previous = nil
        }
    }

    /// UTF-8 byte ranges of the web addresses in `text`: whitespace-separated chunks with `://`, starting with
    /// `www.`, or naming a code host (`github.com/org/repo`).
    static func webAddresses(_ text: String) -> [Range<Int>] {
        var text = text
        return text.withUTF8(webAddresses)
    }

    private static let marks: [[UInt8]] = ["://", "www."].map { Array($0.utf8) }
    private static let codeHosts: [[UInt8]] = ["github.com", "gitlab.com", "huggingface.co", "bitbucket.org"].map {
        Array($0.utf8)
    }

    private static func webAddresses(_ bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        /// Whether `needle` (lowercase ASCII) occurs in `range`, ignoring ASCII case.
        func contains(_ needle: [UInt8], in range: Range<Int>) -> Bool {
            guard range.count >= needle.count else { return false }
            for i in range.lowerBound...(range.upperBound - needle.count) {
                var k = 0
                while k < needle.count && bytes[i + k] | 0x20 == needle[k] | 0x20 { k += 1 }
                if k == needle.count { return true }
            }
            return false
        }
        // Most abstracts have no address: a slash or `www.` comes first, else there is nothing to split.
        guard bytes.contains(UInt8(ascii: "/")) || contains(marks[1], in: 0..<bytes.count) else { return [] }
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D }
        var spans: [Range<Int>] = []
        var start = 0
        while start < bytes.count {
            while start < bytes.count && isSpace(bytes[start]) { start += 1 }
            var end = start
            while end < bytes.count && !isSpace(bytes[end]) { end += 1 }
            let chunk = start..<end
            if contains(marks[0], in: chunk) || contains(marks[1], in: start..<min(end, start + 5))
                || codeHosts.contains(where: { contains($0, in: chunk) })
            {
                spans.append(chunk)
            }
            start = end
        }
        return spans
    }

    /// A category's term (a prefix no word token can have, since tokens hold no spaces).
    static func categoryHash(_ category: String) -> UInt64 { hash("category " + category.lowercased()) }

    static func hash(_ term: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in term.utf8 {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01b3
        }
        return h
    }

    static func combine(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var z = a &* 0x9E37_79B9_7F4A_7C15 ^ (b &+ 0x632B_E59B_D9B4_E019)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
