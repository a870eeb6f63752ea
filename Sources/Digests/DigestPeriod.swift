import Foundation
import PaperModel

/// The days a digest covers: the days ending on the as-of day (daily: one day, or Friday to Sunday for the Monday
/// digest) or the ISO week, Monday to Sunday, that contains the as-of day (weekly). Its `key` names it in
/// idempotency keys by its last day: `daily:2026-05-30`, `weekly:2026-W22`.
public struct DigestPeriod: Sendable, Equatable, CustomStringConvertible {
    public var frequency: DigestFrequency
    public var first: Day
    public var last: Day

    public init(_ frequency: DigestFrequency, asOf day: Day, days: Int = 1) {
        self.frequency = frequency
        switch frequency {
        case .daily:
            first = day.adding(days: 1 - max(1, days))
            last = day
        case .weekly:
            let week = FeedPeriod.week(containing: day)
            first = week.first
            last = week.last
        }
    }

    /// The ISO 8601 week of the period's Monday (`2026-W22`).
    public var isoWeek: String { FeedPeriod.week(containing: first).name }

    public var key: String {
        switch frequency {
        case .daily: "daily:\(last)"
        case .weekly: "weekly:\(isoWeek)"
        }
    }

    /// For people: "May 30, 2026" or "the week of May 25, 2026".
    public var label: String {
        switch frequency {
        case .daily: first == last ? first.longText : "\(first.longText) – \(last.longText)"
        case .weekly: "the week of \(first.longText)"
        }
    }

    /// The end of the period (midnight UTC after its last day): "now" for the trending ranking.
    public var end: Date { last.adding(days: 1).startDate }

    public var description: String { key }
}
