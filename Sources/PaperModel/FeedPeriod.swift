import Foundation

/// A span of days a feed page or a digest covers: an ISO 8601 week (`2026-W22`, Monday to Sunday) or a month (`2026-05`).
public struct FeedPeriod: Equatable, Sendable {
    public var name: String
    public var first: Day
    public var last: Day

    public static let isoCalendar: Calendar = {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    public static func week(containing day: Day) -> FeedPeriod {
        let c = isoCalendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: day.startDate)
        return week(year: c.yearForWeekOfYear!, week: c.weekOfYear!)!
    }

    public static func week(year: Int, week: Int) -> FeedPeriod? {
        var components = DateComponents()
        components.yearForWeekOfYear = year
        components.weekOfYear = week
        components.weekday = 2  // Monday
        guard (1...53).contains(week), (1...9999).contains(year), let monday = isoCalendar.date(from: components) else { return nil }
        let c = isoCalendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: monday)
        guard c.yearForWeekOfYear == year, c.weekOfYear == week else { return nil }  // week 53 of a 52-week year
        let first = Day(monday)
        return FeedPeriod(name: String(format: "%04d-W%02d", year, week), first: first, last: first.adding(days: 6))
    }

    /// Parses exactly `YYYY-Www`.
    public static func week(_ text: String) -> FeedPeriod? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 3, parts[1].first == "W",
              let year = Int(parts[0]), let week = Int(parts[1].dropFirst()), parts[0].allSatisfy(\.isNumber)
        else { return nil }
        return Self.week(year: year, week: week)
    }

    public static func month(containing day: Day) -> FeedPeriod {
        month(year: day.year, month: day.month)!
    }

    public static func month(year: Int, month: Int) -> FeedPeriod? {
        guard let first = Day(year: year, month: month, day: 1) else { return nil }
        let next = month == 12 ? Day(year: year + 1, month: 1, day: 1)! : Day(year: year, month: month + 1, day: 1)!
        return FeedPeriod(name: String(format: "%04d-%02d", year, month), first: first, last: next.adding(days: -1))
    }

    /// Parses exactly `YYYY-MM`.
    public static func month(_ text: String) -> FeedPeriod? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isNumber) }), let y = Int(parts[0]), let m = Int(parts[1])
        else { return nil }
        return month(year: y, month: m)
    }

    public var previousWeek: FeedPeriod { Self.week(containing: first.adding(days: -1)) }
    public var nextWeek: FeedPeriod { Self.week(containing: last.adding(days: 1)) }
    public var previousMonth: FeedPeriod { Self.month(containing: first.adding(days: -1)) }
    public var nextMonth: FeedPeriod { Self.month(containing: last.adding(days: 1)) }
}

extension Day {
    public static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]

    /// "May 30, 2026", for pages and mail.
    public var longText: String { "\(Day.monthNames[month - 1]) \(day), \(year)" }
}
