import Foundation
import Hummingbird
import PaperModel
import PaperServices
import PaperStore

/// The arXiv API's Atom 1.0 (with `opensearch:` and `arxiv:` elements), as the `arxiv` client parses it.
enum ArxivAtom {

    static func feed(
        _ papers: [Paper], total: Int, start: Int, perPage: Int, selfLink: String, base: String, title: String,
        now: Date
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
        if let journal = paper.journalRef {
            out += "    <arxiv:journal_ref>\(XML.escape(journal))</arxiv:journal_ref>\n"
        }
        if let doi = paper.doi { out += "    <arxiv:doi>\(XML.escape(doi))</arxiv:doi>\n" }
        if let primary = paper.primaryCategory {
            out += "    <arxiv:primary_category term=\"\(XML.escape(primary))\"/>\n"
        }
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
