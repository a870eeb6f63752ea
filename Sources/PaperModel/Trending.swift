import Foundation

/// The trending ranking: a time-decayed score of community interest.
///
///     score = (upvotes + commentWeight × comments) / (hoursSinceSubmission + offsetHours) ^ gravity
///
/// The shape of Hacker News' ranking: votes count fully at first and fade with age, so a paper submitted
/// today with 5 upvotes ranks above last week's paper with 20. `offsetHours` keeps brand-new submissions from
/// dividing by ~0; `gravity` sets how fast age wins. Ties break by more upvotes, then the newer submission,
/// then paper id, so the order is deterministic. Only papers submitted within `windowDays` take part.
public struct TrendingFormula: Sendable, Equatable {
    public var commentWeight: Double = 0.5
    public var offsetHours: Double = 2
    public var gravity: Double = 1.5
    public var windowDays: Int = 14

    public init() {}

    public static let standard = TrendingFormula()

    public func score(upvotes: Int, comments: Int, submittedAt: Date, now: Date) -> Double {
        let hours = max(0, now.timeIntervalSince(submittedAt) / 3600)
        return (Double(upvotes) + commentWeight * Double(comments)) / pow(hours + offsetHours, gravity)
    }

    public struct Candidate: Sendable, Equatable {
        public var paperID: String
        public var upvotes: Int
        public var comments: Int
        public var submittedAt: Date

        public init(paperID: String, upvotes: Int, comments: Int, submittedAt: Date) {
            self.paperID = paperID
            self.upvotes = upvotes
            self.comments = comments
            self.submittedAt = submittedAt
        }
    }

    /// `candidates` in trending order.
    public func rank(_ candidates: [Candidate], now: Date) -> [Candidate] {
        candidates
            .map { ($0, score(upvotes: $0.upvotes, comments: $0.comments, submittedAt: $0.submittedAt, now: now)) }
            .sorted { a, b in
                if a.1 != b.1 { return a.1 > b.1 }
                if a.0.upvotes != b.0.upvotes { return a.0.upvotes > b.0.upvotes }
                if a.0.submittedAt != b.0.submittedAt { return a.0.submittedAt > b.0.submittedAt }
                return a.0.paperID < b.0.paperID
            }
            .map(\.0)
    }
}
