import Foundation
import Mustache
import PaperModel

/// What every page shows in its footer.
struct SiteInfo: Equatable, MustacheParent {
    var paperCount: Int
    var searchMode: String
    /// The logged-in user's name, nil for visitors.
    var viewer: String? = nil
    var csrf: String = ""
    /// Feeds of this page, for `<link rel="alternate">`.
    var feeds: [FeedLink] = []
    /// The digest address of the logged-in user's subscription, for the one-click subscribe form.
    var subscriberEmail: String? = nil

    func child(named name: String) -> Any? {
        switch name {
        case "paperCount": paperCount
        case "searchMode": searchMode
        case "viewer": viewer
        case "csrf": csrf
        case "feeds": feeds
        case "subscriberEmail": subscriberEmail
        default: nil
        }
    }
}

enum DateText {
    static func long(_ day: Day) -> String { day.longText }

    static func short(_ day: Day) -> String {
        "\(Day.monthNames[day.month - 1].prefix(3)) \(day.day)"
    }

    static func isoDay(_ date: Date?) -> String? {
        date.map { Day($0).description }
    }

    static func iso8601(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
