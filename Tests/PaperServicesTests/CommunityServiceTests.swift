import Foundation
import PaperModel
import PaperServices
import PaperStore
import Testing

/// Who may change what: decided by `CommunityService`, above any store.
@Suite("Community permissions")
struct CommunityServiceTests {
    static func fixture() async throws -> (SQLitePaperStore, CommunityService, ada: User, bob: User, curator: User) {
        let store = try SQLitePaperStore.inMemory()
        try await store.upsert([Paper(id: "2501.00001", title: "A paper", abstract: "Text.")])
        let ada = try await store.createUser(username: "ada", displayName: "Ada", role: .member, passwordHash: nil)
        let bob = try await store.createUser(username: "bob", displayName: "Bob", role: .member, passwordHash: nil)
        let curator = try await store.createUser(username: "cur", displayName: "Cur", role: .curator, passwordHash: nil)
        return (store, CommunityService(store: store), ada, bob, curator)
    }

    @Test func onlyTheAuthorEditsAndTheAuthorOrAModeratorDeletes() async throws {
        let (store, community, ada, bob, curator) = try await Self.fixture()
        let root = try await store.addComment(
            paperID: "2501.00001", author: "ada", parentID: nil, body: "first", at: Date())
        let reply = try await store.addComment(
            paperID: "2501.00001", author: "bob", parentID: root.id, body: "reply", at: Date())
        await #expect(throws: CommunityService.Refusal.self) {
            _ = try await community.editComment(id: root.id, by: bob, body: "x", at: Date())
        }
        #expect(try await store.comment(id: root.id)?.body == "first")
        #expect(
            try await community.editComment(id: root.id, by: ada, body: "first (edited)", at: Date()).body
                == "first (edited)")
        await #expect(throws: CommunityService.Refusal.self) {
            try await community.deleteComment(id: reply.id, by: ada, at: Date())
        }
        #expect(try await store.comment(id: reply.id)?.isDeleted == false)
        try await community.deleteComment(id: root.id, by: ada, at: Date())
        try await community.deleteComment(id: reply.id, by: curator, at: Date())
        #expect(try await store.comments(paperID: "2501.00001").map(\.isDeleted) == [true, true])
        await #expect(throws: StoreError.self) {
            _ = try await community.editComment(id: root.id, by: ada, body: "x", at: Date())
        }
    }

    @Test func onlyTheOwnerChangesACollection() async throws {
        let (store, community, ada, bob, curator) = try await Self.fixture()
        let reading = try await store.createCollection(owner: "ada", name: "Reading", isPublic: true)
        for stranger in [bob, curator] {
            await #expect(throws: CommunityService.Refusal.self) {
                try await community.setCollectionItem(
                    collectionID: reading.id, paperID: "2501.00001", present: true, by: stranger)
            }
        }
        #expect(try await store.collection(id: reading.id)?.paperCount == 0)
        try await community.setCollectionItem(collectionID: reading.id, paperID: "2501.00001", present: true, by: ada)
        #expect(try await store.collection(id: reading.id)?.paperCount == 1)
        await #expect(throws: StoreError.self) {
            try await community.setCollectionItem(collectionID: 9_999, paperID: "2501.00001", present: true, by: ada)
        }
    }
}
