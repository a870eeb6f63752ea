import Foundation
import Hummingbird
import HummingbirdTesting
import PaperModel
import PaperStore
import PaperTestSupport
import Testing

@testable import PaperWeb

/// Listing papers that became arXiv papers: their old addresses answer 301, curators see ambiguous matches.
@Suite("Resolved listing papers")
struct AliasRedirectTests {
    static let vidlankdTitle = "VidLanKD: Improving Language Understanding via Video-Distilled Knowledge Transfer"

    @Test func oldAddressesOfAResolvedListingPaperMovePermanently() async throws {
        let store = try await makeFixtureStore()
        let local = LocalPaperID.make(title: Self.vidlankdTitle)
        let reading = try await store.createCollection(owner: "ada", name: "Reading", isPublic: true)
        try await store.setCollectionItem(collectionID: reading.id, paperID: local, present: true)
        try await store.upsert([
            Paper(
                id: "2107.02681", title: Self.vidlankdTitle, abstract: "Since visual perception...",
                authors: ["Zineng Tang"])
        ])
        #expect(try await store.alias(of: local) == "2107.02681")
        try await withApp(store) { client in
            for (uri, location) in [
                ("/papers/\(local)", "/papers/2107.02681"), ("/papers/\(local).md", "/papers/2107.02681.md"),
                ("/api/papers/\(local)", "/api/papers/2107.02681"),
            ] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .movedPermanently, "\(uri)")
                    #expect(response.headers[.location] == location, "\(uri)")
                }
            }
            try await client.execute(uri: "/papers/2107.02681", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("VidLanKD"))
            }
            // An unknown local id is still not found.
            try await client.execute(uri: "/papers/pb-000000000000", method: .get) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/api/papers/pb-000000000000", method: .get) { response in
                #expect(response.status == .notFound)
            }
            // Feeds and pages link to the arXiv id now.
            try await client.execute(uri: "/feeds/collections/\(reading.id).rss", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("/papers/2107.02681</link>"))
                #expect(!response.text.contains(local))
            }
            try await client.execute(uri: "/papers/date/2026-05-30", method: .get) { response in
                #expect(response.text.contains("href=\"/papers/2107.02681\""))
                #expect(!response.text.contains("/papers/\(local)"))
            }
        }
    }

    @Test func curatorsSeeAmbiguousMatches() async throws {
        let store = try await makeFixtureStore()
        let title = "UniCoder: Scaling Code Large Language Model via Universal Code"
        let local = LocalPaperID.make(title: title)
        try await store.upsert([
            Paper(id: "2406.16441", title: title, abstract: "One."),
            Paper(id: "2406.99999", title: title, abstract: "Two."),
        ])
        #expect(try await store.paper(id: local) != nil)
        try await withBrowserApp(store: store) { browser, store in
            _ = try await browser.signUp("cura")
            try await store.setRole(username: "cura", role: .curator)
            let page = try await browser.get("/curate")
            #expect(page.status == .ok)
            #expect(page.text.contains("Ambiguous arXiv matches"))
            #expect(page.text.contains("href=\"/papers/\(local)\""))
            #expect(page.text.contains("href=\"/papers/2406.16441\""))
            #expect(page.text.contains("href=\"/papers/2406.99999\""))
            #expect(!page.text.contains("No ambiguous matches."))
        }
    }
}
