import Foundation
import PaperModel
import PaperStore
import Testing

/// Store contract: what readers tell the recommender.
public struct SignalsContract: Sendable {
    let make: StoreFactory

    func seeded() async throws -> any PaperStore {
        let store = try await make()
        try await store.upsert(["2501.00001", "2501.00002", "2501.00003"].map { samplePaper($0) })
        for name in ["ada", "bob", "cur"] {
            _ = try await store.createUser(
                username: name, displayName: name, role: name == "cur" ? .curator : .member, passwordHash: nil)
        }
        return store
    }

    public func notInterestedMarksAreKeptPerReaderAndUndone() async throws {
        let store = try await seeded()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        try await store.setNotInterested(paperID: "2501.00001", username: "ada", rejected: true, at: t0)
        try await store.setNotInterested(
            paperID: "2501.00002", username: "ada", rejected: true, at: t0.addingTimeInterval(60))
        try await store.setNotInterested(
            paperID: "2501.00002", username: "ada", rejected: true, at: t0.addingTimeInterval(120))
        #expect(try await store.readerSignals(username: "ada").rejected == ["2501.00002", "2501.00001"])
        #expect(try await store.readerSignals(username: "bob").rejected.isEmpty)
        try await store.setNotInterested(paperID: "2501.00002", username: "ada", rejected: false, at: t0)
        try await store.setNotInterested(paperID: "2501.00003", username: "ada", rejected: false, at: t0)
        #expect(try await store.readerSignals(username: "ada").rejected == ["2501.00001"])
        await #expect(throws: StoreError.self) {
            try await store.setNotInterested(paperID: "9999.99999", username: "ada", rejected: true, at: t0)
        }
        await #expect(throws: StoreError.self) {
            try await store.setNotInterested(paperID: "2501.00001", username: "nobody", rejected: true, at: t0)
        }
    }

    public func followsAreByNormalizedNameAndCategory() async throws {
        let store = try await seeded()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        try await store.setAuthorFollow(username: "ada", authorName: "Zoë O'Brien-Smith", following: true, at: t0)
        try await store.setAuthorFollow(username: "ada", authorName: "zoe  o brien smith", following: true, at: t0)
        try await store.setAuthorFollow(
            username: "ada", authorName: "Alan Turing", following: true, at: t0.addingTimeInterval(1))
        #expect(
            try await store.readerSignals(username: "ada").followedAuthors == [
                FollowedAuthor(key: "zoe o brien smith", name: "Zoë O'Brien-Smith"),
                FollowedAuthor(key: "alan turing", name: "Alan Turing"),
            ])
        try await store.setAuthorFollow(username: "ada", authorName: "ZOE O BRIEN SMITH", following: false, at: t0)
        #expect(try await store.readerSignals(username: "ada").followedAuthors.map(\.key) == ["alan turing"])
        for bad in ["", " -- ", String(repeating: "a", count: 201), "Ada\u{0}Lovelace"] {
            await #expect(throws: StoreError.self, "\(bad.debugDescription)") {
                try await store.setAuthorFollow(username: "ada", authorName: bad, following: true, at: t0)
            }
        }
        try await store.setCategoryFollow(username: "ada", category: "cs.CL", following: true, at: t0)
        try await store.setCategoryFollow(
            username: "ada", category: "hep-th", following: true, at: t0.addingTimeInterval(1))
        try await store.setCategoryFollow(
            username: "ada", category: "cs.CL", following: true, at: t0.addingTimeInterval(2))
        #expect(try await store.readerSignals(username: "ada").followedCategories == ["cs.CL", "hep-th"])
        try await store.setCategoryFollow(username: "ada", category: "cs.CL", following: false, at: t0)
        #expect(try await store.readerSignals(username: "ada").followedCategories == ["hep-th"])
        for bad in ["", "cs..CL", "a b", "<x>", String(repeating: "c", count: 41)] {
            await #expect(throws: StoreError.self, "\(bad.debugDescription)") {
                try await store.setCategoryFollow(username: "ada", category: bad, following: true, at: t0)
            }
        }
        #expect(try await store.readerSignals(username: "bob") == ReaderSignals())
    }

    public func signalsGatherUpvotesCollectionsAndConfirmedAuthorship() async throws {
        let store = try await seeded()
        try await store.setUpvote(paperID: "2501.00002", username: "ada", upvoted: true)
        let reading = try await store.createCollection(owner: "ada", name: "Reading", isPublic: false)
        try await store.setCollectionItem(collectionID: reading.id, paperID: "2501.00003", present: true)
        try await store.claimAuthorship(paperID: "2501.00001", username: "ada", authorName: "Ada Lovelace")
        #expect(
            try await store.readerSignals(username: "ada").authored.isEmpty, "a claim counts once a curator confirms it"
        )
        try await store.confirmClaim(paperID: "2501.00001", username: "ada")
        let signals = try await store.readerSignals(username: "ada")
        #expect(
            signals.upvoted == ["2501.00002"] && signals.collected == ["2501.00003"]
                && signals.authored == ["2501.00001"])
        #expect(signals.positives == ["2501.00002", "2501.00003", "2501.00001"])
        await #expect(throws: StoreError.self) { _ = try await store.readerSignals(username: "nobody") }
    }

    public func openedPapersAreSeenLatestFirstAndForgotten() async throws {
        let store = try await seeded()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        try await store.markSeen(paperID: "2501.00001", username: "ada", at: t0)
        try await store.markSeen(paperID: "2501.00002", username: "ada", at: t0.addingTimeInterval(60))
        try await store.markSeen(paperID: "2501.00003", username: "bob", at: t0)
        #expect(try await store.readerSignals(username: "ada").seen == ["2501.00002", "2501.00001"])
        // Opening it again makes it the latest; a time from a slower clock does not move it back.
        try await store.markSeen(paperID: "2501.00001", username: "ada", at: t0.addingTimeInterval(120))
        try await store.markSeen(paperID: "2501.00002", username: "ada", at: t0)
        #expect(try await store.readerSignals(username: "ada").seen == ["2501.00001", "2501.00002"])
        #expect(try await store.seenCount(username: "ada") == 2)
        await #expect(throws: StoreError.self) {
            try await store.markSeen(paperID: "9999.99999", username: "ada", at: t0)
        }
        await #expect(throws: StoreError.self) {
            try await store.markSeen(paperID: "2501.00001", username: "nobody", at: t0)
        }
        #expect(try await store.forgetSeen(username: "ada") == 2)
        #expect(try await store.readerSignals(username: "ada").seen.isEmpty)
        #expect(try await store.seenCount(username: "ada") == 0)
        #expect(try await store.readerSignals(username: "bob").seen == ["2501.00003"], "only ada's are forgotten")
        #expect(try await store.forgetSeen(username: "ada") == 0)
        // At most the latest `seenLimit` count as seen.
        let many = (0..<(ReaderSignals.seenLimit + 5)).map { String(format: "2502.%05d", $0) }
        try await store.upsert(many.map { samplePaper($0) })
        for (k, id) in many.enumerated() {
            try await store.markSeen(paperID: id, username: "cur", at: t0.addingTimeInterval(Double(k)))
        }
        let seen = try await store.readerSignals(username: "cur").seen
        #expect(seen.count == ReaderSignals.seenLimit && seen.first == many.last && !seen.contains(many[4]))
        #expect(try await store.seenCount(username: "cur") == many.count)
    }

    public func aPrivateFeedTokenIsReplacedAndRevoked() async throws {
        let store = try await seeded()
        let (one, two) = (String(repeating: "a", count: 64), String(repeating: "b", count: 64))
        #expect(try await !store.hasRecommendationFeedToken(username: "ada"))
        try await store.setRecommendationFeedToken(username: "ada", tokenHash: one, at: Date())
        #expect(try await store.recommendationFeedUser(tokenHash: one)?.username == "ada")
        #expect(try await store.hasRecommendationFeedToken(username: "ada"))
        try await store.setRecommendationFeedToken(username: "ada", tokenHash: two, at: Date())
        #expect(try await store.recommendationFeedUser(tokenHash: one) == nil, "a new token replaces the old")
        #expect(try await store.recommendationFeedUser(tokenHash: two)?.username == "ada")
        try await store.setRecommendationFeedToken(username: "ada", tokenHash: nil, at: Date())
        #expect(try await store.recommendationFeedUser(tokenHash: two) == nil)
        #expect(try await !store.hasRecommendationFeedToken(username: "ada"))
    }

    public static let checks: [StoreContractCheck] = [
        .init("SignalsContract.notInterestedMarksAreKeptPerReaderAndUndone") {
            try await SignalsContract(make: $0).notInterestedMarksAreKeptPerReaderAndUndone()
        },
        .init("SignalsContract.followsAreByNormalizedNameAndCategory") {
            try await SignalsContract(make: $0).followsAreByNormalizedNameAndCategory()
        },
        .init("SignalsContract.signalsGatherUpvotesCollectionsAndConfirmedAuthorship") {
            try await SignalsContract(make: $0).signalsGatherUpvotesCollectionsAndConfirmedAuthorship()
        },
        .init("SignalsContract.openedPapersAreSeenLatestFirstAndForgotten") {
            try await SignalsContract(make: $0).openedPapersAreSeenLatestFirstAndForgotten()
        },
        .init("SignalsContract.aPrivateFeedTokenIsReplacedAndRevoked") {
            try await SignalsContract(make: $0).aPrivateFeedTokenIsReplacedAndRevoked()
        },
    ]
}
