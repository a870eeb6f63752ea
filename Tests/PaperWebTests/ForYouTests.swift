import Foundation
import Hummingbird
import HummingbirdTesting
import PaperModel
import PaperStore
import PaperTestSupport
import Testing

@testable import PaperWeb

/// The "For you" surfaces: the tab and its page, "Not interested" and its undo, follows from the paper page and
/// on the profile, the private feed and its revocation, `GET /api/recommendations`, "More like this collection".
@Suite("For you")
struct ForYouTests {
    static func withForYouApp(
        _ body: @escaping @Sendable (Browser, SQLitePaperStore) async throws -> Void
    ) async throws {
        let store = try await RecommendationFixture.makeStore()
        var configuration = WebConfiguration(publicURL: "https://papers.example.org")
        configuration.clock = { RecommendationFixture.now }
        configuration.recommendationWait = nil
        let router = try await buildRouter(store: store, configuration: configuration)
        try await Application(router: router).test(.router) { client in try await body(Browser(client: client), store) }
    }

    /// The paper ids of the page's cards, in order.
    static func cardIDs(_ html: String) -> [String] {
        html.components(separatedBy: "<li class=\"card\">").dropFirst().compactMap { card in
            guard let start = card.range(of: "action=\"/papers/"), let end = card.range(of: "/upvote\"") else {
                return nil
            }
            return String(card[start.upperBound..<end.lowerBound])
        }
    }

    @Test func signedOutVisitorsAreAskedToSignInAndSeeNoTab() async throws {
        try await Self.withForYouApp { browser, _ in
            let page = try await browser.get("/papers/for-you")
            #expect(page.status == .ok)
            #expect(page.text.contains("Sign in to see papers for you"))
            #expect(page.text.contains("href=\"/login?next=/papers/for-you\""))
            #expect(Self.cardIDs(page.text).isEmpty)
            #expect(!(try await browser.get("/papers/trending").text.contains(">For you</a>")))
        }
    }

    @Test func aReaderSeesTheirTopicFirstExplainedAndEscapedAndCanRejectAndUndo() async throws {
        try await Self.withForYouApp { browser, store in
            _ = try await browser.signUp("reader")
            for id in RecommendationFixture.seeds {
                #expect(try await browser.post("/papers/\(id)/upvote", ["state": "on"]).status == .seeOther)
            }
            #expect(try await browser.get("/papers/trending").text.contains("href=\"/papers/for-you\">For you</a>"))
            let page = try await browser.get("/papers/for-you")
            #expect(page.status == .ok)
            #expect(page.text.contains("aria-current=\"page\">For you</a>"))
            let ids = Self.cardIDs(page.text)
            #expect(Set(ids.prefix(RecommendationFixture.topic.count)) == Set(RecommendationFixture.topic))
            #expect(!ids.contains { RecommendationFixture.seeds.contains($0) })
            #expect(page.text.contains("Because you upvoted <a href=\"/papers/2604.00001\"><em>"))
            // The seed's title is shown as text: the markup in it is escaped, never run.
            #expect(!page.text.contains("<script>alert(1)</script>"))
            #expect(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            #expect(!page.text.contains("cold-start"))

            let rejected = ids[0]
            let answer = try await browser.post(
                "/papers/\(rejected)/not-interested", ["next": "/papers/for-you"])
            #expect(answer.status == .seeOther && answer.headers[.location] == "/papers/for-you")
            #expect(try await store.readerSignals(username: "reader").rejected == [rejected])
            let after = try await browser.get("/papers/for-you")
            #expect(!Self.cardIDs(after.text).contains(rejected))
            #expect(after.text.contains("class=\"notice undo\""))
            #expect(after.text.contains("action=\"/papers/\(rejected)/not-interested\""))
            let profile = try await browser.get("/users/reader")
            #expect(profile.text.contains("<h2 id=\"not-interested\">Not interested</h2>"))
            #expect(profile.text.contains("action=\"/papers/\(rejected)/not-interested\""))

            #expect(
                try await browser.post(
                    "/papers/\(rejected)/not-interested", ["state": "off", "next": "/papers/for-you"]
                ).status == .seeOther)
            #expect(try await store.readerSignals(username: "reader").rejected.isEmpty)
            #expect(Self.cardIDs(try await browser.get("/papers/for-you").text).contains(rejected))

            // Scripts ask for JSON and remove the card themselves.
            let json = try await browser.post(
                "/papers/\(ids[1])/not-interested", ["next": "/papers/for-you"], accept: "application/json")
            #expect(json.status == .ok)
            let object = try #require(json.json as? [String: Any])
            #expect(object["paper"] as? String == ids[1] && object["notInterested"] as? Bool == true)
            // Signed-in readers get the button on every feed's cards.
            #expect(try await browser.get("/papers/trending").text.contains("class=\"not-interested-form\""))
        }
    }

    @Test func aNewReaderIsToldTheListIsColdAndFollowsChangeIt() async throws {
        try await Self.withForYouApp { browser, store in
            _ = try await browser.signUp("newbie")
            let cold = try await browser.get("/papers/for-you")
            #expect(cold.text.contains("class=\"notice cold-start\""))

            let paper = try await browser.get("/papers/2606.00205")
            #expect(paper.text.contains("Follow Vera Rubin"))
            #expect(paper.text.contains("Follow astro-ph.GA"))
            let follow = try await browser.post(
                "/follows/authors", ["name": "Vera Rubin", "next": "/papers/2606.00205"])
            #expect(follow.status == .seeOther && follow.headers[.location] == "/papers/2606.00205")
            #expect(try await browser.get("/papers/2606.00205").text.contains("Unfollow Vera Rubin"))
            #expect(try await browser.post("/follows/categories", ["category": "cs.CL"]).status == .seeOther)
            let signals = try await store.readerSignals(username: "newbie")
            #expect(signals.followedAuthors.map(\.name) == ["Vera Rubin"] && signals.followedCategories == ["cs.CL"])

            // The followed author's paper was opened, so it is seen and not shown: the followed category's comes
            // first. Forgetting the opened papers brings it back, first, with its reason.
            let seen = try await browser.get("/papers/for-you")
            #expect(Self.cardIDs(seen.text).first == "2606.00207")
            #expect(!Self.cardIDs(seen.text).contains("2606.00205"))
            #expect(try await browser.post("/settings/seen/forget", [:]).status == .seeOther)
            let followed = try await browser.get("/papers/for-you")
            #expect(Self.cardIDs(followed.text).prefix(2) == ["2606.00205", "2606.00207"])
            #expect(followed.text.contains("By an author you follow: Vera Rubin"))

            let profile = try await browser.get("/users/newbie")
            #expect(profile.text.contains("<h2 id=\"follows\">Follows</h2>"))
            #expect(profile.text.contains("value=\"Vera Rubin\""))
            #expect(
                try await browser.post("/follows/authors", ["name": "Vera Rubin", "state": "off"]).status == .seeOther)
            #expect(try await store.readerSignals(username: "newbie").followedAuthors.isEmpty)
            #expect(try await browser.post("/follows/categories", ["category": "not a category"]).status == .badRequest)
        }
    }

    @Test func openingAPaperMakesItSeenAndTheProfileForgetsThem() async throws {
        try await Self.withForYouApp { browser, store in
            _ = try await browser.signUp("reader")
            try await RecommendationFixture.upvoteSeeds(store, username: "reader")
            let before = Self.cardIDs(try await browser.get("/papers/for-you").text)
            let opened = try #require(before.first)
            #expect(try await browser.get("/papers/\(opened)").status == .ok)
            #expect(try await store.readerSignals(username: "reader").seen == [opened])
            #expect(!Self.cardIDs(try await browser.get("/papers/for-you").text).contains(opened))
            let profile = try await browser.get("/users/reader")
            #expect(profile.text.contains("<h2 id=\"seen\">Papers you opened</h2>"))
            #expect(profile.text.contains("You opened 1 paper;"))
            // Without the form's CSRF token nothing is forgotten.
            #expect(try await browser.post("/settings/seen/forget", [:], csrf: "wrong").status == .forbidden)
            #expect(try await store.seenCount(username: "reader") == 1)
            let forget = try await browser.post("/settings/seen/forget", [:])
            #expect(forget.status == .seeOther && forget.headers[.location] == "/users/reader#seen")
            #expect(try await store.seenCount(username: "reader") == 0)
            #expect(Self.cardIDs(try await browser.get("/papers/for-you").text) == before)
            #expect(try await browser.get("/users/reader").text.contains("No papers opened yet."))
            // Visitors open papers without leaving a trace.
            let visitor = Browser(client: browser.client)
            #expect(try await visitor.get("/papers/\(before[1])").status == .ok)
            #expect(try await store.seenCount(username: "reader") == 0)
        }
    }

    @Test func thePrivateFeedParsesAndStopsWhenRevoked() async throws {
        let python = try #require(SMTPPeer.python, "PAPERBOY_TEST_PYTHON must name the test venv (with feedparser)")
        try await Self.withForYouApp { browser, store in
            _ = try await browser.signUp("reader")
            try await RecommendationFixture.upvoteSeeds(store, username: "reader")
            let created = try await browser.post("/settings/for-you-feed", [:])
            #expect(created.status == .ok)
            #expect(created.headers[.cacheControl] == "no-store")
            #expect(try await store.hasRecommendationFeedToken(username: "reader"))
            let pattern = try Regex(#"https://papers\.example\.org/feeds/for-you/(pf_[0-9a-f]{40})\.rss"#)
            let match = try #require(created.text.firstMatch(of: pattern))
            let token = String(try #require(match.output[1].substring))

            for format in ["rss", "atom", "json"] {
                let feed = try await browser.client.execute(
                    uri: "/feeds/for-you/\(token).\(format)", method: .get, headers: [:], body: nil)
                #expect(feed.status == .ok)
                #expect(feed.headers[.cacheControl] == "private, max-age=300")
                let parsed = try Self.feedparser(python, feed.text)
                #expect(parsed.bozo == false, "\(format): \(parsed.error ?? "")")
                #expect(RecommendationFixture.topic.contains(parsed.firstLink.components(separatedBy: "/").last ?? ""))
                #expect(parsed.entries >= RecommendationFixture.topic.count)
            }

            #expect(try await browser.post("/settings/for-you-feed/delete", [:]).status == .seeOther)
            let revoked = try await browser.client.execute(
                uri: "/feeds/for-you/\(token).rss", method: .get, headers: [:], body: nil)
            #expect(revoked.status == .notFound)
            #expect(ErrorCatalogTests.catalogError(revoked)?["code"] == "not_found")
        }
    }

    struct Parsed: Decodable {
        var bozo: Bool
        var error: String?
        var entries: Int
        var firstLink: String
    }

    /// The feed as Python's feedparser reads it (JSON Feed through `json`, which feedparser does not read).
    static func feedparser(_ python: String, _ text: String) throws -> Parsed {
        let script = """
            import json, sys
            data = sys.stdin.read()
            if data.lstrip().startswith("{"):
                doc = json.loads(data)
                print(json.dumps({"bozo": False, "entries": len(doc["items"]), "firstLink": doc["items"][0]["url"]}))
            else:
                import feedparser
                feed = feedparser.parse(data)
                print(json.dumps({"bozo": bool(feed.bozo), "error": str(feed.get("bozo_exception", "")),
                                  "entries": len(feed.entries), "firstLink": feed.entries[0].link}))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try JSONDecoder().decode(Parsed.self, from: data)
    }

    @Test func theRecommendationsAPINeedsATokenAndGivesReasons() async throws {
        try await Self.withForYouApp { browser, store in
            try await browser.client.execute(uri: "/api/recommendations", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(ErrorCatalogTests.catalogError(response)?["code"] == "unauthorized")
            }
            let token = AccessTokenSecret.generate()
            _ = try await store.createAccessToken(username: "ada", name: "t", tokenHash: AccessTokenSecret.hash(token))
            let auth: HTTPFields = [.authorization: "Bearer \(token)"]
            try await browser.client.execute(uri: "/api/recommendations", method: .get, headers: auth) { response in
                #expect((response.json as? [String: Any])?["cold_start"] as? Bool == true)
            }
            try await RecommendationFixture.upvoteSeeds(store)
            try await browser.client.execute(uri: "/api/recommendations?limit=3", method: .get, headers: auth) {
                response in
                #expect(response.status == .ok)
                let json = try #require(response.json as? [String: Any])
                #expect(json["cold_start"] as? Bool == false)
                #expect(json["window_start"] as? String == "2026-06-02")
                let papers = try #require(json["papers"] as? [[String: Any]])
                #expect(papers.count == 3)
                let first = papers[0]
                let id = try #require(first["id"] as? String)
                #expect(RecommendationFixture.topic.contains(id))
                #expect(first["reason"] as? String == "similar")
                #expect(first["score"] is Double)
                let because = try #require(first["because"] as? [String: Any])
                #expect(because["id"] as? String == RecommendationFixture.nearestSeed[id])
                #expect(because["source"] as? String == "upvoted")
                #expect((first["reasons"] as? [String])?.first?.hasPrefix("Because you upvoted") == true)
            }
            try await browser.client.execute(uri: "/api/recommendations?limit=0", method: .get, headers: auth) {
                response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test func aCollectionPageShowsMoreLikeIt() async throws {
        try await Self.withForYouApp { browser, store in
            let collection = try await store.createCollection(owner: "ada", name: "Decoders", isPublic: true)
            try await store.setCollectionItem(collectionID: collection.id, paperID: "2604.00001", present: true)
            let page = try await browser.get("/collections/\(collection.id)")
            #expect(page.status == .ok)
            let section = try #require(page.text.components(separatedBy: "More like this collection").last)
            let first = try #require(section.components(separatedBy: "href=\"/papers/").dropFirst().first)
            #expect(first.hasPrefix("2606.00101") || first.hasPrefix("2606.00102"))
            #expect(section.contains("in this collection"))
            #expect(section.contains("&lt;script&gt;"))
            let empty = try await store.createCollection(owner: "ada", name: "Empty", isPublic: true)
            #expect(!(try await browser.get("/collections/\(empty.id)").text.contains("More like this collection")))
        }
    }
}
