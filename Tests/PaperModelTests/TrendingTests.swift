import Foundation
import Testing

@testable import PaperModel

@Suite("Trending ranking")
struct TrendingTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    func hoursAgo(_ h: Double) -> Date { now.addingTimeInterval(-h * 3600) }

    @Test func freshInterestBeatsOldInterest() {
        let formula = TrendingFormula.standard
        let ranked = formula.rank(
            [
                .init(paperID: "old", upvotes: 20, comments: 0, submittedAt: hoursAgo(24 * 7)),
                .init(paperID: "new", upvotes: 5, comments: 0, submittedAt: hoursAgo(3)),
                .init(paperID: "none", upvotes: 0, comments: 0, submittedAt: hoursAgo(1)),
            ], now: now)
        #expect(ranked.map(\.paperID) == ["new", "old", "none"])
        // The formula as documented: (5 + 0) / (3 + 2)^1.5
        #expect(
            abs(formula.score(upvotes: 5, comments: 0, submittedAt: hoursAgo(3), now: now) - 5 / pow(5, 1.5)) < 1e-12)
    }

    @Test func commentsCountHalfAnUpvote() {
        let formula = TrendingFormula.standard
        let t = hoursAgo(10)
        #expect(
            formula.score(upvotes: 2, comments: 2, submittedAt: t, now: now)
                == formula.score(upvotes: 3, comments: 0, submittedAt: t, now: now))
    }

    @Test func tiesBreakDeterministically() {
        let t = hoursAgo(5)
        let input: [TrendingFormula.Candidate] = [
            .init(paperID: "b", upvotes: 0, comments: 0, submittedAt: t),
            .init(paperID: "a", upvotes: 0, comments: 0, submittedAt: t),
            .init(paperID: "c", upvotes: 0, comments: 0, submittedAt: hoursAgo(1)),
        ]
        #expect(TrendingFormula.standard.rank(input, now: now).map(\.paperID) == ["c", "a", "b"])
        #expect(TrendingFormula.standard.rank(input.reversed(), now: now).map(\.paperID) == ["c", "a", "b"])
    }
}
