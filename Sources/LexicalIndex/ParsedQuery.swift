import TextAnalysis

/// Which field a query clause searches.
public enum QueryField: String, Sendable, Equatable {
    /// Title and abstract (and author names, for plain words, when `authorWeight` > 0).
    case any
    case title
    case abstract
    case author
    case category
}

public enum Occurrence: Sendable, Equatable {
    /// Scored if present (plain words).
    case should
    /// Required (phrases and field-prefixed words).
    case must
    /// Excluded (`-word`).
    case mustNot
}

/// One unit of a query: a word or a phrase, already analyzed into index terms.
public struct QueryClause: Sendable, Equatable {
    public var field: QueryField
    public var occurrence: Occurrence
    /// Index terms in order; more than one means they must occur as a phrase.
    public var terms: [String]
    /// Position of each term relative to the first (stopwords removed from a phrase leave gaps).
    public var offsets: [Int]
    /// For plain words: the unstemmed form, matched against author names.
    public var authorTerm: String?
    /// The text the user typed for this clause.
    public var original: String

    public var isPhrase: Bool { terms.count > 1 }
}

public struct ParsedQuery: Sendable, Equatable {
    public var clauses: [QueryClause]

    /// True when nothing could match: empty input, only stopwords, or only exclusions.
    public var isEmpty: Bool { !clauses.contains { $0.occurrence != .mustNot } }

    /// Analyzed title/abstract terms to highlight in results (excluded words are not highlighted).
    public var highlightTerms: Set<String> {
        Set(
            clauses.filter { $0.occurrence != .mustNot && $0.field != .author && $0.field != .category }.flatMap(
                \.terms))
    }

    /// Normalized author-name terms to highlight in author lists.
    public var authorHighlightTerms: Set<String> {
        Set(
            clauses.filter { $0.occurrence != .mustNot }.flatMap { c in
                c.field == .author ? c.terms : (c.authorTerm.map { [$0] } ?? [])
            })
    }
}

/// Invalid queries the caller should report to the user (HTTP 400), never a crash.
public enum QueryError: Error, Sendable, Equatable, CustomStringConvertible {
    case tooLong(maxCharacters: Int)

    public var description: String {
        switch self {
        case .tooLong(let max): "The query is longer than \(max) characters."
        }
    }
}

/// Parses the query syntax: words, `"exact phrase"`, `-excluded`, and field prefixes `ti:`, `abs:`, `au:`, `cat:`
/// (also `title:`, `abstract:`, `author:`, `category:`). Lenient by design: an unbalanced quote runs to the end of
/// the query, an unknown prefix is searched as text, control characters separate words.
public struct QueryParser: Sendable {
    public static let maxQueryCharacters = 1_000
    public var analyzer: Analyzer

    public init(analyzer: Analyzer = .standard) {
        self.analyzer = analyzer
    }

    private static let fields: [String: QueryField] = [
        "ti": .title, "title": .title, "abs": .abstract, "abstract": .abstract,
        "au": .author, "author": .author, "cat": .category, "category": .category,
    ]

    public func parse(_ query: String) throws -> ParsedQuery {
        guard query.count <= Self.maxQueryCharacters else {
            throw QueryError.tooLong(maxCharacters: Self.maxQueryCharacters)
        }
        let chars = Array(query.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
        var clauses: [QueryClause] = []
        var i = 0
        while i < chars.count {
            if chars[i].isWhitespace { i += 1; continue }
            var occurrence = Occurrence.should
            if chars[i] == "-", i + 1 < chars.count, !chars[i + 1].isWhitespace {
                occurrence = .mustNot
                i += 1
            } else if chars[i] == "+", i + 1 < chars.count, !chars[i + 1].isWhitespace {
                occurrence = .must
                i += 1
            }
            // Optional field prefix.
            var field = QueryField.any
            var j = i
            while j < chars.count, chars[j].isLetter { j += 1 }
            if j < chars.count, chars[j] == ":", j > i,
                let f = Self.fields[String(chars[i..<j]).lowercased()], j + 1 < chars.count, !chars[j + 1].isWhitespace
            {
                field = f
                i = j + 1
            }
            var text: String
            var quoted = false
            if chars[i] == "\"" {
                quoted = true
                var k = i + 1
                while k < chars.count, chars[k] != "\"" { k += 1 }
                text = String(chars[(i + 1)..<k])
                i = min(chars.count, k + 1)
            } else {
                var k = i
                while k < chars.count, !chars[k].isWhitespace, chars[k] != "\"" { k += 1 }
                text = String(chars[i..<k])
                i = k
            }
            if occurrence == .should, field != .any || quoted { occurrence = .must }
            clauses.append(contentsOf: makeClauses(text, field: field, occurrence: occurrence, quoted: quoted))
        }
        return ParsedQuery(clauses: clauses)
    }

    /// Reads the query as plain words, without operators: for natural-language queries (e.g. benchmark claims,
    /// "more like this" text) where quotes, dashes and colons are punctuation, not syntax.
    public func parsePlainText(_ text: String) throws -> ParsedQuery {
        guard text.count <= Self.maxQueryCharacters else {
            throw QueryError.tooLong(maxCharacters: Self.maxQueryCharacters)
        }
        return ParsedQuery(clauses: makeClauses(text, field: .any, occurrence: .should, quoted: false))
    }

    private func makeClauses(_ text: String, field: QueryField, occurrence: Occurrence, quoted: Bool) -> [QueryClause] {
        switch field {
        case .category:
            let terms = analyzer.analyze(text, field: .category).map(\.term)
            return terms.isEmpty
                ? []
                : [
                    QueryClause(
                        field: .category, occurrence: occurrence, terms: terms, offsets: [0],
                        authorTerm: nil, original: text)
                ]
        case .author:
            let analyzed = analyzer.analyze(text, field: .author).filter { !$0.isCompound }
            return phraseOrNothing(analyzed, field: field, occurrence: occurrence, original: text)
        case .any, .title, .abstract:
            let analyzed = analyzer.analyze(text, field: .text)
            if quoted || field != .any || occurrence == .mustNot {
                return phraseOrNothing(
                    analyzed.filter { !$0.isCompound }, field: field, occurrence: occurrence, original: text)
            }
            // A plain word: each of its terms (parts and joined form of a hyphenated word) is scored on its own.
            let raw = analyzer.tokenizer.tokenize(text)
            return analyzed.map { term in
                let author = raw.first { $0.utf8Range == term.utf8Range }?.text
                return QueryClause(
                    field: .any, occurrence: occurrence, terms: [term.term], offsets: [0],
                    authorTerm: author, original: text)
            }
        }
    }

    private func phraseOrNothing(
        _ analyzed: [AnalyzedTerm], field: QueryField, occurrence: Occurrence,
        original: String
    ) -> [QueryClause] {
        guard let first = analyzed.first else { return [] }
        return [
            QueryClause(
                field: field, occurrence: occurrence, terms: analyzed.map(\.term),
                offsets: analyzed.map { $0.position - first.position }, authorTerm: nil, original: original)
        ]
    }
}
