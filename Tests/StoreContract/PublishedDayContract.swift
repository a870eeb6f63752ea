import Foundation
import PaperModel
import PaperStore
import Testing

/// Store contract: papers by publication day.
public struct PublishedDayContract: Sendable {
    let make: StoreFactory

    static func at(_ day: String, hour: Int) -> Date { Day(day)!.startDate.addingTimeInterval(Double(hour) * 3600) }

    static func paper(_ id: String, _ published: Date?, _ categories: [String]) -> Paper {
        Paper(id: id, title: "Paper \(id)", abstract: "About \(id).", categories: categories, publishedAt: published)
    }

    public func papersPublishedOnADayNewestFirstAndByCategory() async throws {
        let store = try await make()
        try await store.upsert([
            Self.paper("2606.00001", Self.at("2026-06-01", hour: 0), ["cs.CL"]),
            Self.paper("2606.00002", Self.at("2026-06-01", hour: 18), ["cs.LG", "cs.CL"]),
            Self.paper("2606.00003", Self.at("2026-06-01", hour: 9), ["math.CO"]),
            // Midnight belongs to the next day; the day before and two days later have papers too.
            Self.paper("2606.00004", Self.at("2026-06-02", hour: 0), ["cs.CL"]),
            Self.paper("2605.00009", Self.at("2026-05-30", hour: 23), ["cs.CL"]),
            Self.paper("2606.00005", nil, ["cs.CL"]),
        ])
        let day = Day("2026-06-01")!
        #expect(
            try await store.papersPublished(on: day, category: nil, limit: 100).map(\.id) == [
                "2606.00002", "2606.00003", "2606.00001",
            ])
        #expect(
            try await store.papersPublished(on: day, category: "cs.CL", limit: 100).map(\.id) == [
                "2606.00002", "2606.00001",
            ])
        #expect(try await store.papersPublished(on: day, category: "cs.LG", limit: 100).map(\.id) == ["2606.00002"])
        #expect(try await store.papersPublished(on: day, category: "cs", limit: 100).isEmpty)
        #expect(
            try await store.papersPublished(on: day, category: nil, limit: 2).map(\.id) == ["2606.00002", "2606.00003"])
        #expect(try await store.papersPublished(on: day, category: nil, limit: 0).isEmpty)
        #expect(try await store.papersPublished(on: Day("2026-05-31")!, category: nil, limit: 100).isEmpty)
        #expect(
            try await store.papersPublished(on: Day("2026-06-02")!, category: nil, limit: 100).map(\.id) == [
                "2606.00004"
            ])

        #expect(try await store.latestPublishedDay(onOrBefore: nil) == Day("2026-06-02"))
        #expect(try await store.latestPublishedDay(onOrBefore: day) == day)
        #expect(try await store.latestPublishedDay(onOrBefore: Day("2026-05-31")) == Day("2026-05-30"))
        #expect(try await store.latestPublishedDay(onOrBefore: Day("2026-05-01")) == nil)
        let around = try await store.neighbouringPublishedDays(of: day)
        #expect(around.previous == Day("2026-05-30") && around.next == Day("2026-06-02"))
        let last = try await store.neighbouringPublishedDays(of: Day("2026-06-02")!)
        #expect(last.previous == day && last.next == nil)
    }

    public static let checks: [StoreContractCheck] = [
        .init("PublishedDayContract.papersPublishedOnADayNewestFirstAndByCategory") {
            try await PublishedDayContract(make: $0).papersPublishedOnADayNewestFirstAndByCategory()
        }
    ]
}
