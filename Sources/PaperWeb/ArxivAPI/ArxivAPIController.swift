import Foundation
import Hummingbird
import PaperModel
import PaperServices
import PaperStore

/// `GET /api/query`: the arXiv API (Atom 1.0 with `opensearch:` and `arxiv:` elements) over Paperboy's papers,
/// so that the `arxiv` client works with `Client.query_url_format = "http://HOST/api/query?{}"`.
struct ArxivAPIController: Sendable {
    let store: any PaperStore
    let search: PaperSearchEngine?
    let configuration: WebConfiguration

    /// arXiv's own limits: at most 2000 results per call, 30000 in all.
    static let maxResultsPerCall = 2_000
    static let maxStart = 30_000

    func addRoutes(to router: some RouterMethods<PaperboyRequestContext>) {
        router.get("query", use: query)
    }

    struct Parameters {
        var query: FieldedQuery?
        var ids: [String]
        var start: Int
        var maxResults: Int
        var sortBy: String
        var ascending: Bool
    }

    static func parameters(_ request: Request) throws -> Parameters {
        let q = APIQuery(request)
        let text = try q.text("search_query", maxLength: FieldedQuery.maxLength) ?? ""
        let query = try FieldedQuery.parse(text)
        var ids: [String] = []
        if let list = try q.text("id_list", maxLength: 20_000) {
            for raw in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !raw.isEmpty {
                guard let id = PaperIdentifier.canonical(raw) else {
                    throw WebError(.invalidArxivQuery, "incorrect id format for \(raw.prefix(40).debugDescription)")
                }
                if !ids.contains(id) { ids.append(id) }
            }
        }
        let sortBy = try q.text("sortBy", maxLength: 40) ?? "relevance"
        guard ["relevance", "lastUpdatedDate", "submittedDate"].contains(sortBy) else {
            throw WebError(.invalidArxivQuery, "sortBy must be relevance, lastUpdatedDate or submittedDate")
        }
        let order = try q.text("sortOrder", maxLength: 40) ?? "descending"
        guard order == "ascending" || order == "descending" else {
            throw WebError(.invalidArxivQuery, "sortOrder must be ascending or descending")
        }
        return Parameters(
            query: query, ids: ids, start: try q.integer("start", default: 0, range: 0...maxStart),
            maxResults: try q.integer("max_results", default: 10, range: 0...maxResultsPerCall), sortBy: sortBy,
            ascending: order == "ascending")
    }

    /// Malformed parameters are answered by the group's error middleware, as arXiv does: an Atom feed with one
    /// entry titled "Error" (`ErrorAudience.arxiv`).
    @Sendable func query(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        try await answer(try Self.parameters(request), request, base: baseURL(request, configuration))
    }

    func answer(_ parameters: Parameters, _ request: Request, base: String) async throws -> Response {
        // Matching ids with relevance scores, in relevance order.
        var matches: [(String, Float)] = []
        if let query = parameters.query {
            guard let search else { throw WebError(.searchNotReady, "The search index is not ready yet.") }
            var scores = try await search.fieldedMatches(query)
            if !parameters.ids.isEmpty { scores = scores.filter { parameters.ids.contains($0.key) } }
            matches = scores.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
        } else if !parameters.ids.isEmpty {
            let found = Set(try await store.papers(ids: parameters.ids).map(\.id))
            matches = parameters.ids.filter(found.contains).map { ($0, 0) }
        }
        var ordered = matches.map(\.0)
        /// Papers already read to sort by date, so the page below is not read twice.
        var known: [String: Paper] = [:]
        if parameters.sortBy != "relevance" {
            let papers = try await store.papers(ids: ordered)
            known = Dictionary(papers.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            func key(_ p: Paper) -> Date {
                (parameters.sortBy == "lastUpdatedDate" ? p.updatedAt ?? p.publishedAt : p.publishedAt) ?? .distantPast
            }
            let sorted = papers.sorted { a, b in
                let (ka, kb) = (key(a), key(b))
                if ka != kb { return parameters.ascending ? ka < kb : ka > kb }
                return a.id < b.id
            }
            ordered = sorted.map(\.id)
        } else if parameters.ascending {
            ordered.reverse()
        }
        let pageIDs = Array(ordered.dropFirst(parameters.start).prefix(parameters.maxResults))
        if known.isEmpty {
            known = Dictionary(try await store.papers(ids: pageIDs).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        }
        let page = pageIDs.compactMap { known[$0] }
        let feed = Self.feed(
            page, total: ordered.count, start: parameters.start, perPage: parameters.maxResults,
            selfLink: base + request.uri.description, base: base, title: "Paperboy query: \(request.uri.query ?? "")",
            now: configuration.clock())
        return atomResponse(feed, status: .ok)
    }

    func atomResponse(_ body: String, status: HTTPResponse.Status) -> Response {
        Response(
            status: status, headers: [.contentType: "application/atom+xml; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    // MARK: Atom

    static func feed(
        _ papers: [Paper], total: Int, start: Int, perPage: Int, selfLink: String, base: String, title: String, now: Date
    ) -> String {
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">
              <id>\(XML.escape(selfLink))</id>
              <title>\(XML.escape(title))</title>
              <updated>\(Timestamp.atom(now))</updated>
              <link href="\(XML.escape(selfLink))" type="application/atom+xml"/>
              <opensearch:itemsPerPage>\(perPage)</opensearch:itemsPerPage>
              <opensearch:totalResults>\(total)</opensearch:totalResults>
              <opensearch:startIndex>\(start)</opensearch:startIndex>

            """
        for paper in papers { out += entry(paper, base: base) }
        out += "</feed>\n"
        return out
    }

    static func entry(_ paper: Paper, base: String) -> String {
        let published = paper.publishedAt ?? Date(timeIntervalSince1970: 0)
        let updated = paper.updatedAt ?? published
        let entryID: String
        var links: String
        if let arxiv = paper.arxivID {
            let versioned = "\(arxiv.base)v\(paper.version)"
            entryID = "http://arxiv.org/abs/\(versioned)"
            links = """
                    <link href="https://arxiv.org/abs/\(versioned)" rel="alternate" type="text/html"/>
                    <link href="https://arxiv.org/pdf/\(versioned)" rel="related" type="application/pdf" title="pdf"/>

                """
        } else {
            entryID = "\(base)/papers/\(paper.id)"
            links = "    <link href=\"\(XML.escape(entryID))\" rel=\"alternate\" type=\"text/html\"/>\n"
        }
        var out = """
              <entry>
                <id>\(XML.escape(entryID))</id>
                <title>\(XML.escape(paper.title))</title>
                <updated>\(Timestamp.atom(updated))</updated>

            """
        out += links
        out += "    <summary>\(XML.escape(paper.abstract))</summary>\n"
        for category in paper.categories {
            out += "    <category term=\"\(XML.escape(category))\" scheme=\"http://arxiv.org/schemas/atom\"/>\n"
        }
        out += "    <published>\(Timestamp.atom(published))</published>\n"
        if let comment = paper.comments { out += "    <arxiv:comment>\(XML.escape(comment))</arxiv:comment>\n" }
        if let journal = paper.journalRef { out += "    <arxiv:journal_ref>\(XML.escape(journal))</arxiv:journal_ref>\n" }
        if let doi = paper.doi { out += "    <arxiv:doi>\(XML.escape(doi))</arxiv:doi>\n" }
        if let primary = paper.primaryCategory { out += "    <arxiv:primary_category term=\"\(XML.escape(primary))\"/>\n" }
        for author in paper.authors { out += "    <author>\n      <name>\(XML.escape(author))</name>\n    </author>\n" }
        out += "  </entry>\n"
        return out
    }

    /// arXiv answers a malformed request with a feed holding one entry titled "Error"; its id is the catalog's
    /// documentation link of the code.
    static func errorFeed(_ message: String, code: ErrorCode, base: String, now: Date) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
          <id>\(XML.escape(base))/api/query</id>
          <title>Paperboy query error</title>
          <updated>\(Timestamp.atom(now))</updated>
          <opensearch:itemsPerPage>1</opensearch:itemsPerPage>
          <opensearch:totalResults>1</opensearch:totalResults>
          <opensearch:startIndex>0</opensearch:startIndex>
          <entry>
            <id>\(XML.escape(code.link(base: base)))</id>
            <title>Error</title>
            <summary>\(XML.escape(message))</summary>
            <updated>\(Timestamp.atom(now))</updated>
            <author><name>Paperboy</name></author>
          </entry>
        </feed>

        """
    }
}

/// XML text and attribute escaping. Characters XML 1.0 forbids (most C0 controls, U+FFFE, U+FFFF) are dropped,
/// so a stray control character in an abstract cannot make a feed unparseable.
enum XML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                if v < 0x20 || v == 0xFFFE || v == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
