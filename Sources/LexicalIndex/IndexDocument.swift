/// A paper as the lexical index sees it.
public struct IndexDocument: Sendable, Equatable {
    public var key: String
    public var title: String
    public var abstract: String
    public var authors: [String]
    public var categories: [String]
    /// Days since 1970-01-01.
    public var day: Int32
    public var hasCode: Bool

    public init(
        key: String, title: String, abstract: String, authors: [String] = [], categories: [String] = [],
        day: Int32 = 0, hasCode: Bool = false
    ) {
        self.key = key
        self.title = title
        self.abstract = abstract
        self.authors = authors
        self.categories = categories
        self.day = day
        self.hasCode = hasCode
    }
}

/// Restrictions applied to every hit, given programmatically rather than in the query string.
public struct SearchFilter: Sendable, Equatable {
    public var dayRange: ClosedRange<Int32>?
    /// A hit must have at least one of these categories (case-insensitive); empty means any.
    public var categories: [String]
    public var hasCode: Bool?

    public init(dayRange: ClosedRange<Int32>? = nil, categories: [String] = [], hasCode: Bool? = nil) {
        self.dayRange = dayRange
        self.categories = categories
        self.hasCode = hasCode
    }
}

public struct LexicalHit: Sendable, Equatable {
    public var key: String
    public var score: Float

    public init(key: String, score: Float) {
        self.key = key
        self.score = score
    }
}

/// How per-field term frequencies combine into one BM25 score.
public enum FieldScoring: String, Sendable, CaseIterable {
    /// BM25F: field-weighted, length-normalized frequencies are summed first and saturated once.
    case bm25f
    /// Each field is scored with BM25 on its own and the weighted scores are added.
    case perFieldSum
}

public struct BM25Parameters: Sendable, Equatable {
    public var k1: Float
    public var b: Float
    public var titleWeight: Float
    public var abstractWeight: Float
    /// Weight of author-name matches for unqualified query words (so "hinton" finds his papers); 0 disables.
    public var authorWeight: Float
    public var fieldScoring: FieldScoring

    /// Defaults tuned on the SciFact train split (see benchmarks/RESULTS.md, "Lexical search"): BM25F beat a
    /// per-field sum by ~0.015 nDCG@10, and titles weighted 3× beat 1× by ~0.005; k1 1.2-1.5, b 0.6-0.8 and
    /// title weights 3-6 form a plateau within 0.003 of each other.
    public init(
        k1: Float = 1.5, b: Float = 0.75, titleWeight: Float = 3.0, abstractWeight: Float = 1.0,
        authorWeight: Float = 0.5, fieldScoring: FieldScoring = .bm25f
    ) {
        self.k1 = k1
        self.b = b
        self.titleWeight = titleWeight
        self.abstractWeight = abstractWeight
        self.authorWeight = authorWeight
        self.fieldScoring = fieldScoring
    }

    public static let `default` = BM25Parameters()
}
