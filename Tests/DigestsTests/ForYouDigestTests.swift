import Foundation
import Mail
import PaperModel
import PaperStore
import PaperTestSupport
import Testing

@testable import Digests

/// The digest's "For you" section: subscribers linked to an account with signals get their recommendations,
/// one subscriber at a time; others get no such section.
@Suite("Digest: For you")
struct ForYouDigestTests {
    @Test func subscribersWithAnAccountGetTheirOwnForYouSection() async throws {
        let store = try await RecommendationFixture.makeStore()
        try await RecommendationFixture.upvoteSeeds(store)
        let now = RecommendationFixture.now
        let linked = try await store.confirmSubscriber(
            id: try await store.subscribe(email: "ada@example.org", username: "ada", frequency: .daily, at: now).id,
            at: now)
        // `cur` has an account but no signals yet: a cold start, which would only repeat the trending list.
        let cold = try await store.confirmSubscriber(
            id: try await store.subscribe(email: "cur@example.org", username: "cur", frequency: .daily, at: now).id,
            at: now)
        let anonymous = try await confirmedSubscriber(store, "someone@example.org")

        // The robotics paper was submitted on June 13: that day's digest.
        let period = DigestPeriod(.daily, asOf: Day("2026-06-13")!)
        let selector = DigestSelector(store: store, search: nil)
        let papers = try await selector.periodPapers(period)
        #expect(!papers.isEmpty)
        let content = try await selector.content(papers, for: linked)
        #expect(content.forYou.count == selector.forYouCount)
        // The window ends with the period: the paper published on June 14 is not in June 13's digest.
        #expect(content.forYou.allSatisfy { $0.paper.id != "2606.00102" })
        #expect(RecommendationFixture.topic.contains(content.forYou[0].paper.id))
        #expect(content.forYou[0].explanation?.hasPrefix("Because you upvoted") == true)
        #expect(!content.forYou.contains { item in content.top.contains { $0.paper.id == item.paper.id } })
        #expect(try await selector.content(papers, for: cold).forYou.isEmpty)
        #expect(try await selector.content(papers, for: anonymous).forYou.isEmpty)

        let transport = RecordingMailTransport()
        let batch = try await makeBatch(store, transport: transport, clock: { now })
        let report = try await batch.enqueue(period)
        #expect(report.recorded == 3)
        let messages = try await store.outboxMessages(state: .queued)
        let bodies = try Dictionary(
            uniqueKeysWithValues: messages.map { ($0.recipient, try StoredMail.decode($0.payload).textBody) })
        let ada = try #require(bodies["ada@example.org"])
        #expect(ada.contains("\nFor you\n"))
        #expect(ada.contains("Because you upvoted"))
        #expect(ada.contains("https://papers.example.org/papers/\(content.forYou[0].paper.id)"))
        #expect(bodies["cur@example.org"]?.contains("\nFor you\n") == false)
        #expect(bodies["someone@example.org"]?.contains("\nFor you\n") == false)
        let html = try #require(
            try StoredMail.decode(messages.first { $0.recipient == "ada@example.org" }!.payload).htmlBody)
        // Titles with markup stay text in the HTML part.
        #expect(!html.contains("<script>alert(1)</script>"))
    }
}
