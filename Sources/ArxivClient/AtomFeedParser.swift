import Foundation
import PaperModel

/// Parses one arXiv query API answer (Atom 1.0 with the `arxiv:` and `opensearch:` extensions), streaming,
/// into `ArxivEntry` values. An error entry (`<id>…/api/errors#…</id>`) is thrown as `ArxivAPIError`.
public enum AtomFeedParser {
    public static func parse(_ data: Data, httpStatus: Int? = nil) throws -> AtomFeedPage {
        let delegate = AtomParserDelegate()
        do {
            try XMLStreamReader.parse(data, handler: delegate)
        } catch let error as XMLSyntaxError {
            throw ArxivClientError.malformedResponse("Atom feed: \(error)")
        }
        if let failure = delegate.failure { throw ArxivClientError.malformedResponse("Atom feed: \(failure)") }
        guard delegate.sawFeed else { throw ArxivClientError.malformedResponse("not an Atom feed (no <feed> root)") }
        guard delegate.rootClosed else { throw ArxivClientError.malformedResponse("truncated Atom feed (no </feed>)") }
        if var error = delegate.apiError {
            error.httpStatus = httpStatus
            throw error
        }
        return delegate.page
    }
}

final class AtomParserDelegate: SAXHandler {
    var failure: String?
    var shouldStop = false
    var sawFeed = false
    var rootClosed = false
    var apiError: ArxivAPIError?
    var page = AtomFeedPage()

    private var depth = 0
    private var inEntry = false
    private var inAuthor = false
    private var text = ""
    private var entryID = "", title = "", summary = "", published = "", updated = ""
    private var comment: String?, journalRef: String?, doi: String?
    private var primaryCategory: String?
    private var categories: [String] = []
    private var authors: [String] = []
    private var absURL: String?, pdfURL: String?, doiURL: String?

    func startElement(_ elementName: String, attributes attributeDict: [String: String]) {
        depth += 1
        text = ""
        let name = elementName
        if depth == 1 {
            if name == "feed" {
                sawFeed = true
            } else {
                failure = "root element <\(elementName)> is not <feed>"
                shouldStop = true
            }
            return
        }
        if depth == 2, name == "entry" {
            inEntry = true
            entryID = ""; title = ""; summary = ""; published = ""; updated = ""
            comment = nil; journalRef = nil; doi = nil; primaryCategory = nil
            categories = []; authors = []; absURL = nil; pdfURL = nil; doiURL = nil
            return
        }
        guard inEntry else { return }
        switch name {
        case "author": inAuthor = true
        case "category":
            if let term = attributeDict["term"], !term.isEmpty { categories.append(term) }
        case "primary_category":
            primaryCategory = attributeDict["term"]
        case "link":
            let href = attributeDict["href"]
            if attributeDict["title"] == "pdf" || attributeDict["type"] == "application/pdf" {
                pdfURL = href
            } else if attributeDict["title"] == "doi" {
                doiURL = href
            } else if attributeDict["rel"] == "alternate" {
                absURL = href
            }
        default: break
        }
    }

    func characters(_ string: String) {
        text += string
    }

    func endElement(_ elementName: String) {
        defer {
            depth -= 1
            text = ""
        }
        let name = elementName
        if depth == 1 { rootClosed = true }
        if !inEntry {
            if depth == 2 {
                let value = Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
                switch name {
                case "totalResults": page.totalResults = value
                case "startIndex": page.startIndex = value
                case "itemsPerPage": page.itemsPerPage = value
                default: break
                }
            }
            return
        }
        if depth == 2, name == "entry" {
            inEntry = false
            finishEntry()
            return
        }
        switch name {
        case "id" where depth == 3: entryID = text.trimmingCharacters(in: .whitespacesAndNewlines)
        case "title" where depth == 3: title = text
        case "summary": summary = text
        case "published": published = text
        case "updated": updated = text
        case "comment": comment = text
        case "journal_ref": journalRef = text
        case "doi": doi = text
        case "name" where inAuthor:
            if let author = text.collapsingWhitespace.nilIfEmpty { authors.append(author) }
        case "author": inAuthor = false
        default: break
        }
    }

    private func finishEntry() {
        if entryID.contains("/api/errors") {
            apiError = ArxivAPIError(id: entryID, message: summary.collapsingWhitespace)
            return
        }
        guard let arxivID = ArxivID.parse(entryID) else {
            page.skipped.append(SkippedRecord(identifier: entryID.nilIfEmpty, reason: "entry id is not an arXiv id"))
            return
        }
        let cleanTitle = title.collapsingWhitespace
        guard !cleanTitle.isEmpty else {
            page.skipped.append(SkippedRecord(identifier: entryID, reason: "entry has no title"))
            return
        }
        // All categories, primary first.
        var ordered: [String] = []
        if let primaryCategory, !primaryCategory.isEmpty { ordered.append(primaryCategory) }
        for category in categories where !ordered.contains(category) { ordered.append(category) }
        let publishedAt = ArxivDates.iso8601(published)
        let updatedAt = ArxivDates.iso8601(updated)
        let paper = Paper(
            id: arxivID.base, version: arxivID.version ?? 1, title: cleanTitle,
            abstract: summary.collapsingWhitespace, authors: authors, categories: ordered,
            publishedAt: publishedAt,
            // The query API repeats the first version's date as `updated` for a v1; that is no update.
            updatedAt: updatedAt == publishedAt ? nil : updatedAt,
            comments: comment?.collapsingWhitespace.nilIfEmpty,
            journalRef: journalRef?.collapsingWhitespace.nilIfEmpty,
            doi: doi?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty)
        page.entries.append(
            ArxivEntry(
                paper: paper, versionedID: arxivID.versioned, primaryCategory: ordered.first,
                absURL: absURL ?? arxivID.absURL,
                pdfURL: pdfURL ?? arxivID.pdfURL, doiURL: doiURL))
    }
}
