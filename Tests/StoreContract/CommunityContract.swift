import Foundation
import PaperModel
import PaperStore
import Testing

/// Store contract: community.
public struct CommunityContract: Sendable {
    let make: StoreFactory

    func seeded() async throws -> any PaperStore {
        let store = try await make()
        try await store.upsert(["2501.00001", "2501.00002", "2501.00003"].map { samplePaper($0) })
        for name in ["ada", "bob", "cur"] {
            _ = try await store.createUser(
                username: name, displayName: name.capitalized, role: name == "cur" ? .curator : .member,
                passwordHash: "h-\(name)")
        }
        return store
    }

    public func sessionsExpireAndPasswordChangeEndsOtherSessions() async throws {
        let store = try await seeded()
        let now = Date()
        try await store.createSession(username: "ada", tokenHash: "t1", expiresAt: now.addingTimeInterval(3600))
        try await store.createSession(username: "ada", tokenHash: "t2", expiresAt: now.addingTimeInterval(3600))
        try await store.createSession(username: "ada", tokenHash: "old", expiresAt: now.addingTimeInterval(-1))
        #expect(try await store.sessionUser(tokenHash: "t1", now: now)?.username == "ada")
        #expect(try await store.sessionUser(tokenHash: "old", now: now) == nil)
        #expect(try await store.sessionUser(tokenHash: "nope", now: now) == nil)
        #expect(try await store.passwordHash(username: "ada") == "h-ada")
        try await store.setPasswordHash(username: "ada", hash: "h2", keepingSession: "t1")
        #expect(try await store.passwordHash(username: "ada") == "h2")
        #expect(try await store.sessionUser(tokenHash: "t1", now: now)?.username == "ada")
        #expect(try await store.sessionUser(tokenHash: "t2", now: now) == nil)
        try await store.setRole(username: "ada", role: .admin)
        #expect(try await store.sessionUser(tokenHash: "t1", now: now)?.role == .admin)
        try await store.deleteSession(tokenHash: "t1")
        #expect(try await store.sessionUser(tokenHash: "t1", now: now) == nil)
    }

    public func aNewPasswordRevokesTheAccountsAccessTokensOnly() async throws {
        let store = try await seeded()
        _ = try await store.createAccessToken(username: "ada", name: "script", tokenHash: "ada-token")
        _ = try await store.createAccessToken(username: "bob", name: "script", tokenHash: "bob-token")
        try await store.setPasswordHash(username: "ada", hash: "h2", keepingSession: nil)
        #expect(try await store.accessTokenUser(tokenHash: "ada-token", now: Date()) == nil)
        #expect(try await store.accessTokens(username: "ada").isEmpty)
        #expect(try await store.accessTokenUser(tokenHash: "bob-token", now: Date())?.username == "bob")
    }

    public func upvoteTogglesFlipTheStoredStateAndCount() async throws {
        let store = try await seeded()
        #expect(try await store.toggleUpvote(paperID: "2501.00001", username: "ada") == (true, 1))
        #expect(try await store.toggleUpvote(paperID: "2501.00001", username: "bob") == (true, 2))
        #expect(try await store.toggleUpvote(paperID: "2501.00001", username: "ada") == (false, 1))
        #expect(try await store.hasUpvoted(paperID: "2501.00001", username: "bob"))
        await #expect(throws: StoreError.self) { try await store.toggleUpvote(paperID: "2501.99999", username: "ada") }
        await #expect(throws: StoreError.self) {
            try await store.toggleUpvote(paperID: "2501.00001", username: "nobody")
        }
    }

    public func peoplesTextIsTrimmedAndMustNotHoldControlCharacters() async throws {
        let store = try await seeded()
        for bad in ["", "   ", "\u{0}", "a\u{0}b", "bell\u{7}", String(repeating: "x", count: 101)] {
            await #expect(throws: StoreError.self, "\(bad.debugDescription)") {
                _ = try await store.createCollection(owner: "ada", name: bad, isPublic: true)
            }
            await #expect(throws: StoreError.self, "\(bad.debugDescription)") {
                _ = try await store.createAccessToken(username: "ada", name: bad, tokenHash: "t-\(bad.count)")
            }
        }
        await #expect(throws: StoreError.self) {
            _ = try await store.addComment(
                paperID: "2501.00001", author: "ada", parentID: nil, body: "nul\u{0}", at: Date())
        }
        let comment = try await store.addComment(
            paperID: "2501.00001", author: "ada", parentID: nil, body: "  two\nlines\t ", at: Date())
        #expect(comment.body == "two\nlines")
        #expect(try await store.createCollection(owner: "ada", name: " 名前 ", isPublic: false).name == "名前")
    }

    public func accessTokensBelongToTheirOwnerAndRecordUse() async throws {
        let store = try await seeded()
        let token = try await store.createAccessToken(username: "ada", name: "  laptop ", tokenHash: "th1")
        #expect(token.name == "laptop" && token.lastUsedAt == nil)
        _ = try await store.createAccessToken(username: "bob", name: "ci", tokenHash: "th2")
        await #expect(throws: StoreError.self) {
            _ = try await store.createAccessToken(username: "ada", name: "   ", tokenHash: "th3")
        }
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        #expect(try await store.accessTokenUser(tokenHash: "th1", now: now)?.username == "ada")
        #expect(try await store.accessTokenUser(tokenHash: "nope", now: now) == nil)
        #expect(try await store.accessTokens(username: "ada").map(\.lastUsedAt) == [now])
        // Bob cannot delete Ada's token.
        await #expect(throws: StoreError.self) { try await store.deleteAccessToken(id: token.id, username: "bob") }
        try await store.deleteAccessToken(id: token.id, username: "ada")
        #expect(try await store.accessTokenUser(tokenHash: "th1", now: now) == nil)
        #expect(try await store.accessTokens(username: "ada").isEmpty)
        #expect(try await store.accessTokens(username: "bob").count == 1)
    }

    public func feedsOverRangesProfilesAndUpvoters() async throws {
        let store = try await seeded()
        let t = Date(timeIntervalSince1970: 1_780_000_000)
        _ = try await store.submit(
            paperID: "2501.00001", day: Day("2026-05-25")!, submitter: "ada", at: t,
            githubRepo: "https://github.com/o/r", projectPage: nil)
        _ = try await store.submit(
            paperID: "2501.00002", day: Day("2026-05-27")!, submitter: "bob", at: t.addingTimeInterval(10),
            githubRepo: nil, projectPage: "https://p.github.io")
        _ = try await store.submit(
            paperID: "2501.00003", day: Day("2026-06-01")!, submitter: "ada", at: t.addingTimeInterval(20),
            githubRepo: nil, projectPage: nil)
        try await store.setUpvote(paperID: "2501.00002", username: "ada", upvoted: true)
        try await store.setUpvote(paperID: "2501.00002", username: "cur", upvoted: true)
        let week = try await store.feed(from: Day("2026-05-25")!, through: Day("2026-05-31")!, limit: 10, offset: 0)
        #expect(week.map(\.paper.id) == ["2501.00002", "2501.00001"])
        #expect(week.last?.submission.githubRepo == "https://github.com/o/r")
        #expect(
            try await store.feed(from: Day("2026-05-25")!, through: Day("2026-05-31")!, limit: 1, offset: 1).map(
                \.paper.id) == ["2501.00001"])
        #expect(try await store.submissions(by: "ada").map(\.paper.id) == ["2501.00003", "2501.00001"])
        #expect(try await store.submittedSince(t.addingTimeInterval(5)).count == 2)
        #expect(try await store.upvoters(paperID: "2501.00002") == ["ada", "cur"])
        #expect(try await store.hasUpvoted(paperID: "2501.00002", username: "ada"))
        #expect(try await !store.hasUpvoted(paperID: "2501.00002", username: "bob"))
        #expect(try await store.upvotedPapers(by: "ada").map(\.id) == ["2501.00002"])
    }

    public func commentsAreEditedAndDeletedAndRepliesStay() async throws {
        let store = try await seeded()
        let root = try await store.addComment(
            paperID: "2501.00001", author: "ada", parentID: nil, body: "first", at: Date())
        let reply = try await store.addComment(
            paperID: "2501.00001", author: "bob", parentID: root.id, body: "reply", at: Date())
        let read = try #require(try await store.comment(id: root.id))
        #expect(
            read.id == root.id && read.body == "first" && read.author == "ada" && read.parentID == nil
                && !read.isDeleted)
        #expect(try await store.comment(id: 9_999) == nil)
        let edited = try await store.editComment(id: root.id, body: "first (edited)", at: Date())
        #expect(edited.body == "first (edited)")
        #expect(edited.editedAt != nil)
        await #expect(throws: StoreError.self) { try await store.editComment(id: 9_999, body: "x", at: Date()) }
        try await store.deleteComment(id: root.id, at: Date())
        try await store.deleteComment(id: reply.id, at: Date())
        await #expect(throws: StoreError.self) { try await store.deleteComment(id: reply.id, at: Date()) }
        let thread = try await store.comments(paperID: "2501.00001")
        #expect(thread.map(\.isDeleted) == [true, true])
        #expect(thread.allSatisfy { $0.body.isEmpty })
        #expect(try await store.comment(id: root.id)?.isDeleted == true)
        await #expect(throws: StoreError.self) { try await store.editComment(id: root.id, body: "x", at: Date()) }
        await #expect(throws: StoreError.self) {
            try await store.addComment(
                paperID: "2501.00001", author: "bob", parentID: root.id, body: "late", at: Date())
        }
    }

    public func collectionsHoldPapersOnce() async throws {
        let store = try await seeded()
        let reading = try await store.createCollection(owner: "ada", name: "Reading list", isPublic: false)
        #expect(reading.isPublic == false && reading.owner == "ada" && reading.paperCount == 0)
        await #expect(throws: StoreError.self) {
            try await store.createCollection(owner: "ada", name: "Reading list", isPublic: true)
        }
        await #expect(throws: StoreError.self) {
            try await store.createCollection(owner: "ada", name: "  ", isPublic: true)
        }
        try await store.setCollectionItem(collectionID: reading.id, paperID: "2501.00002", present: true)
        try await store.setCollectionItem(collectionID: reading.id, paperID: "2501.00002", present: true)
        try await store.setCollectionItem(collectionID: reading.id, paperID: "2501.00001", present: true)
        await #expect(throws: StoreError.self) {
            try await store.setCollectionItem(collectionID: reading.id, paperID: "9999.99999", present: true)
        }
        await #expect(throws: StoreError.self) {
            try await store.setCollectionItem(collectionID: 9_999, paperID: "2501.00001", present: true)
        }
        #expect(try await store.collection(id: reading.id)?.paperCount == 2)
        try await store.setCollectionItem(collectionID: reading.id, paperID: "2501.00002", present: false)
        #expect(try await store.collectionPapers(id: reading.id).map(\.id) == ["2501.00001"])
        #expect(try await store.collections(owner: "ada").map(\.name) == ["Reading list"])
        #expect(try await store.collections(owner: "bob").isEmpty)
        #expect(try await store.collection(id: 9999) == nil)
    }

    public func authorClaimsNeedAMatchingAuthorAndACurator() async throws {
        let store = try await seeded()
        await #expect(throws: StoreError.self) {
            try await store.claimAuthorship(paperID: "2501.00001", username: "ada", authorName: "Someone Else")
        }
        try await store.claimAuthorship(paperID: "2501.00001", username: "ada", authorName: "Ada Lovelace")
        #expect(
            try await store.pendingClaims() == [
                AuthorClaim(paperID: "2501.00001", username: "ada", authorName: "Ada Lovelace", confirmed: false)
            ])
        try await store.confirmClaim(paperID: "2501.00001", username: "ada")
        #expect(try await store.claims(paperID: "2501.00001").first?.confirmed == true)
        #expect(try await store.pendingClaims().isEmpty)
        await #expect(throws: StoreError.self) { try await store.confirmClaim(paperID: "2501.00002", username: "ada") }
    }

    public static let checks: [StoreContractCheck] = [
        .init("CommunityContract.sessionsExpireAndPasswordChangeEndsOtherSessions") {
            try await CommunityContract(make: $0).sessionsExpireAndPasswordChangeEndsOtherSessions()
        },
        .init("CommunityContract.aNewPasswordRevokesTheAccountsAccessTokensOnly") {
            try await CommunityContract(make: $0).aNewPasswordRevokesTheAccountsAccessTokensOnly()
        },
        .init("CommunityContract.upvoteTogglesFlipTheStoredStateAndCount") {
            try await CommunityContract(make: $0).upvoteTogglesFlipTheStoredStateAndCount()
        },
        .init("CommunityContract.peoplesTextIsTrimmedAndMustNotHoldControlCharacters") {
            try await CommunityContract(make: $0).peoplesTextIsTrimmedAndMustNotHoldControlCharacters()
        },
        .init("CommunityContract.accessTokensBelongToTheirOwnerAndRecordUse") {
            try await CommunityContract(make: $0).accessTokensBelongToTheirOwnerAndRecordUse()
        },
        .init("CommunityContract.feedsOverRangesProfilesAndUpvoters") {
            try await CommunityContract(make: $0).feedsOverRangesProfilesAndUpvoters()
        },
        .init("CommunityContract.commentsAreEditedAndDeletedAndRepliesStay") {
            try await CommunityContract(make: $0).commentsAreEditedAndDeletedAndRepliesStay()
        },
        .init("CommunityContract.collectionsHoldPapersOnce") {
            try await CommunityContract(make: $0).collectionsHoldPapersOnce()
        },
        .init("CommunityContract.authorClaimsNeedAMatchingAuthorAndACurator") {
            try await CommunityContract(make: $0).authorClaimsNeedAMatchingAuthorAndACurator()
        },
    ]
}
