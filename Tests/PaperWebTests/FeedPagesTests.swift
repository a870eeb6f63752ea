import Foundation
import Hummingbird
import HummingbirdTesting
import PaperModel
import PaperStore
import PaperTestSupport
import Testing

@testable import PaperWeb

@Suite("Weekly, monthly and trending feeds")
struct FeedPagesTests {
    @Test func isoWeeksAndMonths() throws {
        let week = try #require(FeedPeriod.week("2026-W22"))
        #expect(week.first == Day("2026-05-25") && week.last == Day("2026-05-31"))
        #expect(FeedPeriod.week(containing: Day("2026-05-30")!) == week)
        #expect(FeedPeriod.week(containing: Day("2027-01-01")!).name == "2026-W53")
        #expect(week.previousWeek?.name == "2026-W21" && week.nextWeek?.name == "2026-W23")
        #expect(FeedPeriod.week("2025-W53") == nil)  // 2025 has 52 ISO weeks
        for bad in ["2026-22", "2026-W5", "2026-W00", "26-W22", "2026-Wxx", ""] {
            #expect(FeedPeriod.week(bad) == nil, "\(bad)")
        }
        let month = try #require(FeedPeriod.month("2024-02"))
        #expect(month.last == Day("2024-02-29"))
        #expect(FeedPeriod.month("2026-12")!.nextMonth?.name == "2027-01")
        for bad in ["2026-13", "2026-1", "2026/05", "x"] { #expect(FeedPeriod.month(bad) == nil, "\(bad)") }
    }

    @Test func weeklyAndMonthlyPagesListThePeriodsPapersMostUpvotedFirst() async throws {
        let store = try await makeFixtureStore()
        _ = try await store.createUser(username: "bob", displayName: "Bob", role: .member, passwordHash: nil)
        try await store.setUpvote(paperID: "2605.00001", username: "bob", upvoted: true)
        try await withApp(store) { client in
            try await client.execute(uri: "/papers/week/2026-W22", method: .get) { response in
                #expect(response.status == .ok)
                let html = response.text
                #expect(html.components(separatedBy: "class=\"card\"").count - 1 == 100)  // a page of the 138
                // The upvoted paper of May 29 comes first.
                let first = try #require(html.range(of: "class=\"card-title\"><a href=\"/papers/"))
                #expect(html[first.upperBound...].hasPrefix("2605.00001"))
                #expect(html.contains("class=\"tab active\" href=\"/papers/week/2026-W22\""))
                #expect(html.contains("href=\"/papers/week/2026-W21\""))
            }
            try await client.execute(uri: "/papers/month/2026-06", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("June paper"))
                #expect(response.text.components(separatedBy: "class=\"card\"").count - 1 == 1)
            }
            for uri in ["/papers/week/2026-22", "/papers/month/2026-13"] {
                try await client.execute(uri: uri, method: .get) { #expect($0.status == .badRequest, "\(uri)") }
            }
        }
    }

    @Test func trendingRanksRecentInterestAndMarksNewPapers() async throws {
        let store = try SQLitePaperStore.inMemory()
        try await store.upsert(
            ["2501.00001", "2501.00002", "2501.00003"].map {
                Paper(id: $0, title: "Paper \($0)", abstract: "Text.")
            })
        for name in ["ada", "bob", "cy"] {
            _ = try await store.createUser(username: name, displayName: name, role: .member, passwordHash: nil)
        }
        let now = Date()
        _ = try await store.submit(
            paperID: "2501.00001", day: Day(now.addingTimeInterval(-6 * 86_400)), submitter: "ada",
            at: now.addingTimeInterval(-6 * 86_400), githubRepo: nil, projectPage: nil)
        _ = try await store.submit(
            paperID: "2501.00002", day: Day(now), submitter: "ada", at: now.addingTimeInterval(-3600),
            githubRepo: "https://github.com/o/r", projectPage: nil)
        _ = try await store.submit(
            paperID: "2501.00003", day: Day(now), submitter: "ada", at: now.addingTimeInterval(-7200),
            githubRepo: nil, projectPage: nil)
        for name in ["ada", "bob", "cy"] {
            try await store.setUpvote(paperID: "2501.00001", username: name, upvoted: true)
        }
        try await store.setUpvote(paperID: "2501.00002", username: "ada", upvoted: true)
        try await withApp(store) { client in
            try await client.execute(uri: "/papers/trending", method: .get) { response in
                #expect(response.status == .ok)
                let html = response.text
                let order = ["2501.00002", "2501.00001", "2501.00003"].map {
                    html.range(of: "href=\"/papers/\($0)\"")!.lowerBound
                }
                #expect(order == order.sorted())
                #expect(html.components(separatedBy: "badge-new").count - 1 == 2)
                #expect(html.contains("href=\"https://github.com/o/r\""))  // the submitter's code link
            }
            try await client.execute(uri: "/about", method: .get) { response in
                #expect(response.text.contains("About ranking"))
                #expect(response.text.contains("^ 1.5"))
            }
        }
    }

    @Test func demoTrendingFallsBackToTheLatestFeed() async throws {
        let store = try await makeFixtureStore()
        try await withApp(store) { client in
            try await client.execute(uri: "/papers/trending", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("June paper"))
            }
        }
    }
}
