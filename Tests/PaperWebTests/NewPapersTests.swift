import Foundation
import Hummingbird
import HummingbirdTesting
import PaperModel
import PaperStore
import Testing

@testable import PaperWeb

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("New on arXiv")
struct NewPapersTests {
    static func at(_ day: String, hour: Int) -> Date { Day(day)!.startDate.addingTimeInterval(Double(hour) * 3600) }

    /// Three papers first published on June 1 (two in cs.CL), one on May 29 and one on June 3.
    static func makeStore() async throws -> SQLitePaperStore {
        let store = try SQLitePaperStore.inMemory()
        try await store.upsert([
            Paper(
                id: "2606.00011", title: "Morning parsing", abstract: "Parsing.", authors: ["Ada Lovelace"],
                categories: ["cs.CL"], publishedAt: at("2026-06-01", hour: 8)),
            Paper(
                id: "2606.00012", title: "Evening translation", abstract: "Translation.", authors: ["Alan Turing"],
                categories: ["cs.CL", "cs.LG"], publishedAt: at("2026-06-01", hour: 20)),
            Paper(
                id: "2606.00013", title: "Noon graphs", abstract: "Graphs.", categories: ["math.CO"],
                publishedAt: at("2026-06-01", hour: 12)),
            Paper(
                id: "2605.00099", title: "Older paper", abstract: "Old.", categories: ["cs.CL"],
                publishedAt: at("2026-05-29", hour: 10)),
            Paper(
                id: "2606.00031", title: "Latest paper", abstract: "New.", categories: ["hep-th"],
                publishedAt: at("2026-06-03", hour: 10)),
        ])
        return store
    }

    static func titles(_ html: String) -> [String] {
        html.components(separatedBy: "<h2 class=\"card-title\"><a href=\"/papers/").dropFirst().compactMap { part in
            part.split(separator: ">", maxSplits: 1).last.flatMap { $0.split(separator: "<").first }.map(String.init)
        }
    }

    @Test func pageListsExactlyThatDaysPapersNewestFirst() async throws {
        try await withBrowserApp(store: try await Self.makeStore()) { browser, _ in
            let page = try await browser.get("/papers/new?date=2026-06-01")
            #expect(page.status == .ok)
            #expect(Self.titles(page.text) == ["Evening translation", "Noon graphs", "Morning parsing"])
            #expect(page.text.contains("href=\"/papers/new?date=2026-05-29\""))
            #expect(page.text.contains("href=\"/papers/new?date=2026-06-03\""))
            #expect(
                page.text.contains(
                    "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"New on arXiv (RSS)\" href=\"/feeds/new.rss?date=2026-06-01\">"
                ))
            #expect(page.text.contains("<a href=\"/papers/new\">New on arXiv</a>"))
            // Visitors get no submit forms.
            #expect(!page.text.contains("Submit to daily papers"))
            // The default is the latest day with papers.
            let latest = try await browser.get("/papers/new")
            #expect(Self.titles(latest.text) == ["Latest paper"])
            // A day without papers is an empty page, not an error.
            let empty = try await browser.get("/papers/new?date=2026-05-31")
            #expect(empty.status == .ok)
            #expect(Self.titles(empty.text).isEmpty)
            #expect(empty.text.contains("No new papers"))
        }
    }

    @Test func categoryFilter() async throws {
        try await withBrowserApp(store: try await Self.makeStore()) { browser, _ in
            let page = try await browser.get("/papers/new?date=2026-06-01&cat=cs.CL")
            #expect(page.status == .ok)
            #expect(Self.titles(page.text) == ["Evening translation", "Morning parsing"])
            #expect(page.text.contains("href=\"/papers/new?date=2026-06-01&amp;cat=math.CO\">math.CO (1)</a>"))
            #expect(page.text.contains("cs.CL (2)"))
            #expect(page.text.contains("href=\"/papers/new?date=2026-05-29&amp;cat=cs.CL\""))
            #expect(
                Self.titles(try await browser.get("/papers/new?date=2026-06-01&cat=cs.LG").text) == [
                    "Evening translation"
                ])
            #expect(Self.titles(try await browser.get("/papers/new?date=2026-06-01&cat=hep-th").text).isEmpty)
        }
    }

    @Test func badDateOrCategoryIsA400Page() async throws {
        try await withBrowserApp(store: try await Self.makeStore()) { browser, _ in
            for uri in [
                "/papers/new?date=2026-13-01", "/papers/new?date=yesterday", "/papers/new?date=2026-02-30",
                "/papers/new?cat=%3Cscript%3E", "/papers/new?cat=cs..CL",
                "/papers/new?date=2026-06-01&cat=" + String(repeating: "a", count: 50),
            ] {
                let response = try await browser.get(uri)
                #expect(response.status == .badRequest, "\(uri)")
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true, "\(uri)")
                #expect(!response.text.contains("<script>"), "\(uri)")
            }
            for uri in ["/feeds/new.rss?date=nope", "/feeds/new.json?cat=%3Cx%3E"] {
                #expect(try await browser.get(uri).status == .badRequest, "\(uri)")
            }
        }
    }

    @Test func membersSubmitANewPaperInOneClick() async throws {
        try await withBrowserApp(store: try await Self.makeStore()) { browser, store in
            _ = try await browser.signUp("alice")
            let page = try await browser.get("/papers/new?date=2026-06-01")
            #expect(page.text.contains("<input type=\"hidden\" name=\"paper\" value=\"2606.00013\">"))
            #expect(page.text.components(separatedBy: "Submit to daily papers").count - 1 == 3)
            let submitted = try await browser.post("/submit", ["paper": "2606.00013"])
            #expect(submitted.status == .seeOther)
            #expect(try await store.submission(paperID: "2606.00013")?.submitter == "alice")
            let after = try await browser.get("/papers/new?date=2026-06-01")
            #expect(after.text.components(separatedBy: "Submit to daily papers").count - 1 == 2)
            #expect(after.text.contains("On the daily papers of \(Day(Date()))"))
        }
    }

    @Test func feedsAreWellFormed() async throws {
        try await withBrowserApp(store: try await Self.makeStore()) { browser, _ in
            for format in ["rss", "atom"] {
                let response = try await browser.get("/feeds/new.\(format)?date=2026-06-01&cat=cs.CL")
                #expect(response.status == .ok)
                let parser = XMLParser(data: Data(buffer: response.body))
                let titles = ItemTitles(item: format == "rss" ? "item" : "entry")
                parser.delegate = titles
                #expect(parser.parse(), "\(format): \(parser.parserError.map { "\($0)" } ?? "")")
                #expect(titles.titles == ["Evening translation", "Morning parsing"], "\(format)")
            }
            let json = try await browser.get("/feeds/new.json?date=2026-06-01")
            #expect(json.headers[.contentType]?.hasPrefix("application/feed+json") == true)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: json.body)) as? [String: Any])
            let items = try #require(object["items"] as? [[String: Any]])
            #expect(
                items.compactMap { $0["title"] as? String } == [
                    "Evening translation", "Noon graphs", "Morning parsing",
                ])
            #expect((object["feed_url"] as? String)?.hasSuffix("/feeds/new.json?date=2026-06-01") == true)
            // Without a date: the latest day.
            let latest = try await browser.get("/feeds/new.json")
            let latestItems = try #require(
                (try JSONSerialization.jsonObject(with: Data(buffer: latest.body)) as? [String: Any])?["items"]
                    as? [[String: Any]])
            #expect(latestItems.compactMap { $0["title"] as? String } == ["Latest paper"])
        }
    }
}

/// The titles of a feed's items (`item` in RSS, `entry` in Atom), as an XML parser reads them.
final class ItemTitles: NSObject, XMLParserDelegate {
    let item: String
    var titles: [String] = []
    private var inItem = false
    private var inTitle = false
    private var text = ""

    init(item: String) { self.item = item }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if name == item { inItem = true }
        if inItem && name == "title" { inTitle = true; text = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inTitle { text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if inTitle && name == "title" { titles.append(text); inTitle = false }
        if name == item { inItem = false }
    }
}
