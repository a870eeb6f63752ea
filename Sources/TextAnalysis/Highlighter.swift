/// A short excerpt of a text with the places that match a query.
public struct Snippet: Sendable, Equatable {
    public var text: String
    /// Ranges of `text` to highlight, in order.
    public var highlights: [Range<String.Index>]
    /// True when the excerpt starts after the beginning / ends before the end of the original text.
    public var truncatedStart: Bool
    public var truncatedEnd: Bool
}

/// Finds where analyzed query terms occur in original text, for highlighted result snippets.
public enum Highlighter {
    /// Ranges of `text` whose analyzed term is one of `terms` (terms as produced by `Analyzer` for `field`).
    public static func matchRanges(
        in text: String, terms: Set<String>, field: AnalyzedField = .text,
        analyzer: Analyzer = .standard
    ) -> [Range<String.Index>] {
        guard !terms.isEmpty else { return [] }
        var utf8Ranges: [Range<Int>] = []
        for analyzed in analyzer.analyze(text, field: field) where terms.contains(analyzed.term) {
            utf8Ranges.append(analyzed.utf8Range)
        }
        // A matching compound (`pre-training`) overlaps its matching parts: merge into one span.
        utf8Ranges.sort { $0.lowerBound < $1.lowerBound }
        var merged: [Range<Int>] = []
        for r in utf8Ranges {
            if let last = merged.last, r.lowerBound < last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        utf8Ranges = merged
        let utf8 = text.utf8
        return utf8Ranges.map { r in
            utf8.index(utf8.startIndex, offsetBy: r.lowerBound)..<utf8.index(utf8.startIndex, offsetBy: r.upperBound)
        }
    }

    /// Ranges of `text` matching the words of a plain query string (analyzed as title/abstract text).
    public static func matchRanges(
        in text: String, query: String, analyzer: Analyzer = .standard
    ) -> [Range<String.Index>] {
        matchRanges(in: text, terms: Set(analyzer.analyze(query).map(\.term)), analyzer: analyzer)
    }

    /// An excerpt of at most `maxLength` characters around the densest cluster of matches (or the start of
    /// the text when nothing matches), cut at word boundaries where possible.
    public static func snippet(_ text: String, query: String, maxLength: Int, analyzer: Analyzer = .standard) -> Snippet
    {
        snippet(text, terms: Set(analyzer.analyze(query).map(\.term)), maxLength: maxLength, analyzer: analyzer)
    }

    public static func snippet(
        _ text: String, terms: Set<String>, maxLength: Int, analyzer: Analyzer = .standard
    ) -> Snippet {
        let limit = max(0, maxLength)
        let matches = matchRanges(in: text, terms: terms, analyzer: analyzer)
        let chars = Array(text.indices)
        let count = chars.count
        if count <= limit {
            return Snippet(
                text: text, highlights: rebase(matches, from: text, into: text, start: text.startIndex),
                truncatedStart: false, truncatedEnd: false)
        }
        // Character offset of each match start; pick the window start that covers the most matches.
        let offsets = matches.map { text.distance(from: text.startIndex, to: $0.lowerBound) }
        var bestStart = 0
        var bestCount = 0
        for (i, start) in offsets.enumerated() {
            let covered = offsets[i...].prefix { $0 < start + limit }.count
            if covered > bestCount { bestCount = covered; bestStart = max(0, start - limit / 4) }
        }
        bestStart = min(bestStart, count - limit)
        // Move the start forward to a word boundary, the end back to one.
        var lower = bestStart
        if lower > 0 {
            var k = lower
            while k < min(count, lower + 20), !text[chars[k - 1]].isWhitespace { k += 1 }
            if k < count, k < lower + 20 { lower = k }
        }
        var upper = min(count, bestStart + limit)
        if upper < count {
            var k = upper
            while k > lower + limit / 2, !text[chars[k]].isWhitespace { k -= 1 }
            if k > lower + limit / 2 { upper = k }
        }
        let startIndex = chars[lower]
        let endIndex = upper < count ? chars[upper] : text.endIndex
        let excerpt = String(text[startIndex..<endIndex])
        let inside = matches.filter { $0.lowerBound >= startIndex && $0.upperBound <= endIndex }
        return Snippet(
            text: excerpt, highlights: rebase(inside, from: text, into: excerpt, start: startIndex),
            truncatedStart: lower > 0, truncatedEnd: upper < count)
    }

    private static func rebase(
        _ ranges: [Range<String.Index>], from text: String, into excerpt: String,
        start: String.Index
    ) -> [Range<String.Index>] {
        ranges.map { r in
            let lo = text.utf8.distance(from: start, to: r.lowerBound)
            let hi = text.utf8.distance(from: start, to: r.upperBound)
            return excerpt.utf8.index(
                excerpt.utf8.startIndex, offsetBy: lo)..<excerpt.utf8.index(excerpt.utf8.startIndex, offsetBy: hi)
        }
    }
}
