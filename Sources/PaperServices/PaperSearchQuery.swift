import Foundation
import PaperModel

/// A search as people and programs ask for it — words, a mode, an order, a date range, a category, code only —
/// read from its parameters (`q`, `mode`, `sort`, `from`, `to`, `cat`, `code`) and checked. The search page,
/// the search feeds and the APIs read it the same way. Here are a request's parameters, give me a search.
public struct PaperSearchQuery: Sendable, Equatable {
    public enum Sort: String, Sendable, CaseIterable {
        case relevance, newest, upvotes
    }

    public var text: String
    /// nil: the best mode available.
    public var mode: SearchMode?
    public var sort: Sort
    public var from: Day?
    public var to: Day?
    /// An arXiv category such as cs.CL; empty for any.
    public var category: String
    public var codeOnly: Bool

    public init(
        text: String, mode: SearchMode? = nil, sort: Sort = .relevance, from: Day? = nil, to: Day? = nil,
        category: String = "", codeOnly: Bool = false
    ) {
        self.text = text
        self.mode = mode
        self.sort = sort
        self.from = from
        self.to = to
        self.category = category
        self.codeOnly = codeOnly
    }

    /// Reads the parameters (`value(name)` is nil or empty when absent); a bad value is the asker's mistake,
    /// and the error says which and why.
    public static func parse(_ value: (String) -> String?) throws(SearchRequestError) -> PaperSearchQuery {
        func text(_ name: String) -> String { value(name) ?? "" }
        let words = text("q")
        guard words.count <= SearchHighlighting.maxQueryCharacters else {
            throw .invalidQuery("a query has at most \(SearchHighlighting.maxQueryCharacters) characters")
        }
        var mode: SearchMode?
        let modeText = text("mode")
        if !modeText.isEmpty, modeText != "auto" {
            guard let m = SearchMode(rawValue: modeText) else {
                throw .invalidQuery("mode must be auto, lexical, semantic or hybrid")
            }
            mode = m
        }
        let sortText = text("sort")
        guard let sort = sortText.isEmpty ? .relevance : Sort(rawValue: sortText) else {
            throw .invalidQuery("sort must be relevance, newest or upvotes")
        }
        func day(_ name: String) throws(SearchRequestError) -> Day? {
            let t = text(name)
            if t.isEmpty { return nil }
            guard let d = Day(t) else { throw .invalidQuery("\(name) must be a date of the form YYYY-MM-DD") }
            return d
        }
        let category = text("cat").trimmingCharacters(in: .whitespaces)
        guard category.count <= 40, category.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }) else {
            throw .invalidQuery("cat must be an arXiv category such as cs.CL")
        }
        return PaperSearchQuery(
            text: words, mode: mode, sort: sort, from: try day("from"), to: try day("to"), category: category,
            codeOnly: text("code") == "1" || text("code") == "on")
    }

    /// No words: nothing to search for (the page shows its form).
    public var isEmpty: Bool { text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }

    public var filter: PaperFilter {
        PaperFilter(from: from, to: to, categories: category.isEmpty ? [] : [category], hasCode: codeOnly ? true : nil)
    }

    public var filtersOn: Bool { from != nil || to != nil || !category.isEmpty || codeOnly }

    /// The engine request for the best `limit` results; an order other than relevance re-sorts the top `depth`.
    public func request(limit: Int, depth: Int? = nil) -> SearchRequest {
        SearchRequest(query: text, mode: mode, filter: filter, limit: sort == .relevance ? limit : (depth ?? limit))
    }

    /// `papers` (in relevance order) in this query's order: newest first, or most upvoted first (ties keep
    /// relevance order).
    public func ordered(_ papers: [Paper], upvotes: [String: Int]) -> [Paper] {
        switch sort {
        case .relevance:
            return papers
        case .newest:
            return papers.sorted { ($0.publishedAt ?? .distantPast, $1.id) > ($1.publishedAt ?? .distantPast, $0.id) }
        case .upvotes:
            return papers.enumerated().sorted {
                let (a, b) = (upvotes[$0.element.id] ?? 0, upvotes[$1.element.id] ?? 0)
                return a != b ? a > b : $0.offset < $1.offset
            }.map(\.element)
        }
    }
}
