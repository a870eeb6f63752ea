import Foundation
import Hummingbird
import HummingbirdTesting
import PaperModel
import PaperStore
import Testing

@testable import PaperWeb

@Suite("Collections and author claims")
struct CollectionTests {
    @Test func privateCollectionsAreHiddenFromOthers() async throws {
        try await withBrowserApp { browser, store in
            _ = try await browser.signUp("alice")
            let created = try await browser.post("/collections", ["name": "Secret reading", "paper": "2605.00001"])
            #expect(created.headers[.location] == "/papers/2605.00001")
            let collection = try #require(try await store.collections(owner: "alice").first)
            #expect(collection.isPublic == false)
            #expect(try await store.collectionPapers(id: collection.id).map(\.id) == ["2605.00001"])
            // Saving through the paper page's form, which names the collection in a field.
            #expect(
                try await browser.post(
                    "/collections/save", ["collection": "\(collection.id)", "paper": "hep-th/9901001"]
                ).status == .seeOther)
            let mine = try await browser.get("/collections/\(collection.id)")
            #expect(mine.status == .ok)
            #expect(mine.text.contains("Old style") && mine.text.contains("private collection"))

            let bob = Browser(client: browser.client)
            #expect(try await bob.get("/collections/\(collection.id)").status == .notFound)
            _ = try await bob.signUp("bobby")
            #expect(try await bob.get("/collections/\(collection.id)").status == .notFound)
            #expect(
                try await bob.post("/collections/save", ["collection": "\(collection.id)", "paper": "2606.00001"])
                    .status == .notFound)
            #expect(!(try await bob.get("/users/alice").text.contains("Secret reading")))
            #expect(try await browser.get("/users/alice").text.contains("Secret reading"))

            _ = try await browser.post("/collections", ["name": "Open list", "public": "on"])
            let open = try #require(try await store.collections(owner: "alice").first { $0.name == "Open list" })
            #expect(try await bob.get("/collections/\(open.id)").status == .ok)
            #expect(try await bob.post("/collections/\(open.id)/items", ["paper": "2606.00001"]).status == .forbidden)
            #expect(try await browser.post("/collections", ["name": " "]).status == .badRequest)
        }
    }

    @Test func authorClaimsAreConfirmedByCurators() async throws {
        try await withBrowserApp { browser, store in
            _ = try await browser.signUp("alice")
            #expect(
                try await browser.post("/papers/2605.00001/claim", ["author": "Not An Author"]).status == .badRequest)
            #expect(try await browser.post("/papers/2605.00001/claim", ["author": "Ada Lovelace"]).status == .seeOther)
            #expect(try await browser.get("/curate").status == .forbidden)
            #expect(
                try await browser.post("/curate/claims", ["paper": "2605.00001", "user": "alice"]).status == .forbidden)

            let curator = Browser(client: browser.client)
            _ = try await curator.signUp("cura")
            try await store.setRole(username: "cura", role: .curator)
            let page = try await curator.get("/curate")
            #expect(page.status == .ok)
            #expect(page.text.contains("says they are <strong>Ada Lovelace</strong>"))
            #expect(
                try await curator.post("/curate/claims", ["paper": "2605.00001", "user": "alice"]).status == .seeOther)
            #expect(try await store.claims(paperID: "2605.00001").first?.confirmed == true)
        }
    }
}
