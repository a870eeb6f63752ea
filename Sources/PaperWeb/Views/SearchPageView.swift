import Foundation
import Mustache
import PaperModel
import PaperServices
import PaperStore

/// `GET /papers?q=` (`search.mustache`).
/// `MustacheParent`: see `FeedPageView`; each lookup must list every stored property.
struct SearchPageView: MustacheParent, PageView {
    static let template = "search"

    struct Option: MustacheParent {
        var value: String
        var label: String
        var selected: Bool

        func child(named name: String) -> Any? {
            switch name {
            case "value": value
            case "label": label
            case "selected": selected
            default: nil
            }
        }
    }

    func child(named name: String) -> Any? {
        switch name {
        case "site": site
        case "query": query
        case "resultSummary": resultSummary
        case "modes": modes
        case "sorts": sorts
        case "from": from
        case "to": to
        case "category": category
        case "codeOnly": codeOnly
        case "filtersOn": filtersOn
        case "results": results
        case "here": here
        case "indexing": indexing
        default: nil
        }
    }

    var site: SiteInfo
    /// The query as typed; nil when there is none (the page then explains search instead of summing up results).
    var query: String?
    var resultSummary = ""
    var modes: [Option]
    var sorts: [Option]
    var from: String?
    var to: String?
    var category: String
    var codeOnly: Bool
    var filtersOn: Bool
    var results: [SearchResultView] = []
    var here = "/papers"
    /// Set while the index catches up after start-up.
    var indexing: String?

    init(site: SiteInfo, query q: PaperSearchQuery) {
        self.site = site
        let trimmed = q.text.trimmingCharacters(in: .whitespacesAndNewlines)
        query = trimmed.isEmpty ? nil : q.text
        let mode = q.mode?.rawValue ?? "auto"
        modes = [("auto", "Best available"), ("hybrid", "Hybrid"), ("lexical", "Keywords"), ("semantic", "Meaning")]
            .map { Option(value: $0.0, label: $0.1, selected: $0.0 == mode) }
        sorts = [("relevance", "Relevance"), ("newest", "Newest"), ("upvotes", "Most upvoted")]
            .map { Option(value: $0.0, label: $0.1, selected: $0.0 == q.sort.rawValue) }
        from = q.from?.description
        to = q.to?.description
        category = q.category
        codeOnly = q.codeOnly
        filtersOn = q.filtersOn
    }
}

struct SearchResultView: MustacheParent {
    var id: String
    var titleHTML: SafeHTML
    var authors: String?
    var snippetHTML: SafeHTML
    var upvotes: Int
    var published: String?
    var primaryCategory: String?
    var codeURL: String?

    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "titleHTML": titleHTML
        case "authors": authors
        case "snippetHTML": snippetHTML
        case "upvotes": upvotes
        case "published": published
        case "primaryCategory": primaryCategory
        case "codeURL": codeURL
        default: nil
        }
    }

    init(paper: Paper, upvotes: Int, terms: Set<String>) {
        id = paper.id
        titleHTML = .highlighted(paper.title, SearchHighlighting.matchRanges(in: paper.title, terms: terms))
        authors = CardView.shortAuthors(paper.authors)
        let snippet = SearchHighlighting.snippet(paper.abstract, terms: terms, maxLength: 320)
        snippetHTML =
            .escaping(snippet.truncatedStart ? "…" : "") + .highlighted(snippet.text, snippet.highlights)
            + .escaping(snippet.truncatedEnd ? "…" : "")
        self.upvotes = upvotes
        published = paper.publishedAt.map { Day($0).description }
        primaryCategory = paper.primaryCategory
        codeURL = paper.codeURL
    }
}
