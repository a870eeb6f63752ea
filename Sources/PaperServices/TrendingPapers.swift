import Foundation
import PaperModel
import PaperStore

/// What is trending: `TrendingFormula` (upvotes and comments fading with age) over the papers submitted in its
/// window. Here is a store and a time, give me the trending entries.
public enum TrendingPapers {
    /// The trending list at `now`: the window ends now or, when nothing was submitted in it, at the end of the
    /// latest feed day (an archive or a demo still has a trending list). Returns the entries and the time they
    /// are ranked at.
    public static func current(
        store: any PaperStore, now: Date, limit: Int, formula: TrendingFormula = .standard
    ) async throws -> (entries: [FeedEntry], rankedAt: Date) {
        var now = now
        let window = TimeInterval(formula.windowDays) * 86_400
        var entries = try await store.submittedSince(now.addingTimeInterval(-window))
        if entries.isEmpty, let latest = try await store.latestFeedDay(onOrBefore: nil) {
            now = latest.adding(days: 1).startDate
            entries = try await store.submittedSince(now.addingTimeInterval(-window)).filter {
                $0.submission.submittedAt < now
            }
        }
        return (Array(rank(entries, now: now, formula: formula).prefix(limit)), now)
    }

    /// `entries` in trending order at `now` (a paper submitted twice counts once, with its first entry).
    public static func rank(_ entries: [FeedEntry], now: Date, formula: TrendingFormula = .standard) -> [FeedEntry] {
        let byID = Dictionary(entries.map { ($0.paper.id, $0) }, uniquingKeysWith: { a, _ in a })
        return formula.rank(entries.map(candidate), now: now).compactMap { byID[$0.paperID] }
    }

    /// The formula's inputs of a feed entry.
    public static func candidate(_ entry: FeedEntry) -> TrendingFormula.Candidate {
        TrendingFormula.Candidate(
            paperID: entry.paper.id, upvotes: entry.upvotes, comments: entry.commentCount,
            submittedAt: entry.submission.submittedAt)
    }
}
