import Foundation

/// Turns a raw token into its comparable form: Unicode NFKC (so "ﬁ", full-width letters and superscripts
/// compare like their plain forms) followed by case folding; curly apostrophes become ASCII ones.
///
/// ASCII tokens, by far the most common, skip Foundation and are lower-cased byte by byte.
public enum Normalizer {
    public static func normalize(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text.lowercased() }
        let folded = text.precomposedStringWithCompatibilityMapping
            .folding(options: [.caseInsensitive], locale: nil)
        return folded.replacingOccurrences(of: "\u{2019}", with: "'")
    }

    /// Lower-cases ASCII bytes in place; returns false if a non-ASCII byte is present.
    @inline(__always)
    static func lowercaseASCII(_ bytes: inout [UInt8]) -> Bool {
        for i in bytes.indices {
            let b = bytes[i]
            if b >= 0x80 { return false }
            if b >= 0x41 && b <= 0x5A { bytes[i] = b | 0x20 }
        }
        return true
    }
}
