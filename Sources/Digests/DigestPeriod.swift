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
            // ISO weekday: Monday 1 ... Sunday 7.
            let weekday = (Day.calendar.component(.weekday, from: day.startDate) + 5) % 7 + 1
            first = day.adding(days: 1 - weekday)
            last = first.adding(days: 6)
        }
    }

    /// The ISO 8601 week of the period's Monday (`2026-W22`).
    public var isoWeek: String {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: first.startDate)
        return String(format: "%04d-W%02d", c.yearForWeekOfYear!, c.weekOfYear!)
    }

    public var key: String {
        switch frequency {
        case .daily: "daily:\(last)"
        case .weekly: "weekly:\(isoWeek)"
        }
    }

    /// For people: "May 30, 2026" or "the week of May 25, 2026".
    public var label: String {
        switch frequency {
        case .daily: first == last ? Self.long(first) : "\(Self.long(first)) – \(Self.long(last))"
        case .weekly: "the week of \(Self.long(first))"
        }
    }

    /// The end of the period (midnight UTC after its last day): "now" for the trending ranking.
    public var end: Date { last.adding(days: 1).startDate }

    public var description: String { key }

    static func long(_ day: Day) -> String {
        let months = [
            "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
            "November", "December",
        ]
        return "\(months[day.month - 1]) \(day.day), \(day.year)"
    }
}
