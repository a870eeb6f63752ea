/// One token of a text: its normalized (not yet stemmed) form, where it came from, and its position.
public struct Token: Sendable, Equatable {
    /// NFKC-normalized, case-folded text of the token.
    public var text: String
    /// Byte offsets into the UTF-8 view of the original text, for highlighting.
    public var utf8Range: Range<Int>
    /// Ordinal used by phrase queries; a compound shares the position of its first part.
    public var position: Int
    /// True for the concatenated form of a hyphenated word (`pre-training` → `pretraining`), which is an extra
    /// term for matching, not a word of the running text, so phrase matching ignores it.
    public var isCompound: Bool

    public init(text: String, utf8Range: Range<Int>, position: Int, isCompound: Bool = false) {
        self.text = text
        self.utf8Range = utf8Range
        self.position = position
        self.isCompound = isCompound
    }
}

/// Splits text into word tokens. Rules (chosen for paper titles and abstracts):
///
/// - A word is a run of letters and digits (any script); marks stay with their letter.
/// - Hyphenated words index their parts *and* the joined form, so `pre-training` matches queries for
///   `pre-training`, `pretraining`, `pre training` and `training`; `GPT-4o` gives `gpt`, `4o`, `gpt4o`;
///   `BERT-base` gives `bert`, `base`, `bertbase`.
/// - A dot between digits is part of the number: `3.5B` → `3.5b`, `v1.2` → `v1.2`.
/// - Dotted single letters are abbreviations and join: `e.g.` → `eg`, `U.S.` → `us`.
/// - Any other dot splits (`github.com/org/repo` → `github`, `com`, `org`, `repo`), which is how URLs are
///   handled: their host and path words are searchable, the scheme is just another token (`https`).
/// - An apostrophe inside a word stays (`model's`), so the stemmer can remove the possessive.
/// - Tokens longer than `maxTokenBytes` are dropped (base64 blobs, hashes).
public struct Tokenizer: Sendable {
    public var maxTokenBytes: Int

    public init(maxTokenBytes: Int = 64) {
        self.maxTokenBytes = maxTokenBytes
    }

    private enum CharClass { case word, hyphen, dot, apostrophe, separator }

    public func tokenize(_ text: String) -> [Token] {
        var tokens: [Token] = []
        var position = 0
        let bytes = Array(text.utf8)
        var i = 0
        let n = bytes.count
        while i < n {
            let (cls, len) = classify(bytes, i)
            if cls != .word { i += len; continue }
            // Extend the chunk over word characters and connectors that sit between word characters.
            // `pieces` stays empty (no allocation) for the common plain word.
            var pieces: [(range: Range<Int>, connectorBefore: CharClass)] = []
            var pieceStart = i
            var connector: CharClass = .separator
            var j = i
            while j < n {
                let b = bytes[j]
                if b < 0x80 {
                    if (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A) { j += 1; continue }
                    if b == 0x20 { break }
                }
                let (c, l) = classify(bytes, j)
                if c == .word { j += l; continue }
                if c == .hyphen || c == .dot || c == .apostrophe {
                    let next = j + l
                    guard next < n, classify(bytes, next).0 == .word else { break }
                    if c == .apostrophe || (c == .dot && isDigit(bytes[j - 1]) && isDigit(bytes[next])) {
                        j = next
                        continue
                    }
                    pieces.append((pieceStart..<j, connector))
                    connector = c
                    pieceStart = next
                    j = next
                    continue
                }
                break
            }
            if pieces.isEmpty {
                let text = normalizePiece(bytes[pieceStart..<j])
                if text.utf8.count <= maxTokenBytes {
                    tokens.append(Token(text: text, utf8Range: pieceStart..<j, position: position))
                }
                position += 1
            } else {
                pieces.append((pieceStart..<j, connector))
                emit(pieces, bytes: bytes, into: &tokens, position: &position)
            }
            i = j
        }
        return tokens
    }

    private func emit(
        _ pieces: [(range: Range<Int>, connectorBefore: CharClass)], bytes: [UInt8],
        into tokens: inout [Token], position: inout Int
    ) {
        // Group pieces into hyphen-separated parts; dots inside a part either join an abbreviation or split.
        var parts: [Range<Int>] = []
        var partTexts: [String] = []
        var k = 0
        while k < pieces.count {
            // Collect a run of dot-connected pieces.
            var run = [pieces[k].range]
            var m = k + 1
            while m < pieces.count, pieces[m].connectorBefore == .dot { run.append(pieces[m].range); m += 1 }
            if run.count > 1, run.allSatisfy({ $0.count == 1 && isLetter(bytes[$0.lowerBound]) }) {
                let joined = run.map { String(decoding: bytes[$0], as: UTF8.self) }.joined()
                parts.append(run.first!.lowerBound..<run.last!.upperBound)
                partTexts.append(Normalizer.normalize(joined))
            } else {
                for r in run {
                    parts.append(r)
                    partTexts.append(normalizePiece(bytes[r]))
                }
            }
            k = m
        }
        let firstPosition = position
        for (index, range) in parts.enumerated() where partTexts[index].utf8.count <= maxTokenBytes {
            tokens.append(Token(text: partTexts[index], utf8Range: range, position: position + index))
        }
        // Joined form of a hyphenated word made of 2-4 parts: the whole span, at the first part's position.
        let hyphenated = pieces.contains { $0.connectorBefore == .hyphen }
        if hyphenated, parts.count >= 2, parts.count <= 4 {
            let joined = partTexts.joined()
            if joined.utf8.count <= maxTokenBytes {
                tokens.append(
                    Token(
                        text: joined, utf8Range: parts.first!.lowerBound..<parts.last!.upperBound,
                        position: firstPosition, isCompound: true))
            }
        }
        position += parts.count
    }

    private func normalizePiece(_ slice: ArraySlice<UInt8>) -> String {
        if !slice.contains(where: { $0 >= 0x80 || ($0 >= 0x41 && $0 <= 0x5A) }) {
            return String(decoding: slice, as: UTF8.self)
        }
        var piece = Array(slice)
        if Normalizer.lowercaseASCII(&piece) { return String(decoding: piece, as: UTF8.self) }
        return Normalizer.normalize(String(decoding: slice, as: UTF8.self))
    }

    @inline(__always) private func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) private func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }

    @inline(__always)
    private func classify(_ bytes: [UInt8], _ i: Int) -> (CharClass, Int) {
        let b = bytes[i]
        if b < 0x80 {
            if (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A) { return (.word, 1) }
            switch b {
            case UInt8(ascii: "-"): return (.hyphen, 1)
            case UInt8(ascii: "."): return (.dot, 1)
            case UInt8(ascii: "'"): return (.apostrophe, 1)
            default: return (.separator, 1)
            }
        }
        // Decode one UTF-8 scalar.
        let length: Int
        var value: UInt32
        if b & 0xE0 == 0xC0 {
            length = 2; value = UInt32(b & 0x1F)
        } else if b & 0xF0 == 0xE0 {
            length = 3; value = UInt32(b & 0x0F)
        } else if b & 0xF8 == 0xF0 {
            length = 4; value = UInt32(b & 0x07)
        } else {
            return (.separator, 1)
        }
        guard i + length <= bytes.count else { return (.separator, bytes.count - i) }
        for k in 1..<length { value = (value << 6) | UInt32(bytes[i + k] & 0x3F) }
        guard let scalar = Unicode.Scalar(value) else { return (.separator, length) }
        switch value {
        case 0x2010, 0x2011: return (.hyphen, length)
        case 0x2019: return (.apostrophe, length)
        default: break
        }
        let p = scalar.properties
        if p.isAlphabetic || p.numericType != nil { return (.word, length) }
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return (.word, length)
        default: return (.separator, length)
        }
    }
}
