/// A paper the recommender may rank: one of the candidate window.
public struct CandidatePaper: Sendable, Equatable {
    /// arXiv id; a version suffix is allowed (versions of one paper are deduplicated by base id).
    public var id: String
    public var title: String
    public var abstract: String
    public var categories: [String]
    public var authors: [String]
    /// Announce day as days since 1970-01-01 (any monotone day number works).
    public var day: Int
    /// Sentence embedding (any length, same for all papers of an index); nil when not embedded yet.
    public var vector: [Float]?

    public init(
        id: String, title: String, abstract: String, categories: [String] = [], authors: [String] = [],
        day: Int = 0, vector: [Float]? = nil
    ) {
        self.id = id
        self.title = title
        self.abstract = abstract
        self.categories = categories
        self.authors = authors
        self.day = day
        self.vector = vector
    }
}

/// A paper a reader gave a signal on (upvoted, saved, authored, or marked "not interested").
public struct SignalPaper: Sendable, Equatable {
    public var id: String
    public var title: String
    public var abstract: String
    public var categories: [String]
    public var vector: [Float]?

    public init(id: String, title: String, abstract: String, categories: [String] = [], vector: [Float]? = nil) {
        self.id = id
        self.title = title
        self.abstract = abstract
        self.categories = categories
        self.vector = vector
    }
}

/// Everything the recommender knows about one reader.
public struct ReaderProfile: Sendable, Equatable {
    /// The reader's papers, most recent signal first: the nearest-positive scan uses the first 8.
    public var positives: [SignalPaper]
    /// Explicit negatives ("not interested"): they train against and are never shown.
    public var negatives: [SignalPaper]
    /// Author names as shown; matched after `AuthorKey.normalize`.
    public var followedAuthors: [String]
    /// arXiv categories such as `cs.CL` (case-insensitive).
    public var followedCategories: [String]
    /// Papers not to show again (seen, already in a collection); positives and negatives are left out anyway.
    public var excluded: Set<String>

    public init(
        positives: [SignalPaper] = [], negatives: [SignalPaper] = [], followedAuthors: [String] = [],
        followedCategories: [String] = [], excluded: Set<String> = []
    ) {
        self.positives = positives
        self.negatives = negatives
        self.followedAuthors = followedAuthors
        self.followedCategories = followedCategories
        self.excluded = excluded
    }
}

public struct RecommendationOptions: Sendable, Equatable {
    public var limit: Int = 50
    /// Only candidates announced on or after this day (the evaluation: the day after the last seed).
    public var minimumDay: Int?
    /// Cold start: the caller's trending order (paper ids), used after follows.
    public var trending: [String] = []
    /// Weights of the z-scored components: classifier over TF-IDF terms, max cosine to the positives' vectors,
    /// cosine to the positives' mean vector. Without vectors only the lexical component is used. Tuned on
    /// `recent-cs` (200 readers, benchmarks/RESULTS.md): the terms carry the ranking (nDCG@20 0.118 alone, MiniLM's
    /// centroid alone 0.056); small vector weights keep nDCG@20 and add recall (Recall@50 0.145 → 0.151), where
    /// the earlier 0.5 / 0.3 / 0.7 cost nDCG@20 (0.115).
    public var lexicalWeight: Float = 1
    public var nearestWeight: Float = 0.2
    public var centroidWeight: Float = 0.2
    /// Weight of the max TF-IDF cosine to the (latest 8) positives, blended into the lexical component.
    public var lexicalNearestWeight: Float = 0
    /// Added (in z units) to candidates by a followed author or in a followed category.
    public var followedAuthorBoost: Float = 2.0
    public var followedCategoryBoost: Float = 0.25
    /// Background candidates sampled as negatives for the classifier (at most a tenth of the eligible window;
    /// none when that is under 20).
    public var backgroundSample: Int = 0
    /// Classifier: L2-loss linear SVM (dual coordinate descent), cost per class balanced.
    public var cost: Float = 1.0
    public var passes: Int = 8
    /// Diversity: a candidate whose similarity to one already placed exceeds the threshold (cosine of vectors
    /// when both have one, else of TF-IDF vectors) loses `diversityPenalty` × the excess (scaled to 0...1), so
    /// near-duplicates do not fill the top. Same-topic papers of one author reach ~0.85 in MiniLM space, so
    /// only closer pairs count as duplicates.
    public var duplicateThreshold: Float = 0.92
    public var lexicalDuplicateThreshold: Float = 0.8
    public var diversityPenalty: Float = 4.0
    /// Candidates re-ranked exactly (diversity, explanations) after the full scan.
    public var shortlist: Int = 300
    /// Terms shown per explanation.
    public var explanationTerms: Int = 3

    public init() {}
}

public enum RecommendationReason: String, Sendable, Equatable {
    /// Ranked by the reader's model; `becauseOf` names the nearest positive.
    case similar
    case followedAuthor
    case followedCategory
    case trending
    case recent
}

public struct Recommendation: Sendable, Equatable {
    public var id: String
    public var title: String
    public var score: Float
    public var reason: RecommendationReason
    /// The positive paper most similar to this one ("because you upvoted X").
    public var becauseOf: SignalPaper.Reference?
    /// The terms that weighed most in the classifier's score, as written in the paper.
    public var terms: [String]
    /// The followed author this paper is by, when there is one.
    public var followedAuthor: String?
    public var followedCategory: String?
}

extension SignalPaper {
    public struct Reference: Sendable, Equatable {
        public var id: String
        public var title: String
        public var similarity: Float
    }
}

public struct RecommendationResult: Sendable, Equatable {
    public var items: [Recommendation]
    /// True when the reader has no positives: the order comes from follows, categories and trending.
    public var coldStart: Bool
    /// True when sentence vectors took part (index and at least one positive have them).
    public var usedEmbeddings: Bool
    /// Candidates that were eligible (in the window, not excluded).
    public var eligible: Int
}
