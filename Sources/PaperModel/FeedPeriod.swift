import Foundation

/// A span of days a feed page or a digest covers: an ISO 8601 week (`2026-W22`, Monday to Sunday) or a month (`2026-05`).
///
/// Total over the range of days: every day is in exactly one week and one month. The last ISO week, 9999-W52,
/// ends on 9999-12-31 (its Saturday and Sunday are past the range of days); there is no period before 0001-W01
/// or 0001-01 and none after 9999-W52 or 9999-12, so `previous…`/`next…` are nil there.
public struct FeedPeriod: Equatable, Sendable {
    public var name: String
    public var first: Day
    public var last: Day

    public static let isoCalendar: Calendar = {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// The Monday of ISO week 1 of `year`: the week with the year's first Thursday (the one holding January 4).
    static func mondayOfWeekOne(_ year: Int) -> Int {
        let january4 = Day.civilDays(year: year, month: 1, day: 4)  // year 10000 too: it ends 9999's last week
        return january4 - (Day.isoWeekday(daysSinceEpoch: january4) - 1)
    }

    /// ISO weeks in `year`: 52 or 53.
    public static func weeksIn(year: Int) -> Int { (mondayOfWeekOne(year + 1) - mondayOfWeekOne(year)) / 7 }

    public static func week(containing day: Day) -> FeedPeriod {
        let z = day.daysSinceEpoch
        let monday = z - (day.isoWeekday - 1)
        // The ISO year is the year of the week's Thursday.
        let isoYear = Day(daysSinceEpoch: monday + 3).year
        let week = (monday - mondayOfWeekOne(isoYear)) / 7 + 1
        return period(year: isoYear, week: week, monday: monday)
    }

    public static func week(year: Int, week: Int) -> FeedPeriod? {
        guard (1...9999).contains(year), week >= 1, week <= weeksIn(year: year) else { return nil }
        return period(year: year, week: week, monday: mondayOfWeekOne(year) + (week - 1) * 7)
    }

    private static func period(year: Int, week: Int, monday: Int) -> FeedPeriod {
        FeedPeriod(
            name: String(decoding: Day.digits(year, 4) + Array("-W".utf8) + Day.digits(week, 2), as: UTF8.self),
            first: Day(daysSinceEpoch: monday), last: Day(daysSinceEpoch: monday + 6))
    }

    /// Parses exactly `YYYY-Www`.
    public static func week(_ text: String) -> FeedPeriod? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 3, parts[1].first == "W",
            parts[0].allSatisfy(\.isASCIIDigit), parts[1].dropFirst().allSatisfy(\.isASCIIDigit),
            let year = Int(parts[0]), let week = Int(parts[1].dropFirst())
        else { return nil }
        return Self.week(year: year, week: week)
    }

    public static func month(containing day: Day) -> FeedPeriod {
        // A stored Day is always a valid day, so its month is too.
        month(year: day.year, month: day.month) ?? FeedPeriod(name: "", first: day, last: day)
    }

    public static func month(year: Int, month: Int) -> FeedPeriod? {
        guard let first = Day(year: year, month: month, day: 1),
            let last = Day(year: year, month: month, day: Day.daysIn(month: month, year: year))
        else { return nil }
        return FeedPeriod(
            name: String(decoding: Day.digits(year, 4) + [UInt8(ascii: "-")] + Day.digits(month, 2), as: UTF8.self),
            first: first, last: last)
    }

    /// Parses exactly `YYYY-MM`.
    public static func month(_ text: String) -> FeedPeriod? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }), let y = Int(parts[0]), let m = Int(parts[1])
        else { return nil }
        return month(year: y, month: m)
    }

    public var previousWeek: FeedPeriod? { first == .first ? nil : Self.week(containing: first.adding(days: -1)) }
    public var nextWeek: FeedPeriod? { last == .last ? nil : Self.week(containing: last.adding(days: 1)) }
    public var previousMonth: FeedPeriod? { first == .first ? nil : Self.month(containing: first.adding(days: -1)) }
    public var nextMonth: FeedPeriod? { last == .last ? nil : Self.month(containing: last.adding(days: 1)) }
}

extension Day {
    public static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]

    /// "May 30, 2026", for pages and mail.
    public var longText: String { "\(Day.monthNames[month - 1]) \(day), \(year)" }
}
