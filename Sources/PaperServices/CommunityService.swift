import Foundation
import PaperModel
import PaperStore

/// Who may change what in the community: the decisions every backend would otherwise re-implement, made once
/// above the store. Here is a person and what they ask to change, give me the change or a refusal.
public struct CommunityService: Sendable {
    public let store: any CommunityStore

    public init(store: any CommunityStore) {
        self.store = store
    }

    /// A person asked for something that is not theirs to change.
    public struct Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Curators and admins moderate: they may delete anyone's comment.
    public static func moderates(_ user: User) -> Bool { user.role != .member }

    /// Only a comment's author edits it.
    public func editComment(id: Int64, by user: User, body: String, at date: Date) async throws -> Comment {
        let comment = try await liveComment(id)
        guard Self.same(comment.author, user.username) else {
            throw Refusal(description: "only its author can edit a comment")
        }
        return try await store.editComment(id: id, body: body, at: date)
    }

    /// A comment's author, or a moderator, deletes it.
    public func deleteComment(id: Int64, by user: User, at date: Date) async throws {
        let comment = try await liveComment(id)
        guard Self.moderates(user) || Self.same(comment.author, user.username) else {
            throw Refusal(description: "only its author or a curator can delete a comment")
        }
        try await store.deleteComment(id: id, at: date)
    }

    /// Only a collection's owner adds papers to it or removes them.
    public func setCollectionItem(collectionID: Int64, paperID: String, present: Bool, by user: User) async throws {
        guard let collection = try await store.collection(id: collectionID) else {
            throw StoreError(.notFound, "collection \(collectionID) does not exist")
        }
        guard Self.same(collection.owner, user.username) else {
            throw Refusal(description: "only its owner can change a collection")
        }
        try await store.setCollectionItem(collectionID: collectionID, paperID: paperID, present: present)
    }

    func liveComment(_ id: Int64) async throws -> Comment {
        guard let comment = try await store.comment(id: id), !comment.isDeleted else {
            throw StoreError(.notFound, "comment \(id) does not exist")
        }
        return comment
    }

    /// Usernames compare without case, as accounts are looked up.
    static func same(_ a: String, _ b: String) -> Bool { a.lowercased() == b.lowercased() }
}
