import Crypto
import Foundation

public enum UserRole: String, Sendable, Codable, CaseIterable {
    case member, curator, admin
}

public struct User: Sendable, Equatable, Codable {
    public var id: Int64
    public var username: String
    public var displayName: String
    public var role: UserRole
    public var createdAt: Date

    public init(id: Int64, username: String, displayName: String, role: UserRole, createdAt: Date) {
        self.id = id
        self.username = username
        self.displayName = displayName
        self.role = role
        self.createdAt = createdAt
    }

    /// Usernames are 1-39 characters of ASCII letters, digits, `-` and `_` (GitHub's shape), so they are safe
    /// in URLs and in mail headers.
    public static func isValidUsername(_ name: String) -> Bool {
        (1...39).contains(name.count)
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}

/// A calendar day of the daily feed, independent of time zones (`2026-05-30`).
///
/// Days run from 0001-01-01 to 9999-12-31 (proleptic Gregorian), the years a `YYYY-MM-DD` text can name.
/// Arithmetic is integer civil-calendar arithmetic (no `Calendar`), and total: it saturates at the first and
/// last day instead of leaving the range, so no request value can make it trap.
public struct Day: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// 0001-01-01 and 9999-12-31: the range of days.
    public static let first = Day(unchecked: 1, 1, 1)
    public static let last = Day(unchecked: 9999, 12, 31)

    private init(unchecked year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            (1...Day.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        self.init(unchecked: year, month, day)
    }

    /// Parses exactly `YYYY-MM-DD`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The UTC day of an instant, saturated to the range of days.
    public init(_ date: Date) {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite else {
            self = seconds > 0 ? .last : .first
            return
        }
        let days = (seconds / 86_400).rounded(.down)
        let lowest = Double(Day.first.daysSinceEpoch), highest = Double(Day.last.daysSinceEpoch)
        self.init(daysSinceEpoch: Int(min(max(days, lowest), highest)))
    }

    /// The day `days` after 1970-01-01, saturated to the range of days.
    public init(daysSinceEpoch days: Int) {
        let z = min(max(days, Day.first.daysSinceEpoch), Day.last.daysSinceEpoch)
        // Howard Hinnant's civil_from_days.
        let shifted = z + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let d = dayOfYear - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(unchecked: yearOfEra + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Kept for callers that format instants with Foundation; day arithmetic does not use it.
    public static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    public static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Midnight UTC of this day.
    public var startDate: Date { Date(timeIntervalSince1970: Double(daysSinceEpoch) * 86_400) }

    /// The day `days` later (earlier when negative), saturated at `Day.first` and `Day.last`.
    public func adding(days: Int) -> Day {
        let (sum, overflow) = daysSinceEpoch.addingReportingOverflow(days)
        if overflow { return days > 0 ? .last : .first }
        return Day(daysSinceEpoch: sum)
    }

    /// Days since 1970-01-01, the form search indexes use for date filters.
    public var daysSinceEpoch: Int { Day.civilDays(year: year, month: month, day: day) }

    /// Days since 1970-01-01 of any proleptic Gregorian date (Howard Hinnant's days_from_civil).
    public static func civilDays(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// ISO weekday: Monday 1 ... Sunday 7.
    public var isoWeekday: Int { Day.isoWeekday(daysSinceEpoch: daysSinceEpoch) }

    /// ISO weekday of any day count since 1970-01-01 (a Thursday).
    public static func isoWeekday(daysSinceEpoch z: Int) -> Int { ((z % 7) + 7 + 3) % 7 + 1 }

    public var description: String {
        String(
            decoding: Day.digits(year, 4) + [UInt8(ascii: "-")] + Day.digits(month, 2) + [UInt8(ascii: "-")]
                + Day.digits(day, 2), as: UTF8.self)
    }

    static func digits(_ value: Int, _ width: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: UInt8(ascii: "0"), count: width)
        var rest = value
        for i in stride(from: width - 1, through: 0, by: -1) {
            bytes[i] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        return bytes
    }

    public static func < (lhs: Day, rhs: Day) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }
}

/// A paper put on the daily feed of a day by a user.
public struct DailySubmission: Sendable, Equatable {
    public var paperID: String
    public var day: Day
    public var submitter: String
    public var submittedAt: Date
    public var githubRepo: String?
    public var projectPage: String?

    public init(
        paperID: String, day: Day, submitter: String, submittedAt: Date, githubRepo: String? = nil,
        projectPage: String? = nil
    ) {
        self.paperID = paperID
        self.day = day
        self.submitter = submitter
        self.submittedAt = submittedAt
        self.githubRepo = githubRepo
        self.projectPage = projectPage
    }
}

public struct Comment: Sendable, Equatable {
    public var id: Int64
    public var paperID: String
    public var author: String
    public var parentID: Int64?
    public var body: String
    public var createdAt: Date
    public var editedAt: Date?
    /// Deleted comments keep their place in the thread (their replies stay) but lose their text.
    public var isDeleted: Bool

    public init(
        id: Int64, paperID: String, author: String, parentID: Int64?, body: String, createdAt: Date,
        editedAt: Date?, isDeleted: Bool = false
    ) {
        self.isDeleted = isDeleted
        self.id = id
        self.paperID = paperID
        self.author = author
        self.parentID = parentID
        self.body = body
        self.createdAt = createdAt
        self.editedAt = editedAt
    }
}

/// A personal access token as its owner sees it; the secret itself is shown once, at creation.
public struct AccessToken: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var createdAt: Date
    public var lastUsedAt: Date?

    public init(id: Int64, name: String, createdAt: Date, lastUsedAt: Date?) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }
}

/// Personal access token secrets: `pb_` + 40 random hex digits, shown to their owner once; the store keeps only
/// `hash(token)`, so a copy of the database hands out no working tokens.
public enum AccessTokenSecret {
    public static let prefix = "pb_"

    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<20).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix + bytes.map { String(format: "%02x", $0) }.joined()
    }

    public static func hash(_ token: String) -> String {
        "tok:" + SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    public static func isWellFormed(_ token: String) -> Bool {
        token.hasPrefix(prefix) && token.utf8.count == prefix.utf8.count + 40
            && token.dropFirst(prefix.count).allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}
