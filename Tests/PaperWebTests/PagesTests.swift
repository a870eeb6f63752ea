import DemoCorpus
import Foundation
import Hummingbird
import HummingbirdTesting
import Ingest
import PaperModel
import PaperStore
import PaperTestSupport
import Testing

@testable import PaperWeb

extension TestResponse {
    var text: String { String(buffer: body) }
}

@Suite("Pages")
struct PagesTests {
    @Test func homeShowsTheLatestDayWithNavigation() async throws {
        let store = try await makeFixtureStore()
        try await withApp(store) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(response.text.contains("June 2, 2026"))
                #expect(response.text.contains("href=\"/papers/date/2026-05-30\""))  // previous day link
                #expect(response.text.contains("June paper"))
            }
        }
    }

    @Test func dailyPageOfTheFoundingListing() async throws {
        let store = try await makeFixtureStore()
        let vidlankd = LocalPaperID.make(
            title: "VidLanKD: Improving Language Understanding via Video-Distilled Knowledge Transfer")
        try await withApp(store) { client in
            try await client.execute(uri: "/papers/date/2026-05-30", method: .get) { response in
                #expect(response.status == .ok)
                let html = response.text
                #expect(html.components(separatedBy: "class=\"card\"").count - 1 == 137)
                #expect(html.contains("href=\"/papers/\(vidlankd)\""))
                #expect(html.contains("Submitted by <strong>curator</strong>"))
                #expect(html.contains("href=\"https://github.com/zinengtang/VidLanKD\""))
                #expect(html.contains("rel=\"prev\" href=\"/papers/date/2026-05-29\""))
                #expect(html.contains("rel=\"next\" href=\"/papers/date/2026-06-02\""))
            }
            try await client.execute(uri: "/papers/date/2026-05-31", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("No papers on May 31, 2026"))
            }
            try await client.execute(uri: "/papers/date/2026-13-01", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(response.text.contains("is not a date"))
            }
        }
    }

    @Test func paperPageLinksCodeAndArxiv() async throws {
        let store = try await makeFixtureStore()
        let vidlankd = LocalPaperID.make(
            title: "VidLanKD: Improving Language Understanding via Video-Distilled Knowledge Transfer")
        try await withApp(store) { client in
            try await client.execute(uri: "/papers/\(vidlankd)", method: .get) { response in
                #expect(response.status == .ok)
                let html = response.text
                #expect(html.contains("<h1 class=\"paper-title\">VidLanKD: Improving Language Understanding"))
                #expect(
                    html.contains(
                        "<a href=\"https://github.com/zinengtang/VidLanKD\" rel=\"noopener nofollow\">https://github.com/zinengtang/VidLanKD</a>"
                    ))
                #expect(!html.contains("arxiv.org/abs"))  // no arXiv id, no arXiv link
                #expect(html.contains("Daily papers of May 30, 2026"))
            }
            try await client.execute(uri: "/papers/2605.00001", method: .get) { response in
                #expect(response.status == .ok)
                let html = response.text
                #expect(html.contains("href=\"https://arxiv.org/abs/2605.00001v2\""))
                #expect(html.contains("href=\"https://arxiv.org/pdf/2605.00001v2\""))
                #expect(html.contains("An &lt;i&gt;escaped&lt;/i&gt; paper"))
                #expect(!html.contains("<i>escaped</i>"))
                #expect(html.contains("Ada Lovelace"))
                #expect(html.contains("2026-05-28"))
            }
            // Versioned and URL-ish forms resolve to the same paper; old-style ids have a slash.
            try await client.execute(uri: "/papers/2605.00001v1", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/papers/hep-th/9901001", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("Old style"))
            }
        }
    }

    @Test func unknownPapersAndPagesAreProper404Pages() async throws {
        let store = try await makeFixtureStore()
        try await withApp(store) { client in
            for uri in ["/papers/2101.00001", "/papers/not-an-id", "/nowhere", "/papers/a/b"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .notFound, "\(uri)")
                    #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                    #expect(response.text.contains("404"))
                    #expect(response.text.contains("<a class=\"button primary\" href=\"/\">"))
                }
            }
        }
    }

    @Test func healthzReportsStoreAndCount() async throws {
        let store = try await makeFixtureStore()
        try await withApp(store) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(json?["status"] as? String == "ok")
                #expect(json?["paperCount"] as? Int == 140)
                #expect(json?["schemaVersion"] as? String == SQLitePaperStore.currentSchemaVersion)
                #expect((json?["store"] as? [String: Any])?["ok"] as? Bool == true)
                #expect((json?["search"] as? [String: Any])?["mode"] as? String == "lexical-only")
            }
        }
    }

    @Test func stylesheetAndAboutPage() async throws {
        let store = try await makeFixtureStore()
        try await withApp(store) { client in
            try await client.execute(uri: "/static/paperboy.css", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/css; charset=utf-8")
                #expect(response.text.contains(".card"))
            }
            try await client.execute(uri: "/about", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("140"))
            }
        }
    }

    @Test func linkifyEscapesEverythingElse() {
        let html = HTMLText.linkified("<script>x</script> see https://github.com/a/b. and github.com/c/d \"q\"")
        #expect(
            html
                == "&lt;script&gt;x&lt;/script&gt; see <a href=\"https://github.com/a/b\" rel=\"noopener nofollow\">https://github.com/a/b</a>. and <a href=\"https://github.com/c/d\" rel=\"noopener nofollow\">github.com/c/d</a> &quot;q&quot;"
        )
    }
}
