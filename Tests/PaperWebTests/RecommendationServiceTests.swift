import Foundation
import PaperModel
import PaperServices
import PaperStore
import PaperSupport
import PaperTestSupport
import Testing

/// The "For you" recommender over a real SQLite store: candidates of the window, positives, negatives, follows,
/// cold start, explanations, and the shared index following the store.
@Suite("Recommendations service")
struct RecommendationServiceTests {
    /// Every rebuild on the request that notices (a loaded machine must not make a tiny build count as slow).
    static func service(
        _ store: any PaperStore, vectors: (any PaperVectorSource)? = nil, slowBuild: Duration = .seconds(3600)
    ) -> RecommendationService {
        var settings = RecommendationSettings()
        settings.slowBuild = slowBuild
        settings.requestWait = nil
        return RecommendationService(
            store: store, vectors: vectors, settings: settings, clock: .fixed(RecommendationFixture.now))
    }

    @Test func threeUpvotesOnOneTopicRankThatTopicsNewPapersFirstWithTheNearestUpvote() async throws {
        let store = try await RecommendationFixture.makeStore()
        try await RecommendationFixture.upvoteSeeds(store)
        let feed = try await Self.service(store).recommendations(for: "ada")
        #expect(!feed.coldStart)
        #expect(feed.windowStart == Day("2026-06-02")! && feed.windowEnd == Day("2026-06-15")!)
        let top = feed.items.prefix(RecommendationFixture.topic.count)
        #expect(Set(top.map(\.paper.id)) == Set(RecommendationFixture.topic))
        for item in top {
            #expect(item.reason == .similar)
            #expect(item.because?.source == .upvoted)
            #expect(
                item.because?.paperID == RecommendationFixture.nearestSeed[item.paper.id],
                "\(item.paper.id) should be explained by \(RecommendationFixture.nearestSeed[item.paper.id] ?? "")")
            #expect(!item.terms.isEmpty)
            #expect(item.explanation.hasPrefix("Because you upvoted “"))
        }
        // The old paper submitted to the feed inside the window is a candidate; the upvoted seeds are not shown.
        #expect(feed.items.contains { $0.paper.id == "2401.00301" })
        #expect(!feed.items.contains { RecommendationFixture.seeds.contains($0.paper.id) })
    }

    @Test func upvotedAndRejectedPapersNeverAppearAndUndoBringsThemBack() async throws {
        let store = try await RecommendationFixture.makeStore()
        try await RecommendationFixture.upvoteSeeds(store)
        let service = Self.service(store)
        try await store.setUpvote(paperID: "2606.00101", username: "ada", upvoted: true)
        try await store.setNotInterested(
            paperID: "2606.00103", username: "ada", rejected: true, at: RecommendationFixture.now)
        let feed = try await service.recommendations(for: "ada", limit: 50)
        let ids = feed.items.map(\.paper.id)
        #expect(!ids.contains("2606.00101") && !ids.contains("2606.00103"))
        #expect(ids.count == RecommendationFixture.papers.count - 3 - 2)

        try await store.setNotInterested(
            paperID: "2606.00103", username: "ada", rejected: false, at: RecommendationFixture.now)
        let undone = try await service.recommendations(for: "ada", limit: 50).items.map(\.paper.id)
        #expect(Array(undone.prefix(5)).contains("2606.00103"))
        #expect(!undone.contains("2606.00101"))
    }

    @Test func openedPapersAreSeenAndLeftOutUntilForgotten() async throws {
        let store = try await RecommendationFixture.makeStore()
        try await RecommendationFixture.upvoteSeeds(store)
        let service = Self.service(store)
        let before = try await service.recommendations(for: "ada", limit: 50).items.map(\.paper.id)
        let opened = try #require(before.first)
        try await store.markSeen(paperID: opened, username: "ada", at: RecommendationFixture.now)
        let after = try await service.recommendations(for: "ada", limit: 50).items.map(\.paper.id)
        #expect(!after.contains(opened))
        // Only the opened paper goes (the others may swap places: diversity depends on what was picked before).
        #expect(Set(after) == Set(before).subtracting([opened]))
        // Another reader's openings are theirs.
        _ = try await store.createUser(username: "bea", displayName: "Bea", role: .member, passwordHash: nil)
        try await store.markSeen(paperID: before[1], username: "bea", at: RecommendationFixture.now)
        #expect(try await service.recommendations(for: "ada", limit: 50).items.map(\.paper.id) == after)
        try await store.forgetSeen(username: "ada")
        #expect(try await service.recommendations(for: "ada", limit: 50).items.map(\.paper.id) == before)
    }

    @Test func aNewVersionIsOnePaperWithItsNewText() async throws {
        let store = try await RecommendationFixture.makeStore()
        try await RecommendationFixture.upvoteSeeds(store)
        let service = Self.service(store)
        let original = try #require(RecommendationFixture.papers.first { $0.id == "2606.00105" })
        var revised = original
        revised.version = 2
        revised.title = "Cheaper magic state distillation factories (revised)"
        try await store.upsert([revised])
        let items = try await service.recommendations(for: "ada", limit: 50).items
        let copies = items.filter { $0.paper.id == "2606.00105" }
        #expect(copies.count == 1)
        #expect(copies.first?.paper.version == 2 && copies.first?.paper.title == revised.title)
        #expect(Set(items.map(\.paper.id)).count == items.count)
    }

    @Test func coldStartSaysSoAndFollowsDecideTheOrder() async throws {
        let store = try await RecommendationFixture.makeStore()
        let service = Self.service(store)
        let cold = try await service.recommendations(for: "ada")
        #expect(cold.coldStart)
        #expect(cold.items.allSatisfy { $0.because == nil && [.trending, .recent].contains($0.reason) })
        #expect(cold.items.contains { $0.paper.id == "2401.00301" })
        // `cur` submitted it to the daily feed: seen, so not recommended to them.
        #expect(
            !(try await service.recommendations(for: "cur", limit: 50).items.contains { $0.paper.id == "2401.00301" }))

        try await store.setAuthorFollow(
            username: "ada", authorName: "vera  RUBIN", following: true, at: RecommendationFixture.now)
        try await store.setCategoryFollow(
            username: "ada", category: "cs.CL", following: true, at: RecommendationFixture.now)
        let followed = try await service.recommendations(for: "ada")
        #expect(followed.coldStart)
        #expect(followed.items.map(\.paper.id).prefix(2) == ["2606.00205", "2606.00207"])
        #expect(followed.items[0].reason == .followedAuthor && followed.items[0].followedAuthor == "Vera Rubin")
        #expect(followed.items[0].explanation.contains("By an author you follow: Vera Rubin"))
        #expect(followed.items[1].reason == .followedCategory)
        #expect(followed.items[1].explanation.contains("In cs.CL, which you follow"))
    }

    @Test func followingAnAuthorLiftsTheirPaperInAWarmFeed() async throws {
        let store = try await RecommendationFixture.makeStore()
        try await RecommendationFixture.upvoteSeeds(store)
        let service = Self.service(store)
        func rank(_ id: String) async throws -> Int? {
            try await service.recommendations(for: "ada", limit: 50).items.firstIndex { $0.paper.id == id }
        }
        let before = try #require(try await rank("2606.00207"))
        #expect(before >= RecommendationFixture.topic.count)
        try await store.setAuthorFollow(
            username: "ada", authorName: "Grace Hopper", following: true, at: RecommendationFixture.now)
        let after = try #require(try await rank("2606.00207"))
        #expect(after < before)
        let item = try await service.recommendations(for: "ada", limit: 50).items[after]
        #expect(item.followedAuthor == "Grace Hopper" && item.reason == .followedAuthor)
    }

    @Test func theSharedIndexFollowsTheStore() async throws {
        let store = try await RecommendationFixture.makeStore()
        try await RecommendationFixture.upvoteSeeds(store)
        let service = Self.service(store)
        #expect(try await service.recommendations(for: "ada").candidates == RecommendationFixture.papers.count - 3)
        try await store.upsert([
            Paper(
                id: "2606.00109", title: "Surface code matching decoders on hardware",
                abstract:
                    "Minimum weight perfect matching decoders for the surface code on syndrome measurements of noisy qubits.",
                categories: ["quant-ph"], publishedAt: Day("2026-06-14")!.startDate)
        ])
        let feed = try await service.recommendations(for: "ada")
        #expect(feed.candidates == RecommendationFixture.papers.count - 2)
        #expect(feed.items.prefix(RecommendationFixture.topic.count + 1).contains { $0.paper.id == "2606.00109" })
    }

    /// A slow index is rebuilt in the background: requests keep the previous one until the new one is there.
    @Test func aSlowIndexIsRebuiltInTheBackground() async throws {
        let store = try await RecommendationFixture.makeStore()
        try await RecommendationFixture.upvoteSeeds(store)
        let service = Self.service(store, slowBuild: .zero)
        let before = RecommendationFixture.papers.count - 3
        #expect(try await service.recommendations(for: "ada").candidates == before)
        try await store.upsert([
            Paper(
                id: "2606.00109", title: "Surface code matching decoders on hardware",
                abstract: "Minimum weight perfect matching decoders for the surface code.", categories: ["quant-ph"],
                publishedAt: Day("2026-06-14")!.startDate)
        ])
        // The request that notices the change is answered from the kept index and starts the rebuild.
        #expect(try await service.recommendations(for: "ada").candidates == before)
        var attempts = 0
        while try await service.recommendations(for: "ada").candidates == before, attempts < 500 {
            attempts += 1
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(try await service.recommendations(for: "ada").candidates == before + 1)
    }

    /// A first build slower than the request's wait answers "preparing" (an empty list, not a cold start), and the
    /// build goes on: the next request, which waits, gets the list.
    @Test func aRequestDoesNotWaitLongForTheFirstBuild() async throws {
        struct SlowVectors: PaperVectorSource {
            var vectorGeneration: Int64 { 0 }
            func paperVector(_ paperID: String) -> [Float]? {
                Thread.sleep(forTimeInterval: 0.2)  // 14 candidates: the build takes ~3 s
                return nil
            }
        }
        let store = try await RecommendationFixture.makeStore()
        try await RecommendationFixture.upvoteSeeds(store)
        var settings = RecommendationSettings()
        settings.requestWait = .milliseconds(1)
        let service = RecommendationService(
            store: store, vectors: SlowVectors(), settings: settings, clock: .fixed(RecommendationFixture.now))
        let early = try await service.recommendations(for: "ada")
        #expect(early.preparing && early.items.isEmpty && !early.coldStart)
        let later = try await service.recommendations(for: "ada", waitForIndex: true)
        #expect(!later.preparing && Set(later.items.prefix(6).map(\.paper.id)) == Set(RecommendationFixture.topic))
    }

    /// Vectors from the search engine (here a stand-in) take part when the index and the positives have them.
    @Test func sentenceVectorsTakePartWhenThereAreAny() async throws {
        struct Vectors: PaperVectorSource {
            var vectorGeneration: Int64 { 1 }
            func paperVector(_ paperID: String) -> [Float]? {
                // The quantum papers point one way, the rest another; each paper a little off its axis, so no
                // two count as near-duplicates (cosine 0.74 between two quantum papers).
                guard let index = RecommendationFixture.papers.firstIndex(where: { $0.id == paperID }) else {
                    return nil
                }
                let quantum = RecommendationFixture.papers[index].categories == ["quant-ph"]
                var vector = [Float](repeating: 0, count: 2 + RecommendationFixture.papers.count)
                vector[quantum ? 0 : 1] = 1
                vector[2 + index] = 0.6
                return vector
            }
        }
        let store = try await RecommendationFixture.makeStore()
        try await RecommendationFixture.upvoteSeeds(store)
        let feed = try await Self.service(store, vectors: Vectors()).recommendations(for: "ada")
        #expect(feed.usedEmbeddings)
        #expect(
            Set(feed.items.prefix(RecommendationFixture.topic.count).map(\.paper.id))
                == Set(RecommendationFixture.topic))
        let lexical = try await Self.service(store).recommendations(for: "ada")
        #expect(!lexical.usedEmbeddings)
    }

    @Test func moreLikeACollectionUsesItsPapersAsPositives() async throws {
        let store = try await RecommendationFixture.makeStore()
        let collection = try await store.createCollection(owner: "ada", name: "Galaxies", isPublic: true)
        try await store.setCollectionItem(collectionID: collection.id, paperID: "2606.00205", present: true)
        let feed = try await Self.service(store).moreLike(collectionID: collection.id, viewer: nil, limit: 3)
        #expect(!feed.coldStart)
        #expect(feed.items.first?.paper.id == "2606.00206")
        #expect(feed.items.first?.because?.source == .collection)
        #expect(feed.items.first?.explanation.hasPrefix("Like “Galaxy formation in cosmological simulations”") == true)
        #expect(!feed.items.contains { $0.paper.id == "2606.00205" })
    }
}
