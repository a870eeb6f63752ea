import Foundation

/// Byte-exact vocabulary lookup. Swift `String` equality is canonical equivalence, while
/// HF tokenizers compare raw UTF-8, so keys are byte strings in an open-addressing table
/// that can be probed with a slice of a scratch buffer without allocating.
struct Vocabulary: Sendable {
    private var pool: [UInt8] = []
    private var entries: [(start: Int32, length: Int32, id: Int32)] = []
    private var slots: [Int32]  // index into entries, -1 empty
    private var mask: Int
    private(set) var tokens: [String] = []
    private(set) var maxTokenBytes = 0

    init(tokens: [String]) {
        var capacity = 16
        while capacity < tokens.count * 2 { capacity <<= 1 }
        slots = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        self.tokens = tokens
        for (i, t) in tokens.enumerated() {
            let bytes = Array(t.utf8)
            maxTokenBytes = max(maxTokenBytes, bytes.count)
            let start = pool.count
            pool.append(contentsOf: bytes)
            // A duplicate line maps to its last index, as in HF's vocab loading.
            let slot = bytes.withUnsafeBufferPointer { findSlot($0) }!
            if slots[slot] >= 0 {
                entries[Int(slots[slot])].id = Int32(i)
                continue
            }
            entries.append((Int32(start), Int32(bytes.count), Int32(i)))
            slots[slot] = Int32(entries.count - 1)
        }
    }

    var count: Int { tokens.count }

    private static func hash(_ b: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for c in b { h = (h ^ UInt64(c)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    private func findSlot(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
        var h = Self.hash(key) & mask
        while true {
            let e = slots[h]
            if e < 0 { return h }
            let entry = entries[Int(e)]
            if Int(entry.length) == key.count {
                let equal = pool.withUnsafeBufferPointer { p in
                    key.count == 0 || memcmp(p.baseAddress! + Int(entry.start), key.baseAddress!, key.count) == 0
                }
                if equal { return h }
            }
            h = (h + 1) & mask
        }
    }

    func id(_ key: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard let slot = findSlot(key) else { return nil }
        let e = slots[slot]
        return e >= 0 ? entries[Int(e)].id : nil
    }

    func id(_ token: String) -> Int32? {
        let bytes = Array(token.utf8)
        return bytes.withUnsafeBufferPointer { id($0) }
    }
}

/// BERT WordPiece tokenizer matching HF `BertTokenizerFast` (tokenizers' BertNormalizer,
/// BertPreTokenizer and WordPiece): clean text, isolate CJK ideographs, strip accents and
/// lowercase, split on whitespace and punctuation, greedy longest-match subwords.
public struct BertTokenizer: Sendable {
    let vocab: Vocabulary
    public let doLowerCase: Bool
    public let stripAccents: Bool
    public let tokenizeChineseChars: Bool
    public let maxLength: Int
    public let clsID: Int32
    public let sepID: Int32
    public let unkID: Int32
    public let padID: Int32
    /// Special tokens written literally in the input are kept whole, as HF's added-token
    /// matching does before normalization.
    private let specials: [(bytes: [UInt8], id: Int32)]
    static let maxInputCharsPerWord = 100

    public init(
        vocabularyFile: URL, doLowerCase: Bool = true, stripAccents: Bool? = nil,
        tokenizeChineseChars: Bool = true, maxLength: Int = 512
    ) throws {
        guard FileManager.default.fileExists(atPath: vocabularyFile.path) else {
            throw EmbeddingError(.missingFile, "missing vocabulary \(vocabularyFile.path)")
        }
        guard let data = try? Data(contentsOf: vocabularyFile) else {
            throw EmbeddingError(.unreadableFile, "cannot read \(vocabularyFile.path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw EmbeddingError(.invalidVocabulary, "\(vocabularyFile.lastPathComponent) is not UTF-8")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        if lines.last == "" { lines.removeLast() }
        try self.init(
            tokens: lines, doLowerCase: doLowerCase, stripAccents: stripAccents,
            tokenizeChineseChars: tokenizeChineseChars, maxLength: maxLength)
    }

    public init(
        tokens: [String], doLowerCase: Bool = true, stripAccents: Bool? = nil,
        tokenizeChineseChars: Bool = true, maxLength: Int = 512
    ) throws {
        let vocab = Vocabulary(tokens: tokens)
        func required(_ t: String) throws -> Int32 {
            guard let id = vocab.id(t) else {
                throw EmbeddingError(.invalidVocabulary, "vocabulary has no \(t) token")
            }
            return id
        }
        self.vocab = vocab
        self.doLowerCase = doLowerCase
        self.stripAccents = stripAccents ?? doLowerCase
        self.tokenizeChineseChars = tokenizeChineseChars
        self.maxLength = max(2, maxLength)
        clsID = try required("[CLS]")
        sepID = try required("[SEP]")
        unkID = try required("[UNK]")
        padID = vocab.id("[PAD]") ?? 0
        specials = ["[CLS]", "[SEP]", "[UNK]", "[PAD]", "[MASK]"].compactMap { t in
            vocab.id(t).map { (Array(t.utf8), $0) }
        }
    }

    public var vocabularySize: Int { vocab.count }

    /// Token ids with [CLS] and [SEP], truncated to `maxLength`.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = [clsID]
        let budget = maxLength - 2
        ids.reserveCapacity(min(budget, text.utf8.count / 3 + 8) + 2)
        for segment in splitOnSpecialTokens(text) {
            if ids.count - 1 >= budget { break }
            switch segment {
            case .special(let id): ids.append(id)
            case .text(let s): appendWordPieces(of: s, to: &ids, limit: budget + 1)
            }
        }
        if ids.count > budget + 1 { ids.removeSubrange((budget + 1)...) }
        ids.append(sepID)
        return ids
    }

    /// The token strings of `encode(text)`, for debugging and tests.
    public func tokens(_ text: String) -> [String] {
        encode(text).map { vocab.tokens[Int($0)] }
    }

    // MARK: - Special tokens

    private enum Segment {
        case text(String)
        case special(Int32)
    }

    private func splitOnSpecialTokens(_ text: String) -> [Segment] {
        let bytes = Array(text.utf8)
        guard !specials.isEmpty, bytes.contains(UInt8(ascii: "[")) else { return [.text(text)] }
        var out: [Segment] = []
        var start = 0, i = 0
        outer: while i < bytes.count {
            if bytes[i] == UInt8(ascii: "[") {
                for sp in specials
                where i + sp.bytes.count <= bytes.count
                    && bytes[i..<(i + sp.bytes.count)].elementsEqual(sp.bytes)
                {
                    if start < i { out.append(.text(String(decoding: bytes[start..<i], as: UTF8.self))) }
                    out.append(.special(sp.id))
                    i += sp.bytes.count
                    start = i
                    continue outer
                }
            }
            i += 1
        }
        if start < bytes.count { out.append(.text(String(decoding: bytes[start...], as: UTF8.self))) }
        return out
    }

    // MARK: - Normalization

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v == 9 || v == 10 || v == 13 { return false }
        if v < 0x80 { return v < 0x20 || v == 0x7F }
        switch s.properties.generalCategory {
        case .control, .format, .unassigned, .privateUse, .surrogate: return true
        default: return false
        }
    }

    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 { return v == 32 || v == 9 || v == 10 || v == 13 || v == 11 || v == 12 }
        return s.properties.isWhitespace
    }

    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) {
            return true
        }
        if v < 0x80 { return false }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default: return false
        }
    }

    static func isChineseChar(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B820...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }

    /// BertNormalizer: clean text, pad CJK with spaces, strip accents (NFD, drop Mn), lowercase.
    func normalize(_ text: String) -> [Unicode.Scalar] {
        var cleaned: [Unicode.Scalar] = []
        cleaned.reserveCapacity(text.utf8.count)
        var nonASCII = false
        for s in text.unicodeScalars {
            let v = s.value
            if v == 0 || v == 0xFFFD || Self.isControl(s) { continue }
            if Self.isWhitespace(s) { cleaned.append(" "); continue }
            if tokenizeChineseChars && v >= 0x3400 && Self.isChineseChar(v) {
                cleaned.append(" "); cleaned.append(s); cleaned.append(" ")
                continue
            }
            if v >= 0x80 { nonASCII = true }
            cleaned.append(s)
        }
        if !nonASCII {
            if doLowerCase {
                for i in cleaned.indices where (65...90).contains(cleaned[i].value) {
                    cleaned[i] = Unicode.Scalar(cleaned[i].value + 32)!
                }
            }
            return cleaned
        }
        var out = cleaned
        if stripAccents {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: cleaned)
            let nfd = String(view).decomposedStringWithCanonicalMapping
            out = nfd.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark }
        }
        if doLowerCase {
            var lowered: [Unicode.Scalar] = []
            lowered.reserveCapacity(out.count)
            for s in out {
                if s.value < 0x80 {
                    lowered.append((65...90).contains(s.value) ? Unicode.Scalar(s.value + 32)! : s)
                } else {
                    lowered.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
                }
            }
            out = lowered
        }
        return out
    }

    // MARK: - Pre-tokenization and WordPiece

    private func appendWordPieces(of text: String, to ids: inout [Int32], limit: Int) {
        let scalars = normalize(text)
        var word: [Unicode.Scalar] = []
        var scratch: [UInt8] = []
        func flush() {
            if !word.isEmpty, ids.count < limit { wordPiece(word, into: &ids, scratch: &scratch) }
            word.removeAll(keepingCapacity: true)
        }
        for s in scalars {
            if ids.count >= limit { return }
            if Self.isWhitespace(s) { flush(); continue }
            if Self.isPunctuation(s) { flush(); word.append(s); flush(); continue }
            word.append(s)
        }
        flush()
    }

    private func wordPiece(_ word: [Unicode.Scalar], into ids: inout [Int32], scratch: inout [UInt8]) {
        if word.count > Self.maxInputCharsPerWord { ids.append(unkID); return }
        // scratch = "##" + UTF-8 of the word; bounds[i] is where scalar i starts in it.
        scratch.removeAll(keepingCapacity: true)
        scratch.append(UInt8(ascii: "#")); scratch.append(UInt8(ascii: "#"))
        var bounds: [Int] = []
        bounds.reserveCapacity(word.count + 1)
        for s in word {
            bounds.append(scratch.count)
            scratch.append(contentsOf: UTF8.encode(s)!)
        }
        bounds.append(scratch.count)
        let firstPiece = ids.count
        let n = word.count
        var start = 0
        while start < n {
            if start > 0 {
                // Continuation pieces need "##" directly before them: shift the rest of the
                // word left so it follows the prefix.
                let shift = bounds[start] - 2
                scratch.replaceSubrange(2..<bounds[start], with: EmptyCollection())
                for i in start...n { bounds[i] -= shift }
            }
            let from = start == 0 ? bounds[0] : 0
            var match: (id: Int32, end: Int)? = nil
            scratch.withUnsafeBufferPointer { buf in
                var end = n
                while end > start {
                    let len = bounds[end] - from
                    if len <= vocab.maxTokenBytes,
                        let id = vocab.id(UnsafeBufferPointer(rebasing: buf[from..<(from + len)]))
                    {
                        match = (id, end)
                        return
                    }
                    end -= 1
                }
            }
            guard let m = match else {
                ids.removeSubrange(firstPiece...)
                ids.append(unkID)
                return
            }
            ids.append(m.id)
            start = m.end
        }
    }
}
