import Foundation
import Hummingbird
import HummingbirdTesting
import PaperModel
import PaperStore
import Testing

@testable import PaperWeb

/// The write API's reader signals: Not interested (and its undo) and follows.
@Suite("Write API: reader signals")
struct SignalsAPITests {
    @Test func notInterestedAndFollowsAreSetAndUndone() async throws {
        let (store, _, token) = try await ErrorCatalogTests.fixture()
        try await ErrorCatalogTests.app(store) { client in
            let auth: HTTPFields = [.authorization: "Bearer \(token)"]
            try await client.execute(uri: "/api/papers/2605.00002/not-interested", method: .post, headers: auth) {
                response in
                #expect(response.status == .ok)
                let json = try #require(response.json as? [String: Any])
                #expect(json["paperId"] as? String == "2605.00002" && json["notInterested"] as? Bool == true)
            }
            #expect(try await store.readerSignals(username: "ada").rejected == ["2605.00002"])
            try await client.execute(uri: "/api/papers/2605.00002/not-interested", method: .delete, headers: auth) {
                response in
                #expect(response.status == .ok && (response.json as? [String: Any])?["notInterested"] as? Bool == false)
            }
            #expect(try await store.readerSignals(username: "ada").rejected.isEmpty)
            try await client.execute(uri: "/api/papers/9999.99999/not-interested", method: .post, headers: auth) {
                response in
                #expect(response.status == .notFound)
            }

            try await client.execute(uri: "/api/follows/authors/Zo%C3%AB%20O'Brien", method: .put, headers: auth) {
                response in
                #expect(response.status == .ok)
                let authors = (response.json as? [String: Any])?["authors"] as? [[String: String]]
                #expect(authors == [["key": "zoe o brien", "name": "Zoë O'Brien"]])
            }
            try await client.execute(uri: "/api/follows/categories/cs.CL", method: .put, headers: auth) { response in
                #expect((response.json as? [String: Any])?["categories"] as? [String] == ["cs.CL"])
            }
            try await client.execute(uri: "/api/follows/categories/not%20a%20category", method: .put, headers: auth) {
                response in
                #expect(response.status == .badRequest)
                #expect(ErrorCatalogTests.catalogError(response)?["code"] == "invalid_parameter")
            }
            try await client.execute(uri: "/api/follows/authors/zoe%20o%20brien", method: .delete, headers: auth) {
                response in
                #expect(((response.json as? [String: Any])?["authors"] as? [Any])?.isEmpty == true)
            }
            try await client.execute(uri: "/api/follows", method: .get, headers: auth) { response in
                let json = try #require(response.json as? [String: Any])
                #expect((json["authors"] as? [Any])?.isEmpty == true && json["categories"] as? [String] == ["cs.CL"])
            }
            try await client.execute(uri: "/api/follows", method: .get) { response in
                #expect(
                    response.status == .unauthorized
                        && ErrorCatalogTests.catalogError(response)?["code"] == "unauthorized")
            }
        }
    }
}
