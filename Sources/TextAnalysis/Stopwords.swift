/// English stopwords removed from title and abstract text.
///
/// The list is Lucene's `EnglishAnalyzer.ENGLISH_STOP_WORDS_SET` (33 words, the classic Lucene/Elasticsearch
/// `_english_` default) plus a handful of words that carry no topical meaning in paper abstracts. It is kept
/// deliberately short: BM25's idf already discounts frequent words, and long lists (e.g. NLTK's 179 words)
/// remove terms such as "not", "all" or "more" that matter for claims. Positions of removed words are still
/// counted, so a phrase query never matches across a removed word.
public enum Stopwords {
    public static let english: Set<String> = [
        // Lucene's English stop set.
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not",
        "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was",
        "will", "with",
        // Abstract boilerplate with no topical meaning.
        "we", "our", "which", "were", "been", "has", "have", "its", "from", "can", "also",
    ]

    /// Byte-level lookup used on the hot analysis path.
    static let englishBytes: Set<[UInt8]> = Set(english.map { Array($0.utf8) })
}
