import LexicalIndex
import TextAnalysis

/// A stretch of an abstract around its best matches, with the ranges to mark.
public struct SearchSnippet: Sendable, Equatable {
    public var text: String
    public var highlights: [Range<String.Index>]
    public var truncatedStart: Bool
    public var truncatedEnd: Bool
}

/// Where a search's terms (`SearchResponse.highlightTerms`) occur in titles and abstracts, analyzed as the index
/// analyzes them (stems, folded accents), so the web never needs the text-analysis module.
public enum SearchHighlighting {
    /// The longest query the engine reads.
    public static let maxQueryCharacters = QueryParser.maxQueryCharacters

    public static func matchRanges(in text: String, terms: Set<String>) -> [Range<String.Index>] {
        Highlighter.matchRanges(in: text, terms: terms)
    }

    public static func snippet(_ text: String, terms: Set<String>, maxLength: Int) -> SearchSnippet {
        let s = Highlighter.snippet(text, terms: terms, maxLength: maxLength)
        return SearchSnippet(
            text: s.text, highlights: s.highlights, truncatedStart: s.truncatedStart, truncatedEnd: s.truncatedEnd)
    }
}
