import Foundation
import Hummingbird
import HummingbirdTesting
import Mustache
import PaperModel
import PaperServices
import PaperStore
import PaperTestSupport
import Testing

@testable import PaperWeb

/// Feed pages are kept between writes (`StoreDerivedCache`, `RenderedPageCache`); every write must show on the
/// next page.
@Suite("Page caches")
struct PageCacheTests {
    static func upvoteTitle(_ html: String, _ paperID: String) -> String? {
        // The vote form of a card: its action names the paper, its button the count.
        guard let form = html.range(of: "action=\"/papers/\(paperID)/upvote\"") else { return nil }
        let rest = html[form.upperBound...]
        guard let title = rest.range(of: "title=\"Upvote ("), let end = rest[title.upperBound...].firstIndex(of: ")")
        else { return nil }
        return String(rest[title.upperBound..<end])
    }

    @Test func writesShowOnTheNextRender() async throws {
        let store = try await makeFixtureStore()
        // Nothing is read again by age during the test: only the writes can make the pages change.
        var configuration = WebConfiguration()
        configuration.storeRereadInterval = .seconds(3600)
        let router = try await buildRouter(store: store, configuration: configuration)
        try await Application(router: router).test(.router) { client in
            let browser = Browser(client: client)
            var home = try await browser.get("/").text
            var trending = try await browser.get("/papers/trending").text
            #expect(Self.upvoteTitle(home, "2606.00001") == "0 upvotes")
            #expect(Self.upvoteTitle(trending, "2606.00001") == "0 upvotes")
            let count = try await store.paperCount()
            #expect(home.contains("\(count) papers · search"))

            // An upvote.
            _ = try await store.createUser(username: "bob", displayName: "Bob", role: .member, passwordHash: nil)
            try await store.setUpvote(paperID: "2606.00001", username: "bob", upvoted: true)
            home = try await browser.get("/").text
            trending = try await browser.get("/papers/trending").text
            #expect(Self.upvoteTitle(home, "2606.00001") == "1 upvotes")
            #expect(Self.upvoteTitle(trending, "2606.00001") == "1 upvotes")

            // A comment.
            _ = try await store.addComment(
                paperID: "2606.00001", author: "bob", parentID: nil, body: "Nice.", at: Date())
            home = try await browser.get("/").text
            #expect(home.contains("<span>1 comments</span>"))

            // A new paper, submitted to the latest day: on the home page, on trending, and in the footer count.
            try await store.upsert([Paper(id: "2606.00002", title: "Fresh paper", abstract: "Brand new.")])
            #expect(!(try await browser.get("/").text.contains("Fresh paper")))
            _ = try await store.submit(
                paperID: "2606.00002", day: Day("2026-06-02")!, submitter: "bob", at: Date(), githubRepo: nil,
                projectPage: nil)
            home = try await browser.get("/").text
            trending = try await browser.get("/papers/trending").text
            #expect(home.contains("Fresh paper"))
            #expect(trending.contains("Fresh paper"))
            #expect(home.contains("\(count + 1) papers · search"))

            // A changed paper.
            try await store.upsert([Paper(id: "2606.00002", version: 2, title: "Fresher paper", abstract: "Brand new.")]
            )
            #expect(try await browser.get("/").text.contains("Fresher paper"))
            #expect(try await browser.get("/papers/week/2026-W23").text.contains("Fresher paper"))

            // A submission taken off the feed.
            try await store.removeSubmission(paperID: "2606.00002")
            #expect(!(try await browser.get("/").text.contains("Fresher paper")))
            #expect(!(try await browser.get("/papers/trending").text.contains("Fresher paper")))
        }
    }

    @Test func keptPagesCarryEachVisitorsToken() async throws {
        let store = try await makeFixtureStore()
        try await withApp(store) { client in
            var tokens: [String] = []
            for _ in 0..<2 {
                let token = try await client.execute(uri: "/", method: .get) { response -> String in
                    let cookie = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("pb_csrf=") })
                    let token = String(cookie.dropFirst("pb_csrf=".count).prefix(64))
                    let html = response.text
                    #expect(!html.contains(RenderedPageCache.csrfMark))
                    #expect(!html.contains("name=\"csrf\" value=\"\""))
                    // The card's vote form and the footer's subscribe form.
                    #expect(html.components(separatedBy: "name=\"csrf\" value=\"\(token)\"").count - 1 == 2)
                    return token
                }
                tokens.append(token)
            }
            #expect(tokens[0] != tokens[1])
        }
    }

    @Test func viewLookupsAnswerEveryStoredProperty() throws {
        let site = SiteInfo(
            paperCount: 1, searchMode: "lexical-only", viewer: "ada", csrf: "t",
            feeds: [FeedLink(type: "a", title: "b", href: "c")],
            subscriberEmail: "ada@example.org")
        var card = CardView(
            paper: Paper(id: "2605.00001", title: "T", abstract: "A", authors: ["Ada"], categories: ["cs.CL"]),
            upvotes: 2, submitter: "ada")
        card.commentCount = 1
        card.codeURL = "https://github.com/o/r"
        card.explanationHTML = SafeHTML(literal: "Because you upvoted <em>T</em>")
        let view = FeedPageView(
            site: site, heading: "h", subtitle: "s", periodLabel: "p", emptyPeriod: "e", previousHref: "/a",
            previousLabel: "a",
            nextHref: "/b", nextLabel: "b", latestDay: "2026-06-02", cards: [card],
            tabs: FeedPageView.tabs(active: .daily, day: Day("2026-06-02")!), here: "/")
        var search = SearchPageView(
            site: site,
            query: PaperSearchQuery(
                text: "q", mode: nil, sort: .relevance, from: Day("2026-06-01"), to: Day("2026-06-02"),
                category: "cs.CL",
                codeOnly: true))
        search.indexing = "still indexing"
        search.results = [
            SearchResultView(
                paper: Paper(
                    id: "2605.00001", title: "T", abstract: "A", authors: ["Ada"], categories: ["cs.CL"],
                    publishedAt: Date(), links: [PaperLink(kind: .github, url: "https://github.com/o/r")]),
                upvotes: 1, terms: [])
        ]
        let error = ErrorPageView(
            site: site, status: .notFound, heading: "h", message: "m", code: "not_found", requestID: "r")
        let missing = PaperMissingView(site: site, id: "2605.00001")
        let about = AboutView(site: site, formula: .standard)
        let parents: [any MustacheParent] = [
            site, site.feeds[0], card, view, view.tabs[0], search, search.modes[0], search.results[0], error, missing,
            about,
        ]
        for parent in parents {
            for child in Mirror(reflecting: parent).children {
                let label = try #require(child.label)
                #expect(parent.child(named: label) != nil, "\(type(of: parent)).\(label)")
                #expect(
                    parent.child(named: label).map { String(describing: $0) } == String(describing: child.value)
                        || Mirror(reflecting: child.value).displayStyle == .optional,
                    "\(type(of: parent)).\(label)")
            }
            #expect(parent.child(named: "noSuchName") == nil)
        }
    }
}
