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
public struct Day: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        var components = DateComponents()
        components.year = year
        components.month = month
        components.day = day
        guard (1...9999).contains(year), let date = Day.calendar.date(from: components),
              Day.calendar.component(.day, from: date) == day, Day.calendar.component(.month, from: date) == month
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
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

    public init(_ date: Date) {
        let c = Day.calendar.dateComponents([.year, .month, .day], from: date)
        self.year = c.year!
        self.month = c.month!
        self.day = c.day!
    }

    public static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// Midnight UTC of this day.
    public var startDate: Date {
        Day.calendar.date(from: DateComponents(year: year, month: month, day: day))!
    }

    public func adding(days: Int) -> Day {
        Day(Day.calendar.date(byAdding: .day, value: days, to: startDate)!)
    }

    /// Days since 1970-01-01, the form search indexes use for date filters.
    public var daysSinceEpoch: Int { Int((startDate.timeIntervalSince1970 / 86_400).rounded(.down)) }

    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }

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
