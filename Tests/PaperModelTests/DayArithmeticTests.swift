import Foundation
import Testing

@testable import PaperModel

/// Day and FeedPeriod arithmetic is integer civil-calendar arithmetic; these check it against Foundation's
/// Gregorian and ISO 8601 calendars, and that it is total at the ends of the range of days.
@Suite("Day and period arithmetic")
struct DayArithmeticTests {
    static let gregorian = Day.calendar
    static let iso = FeedPeriod.isoCalendar

    /// Every day from 1896 to 2104 (leap-year rules of 1900, 2000 and 2100 included) against Foundation.
    @Test func daysMatchFoundationsGregorianCalendar() throws {
        var day = try #require(Day(year: 1896, month: 1, day: 1))
        var date = try #require(Self.gregorian.date(from: DateComponents(year: 1896, month: 1, day: 1)))
        let end = try #require(Day(year: 2104, month: 12, day: 31))
        var checked = 0
        while day <= end {
            let c = Self.gregorian.dateComponents([.year, .month, .day, .weekday], from: date)
            #expect(c.year == day.year && c.month == day.month && c.day == day.day, "\(day)")
            #expect(day.startDate == date, "\(day)")
            #expect(Day(date) == day)
            // Foundation: Sunday 1 ... Saturday 7; ISO: Monday 1 ... Sunday 7.
            #expect((c.weekday! + 5) % 7 + 1 == day.isoWeekday, "\(day)")
            let iso = Self.iso.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
            let week = FeedPeriod.week(containing: day)
            #expect(week.name == String(format: "%04d-W%02d", iso.yearForWeekOfYear!, iso.weekOfYear!), "\(day)")
            #expect(week.first <= day && day <= week.last && week.first.isoWeekday == 1)
            #expect(FeedPeriod.week(week.name) == week)
            day = day.adding(days: 1)
            date = date.addingTimeInterval(86_400)
            checked += 1
        }
        #expect(checked == 76_336)
    }

    @Test func textRoundTripsAndInvalidDatesAreRejected() {
        #expect(Day("2024-02-29")?.description == "2024-02-29")
        #expect(Day("0001-01-01") == Day.first && Day("9999-12-31") == Day.last)
        for bad in [
            "2023-02-29", "1900-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "0000-01-01", "10000-01-01",
            "2026-1-01", "２０２６-05-30", "+026-05-30", "2026-05-3x", "",
        ] {
            #expect(Day(bad) == nil, "\(bad)")
        }
        #expect(Day("2000-02-29") != nil)
    }

    /// The ends of the range: arithmetic saturates, and periods there have no neighbour beyond the range.
    @Test func arithmeticIsTotalAtTheEndsOfTheRange() throws {
        #expect(Day.last.adding(days: 1) == Day.last)
        #expect(Day.first.adding(days: -1) == Day.first)
        #expect(Day.last.adding(days: .max) == Day.last && Day.first.adding(days: .min) == Day.first)
        #expect(Day(Date(timeIntervalSince1970: 1e15)) == Day.last && Day(Date.distantPast) == Day.first)
        #expect(Day(Date.distantFuture) == Day("4001-01-01"))
        #expect(Day(Date(timeIntervalSince1970: .infinity)) == Day.last)
        #expect(Day(Date(timeIntervalSince1970: -.infinity)) == Day.first)
        #expect(Day(Date(timeIntervalSince1970: .nan)) == Day.first)
        #expect(Day(daysSinceEpoch: .max) == Day.last && Day(daysSinceEpoch: .min) == Day.first)

        let lastWeek = FeedPeriod.week(containing: Day.last)
        #expect(lastWeek.name == "9999-W52" && lastWeek.first == Day("9999-12-27") && lastWeek.last == Day.last)
        #expect(lastWeek.nextWeek == nil && lastWeek.previousWeek?.name == "9999-W51")
        #expect(FeedPeriod.week("9999-W52") == lastWeek && FeedPeriod.week("9999-W53") == nil)
        let firstWeek = FeedPeriod.week(containing: Day.first)
        #expect(firstWeek.name == "0001-W01" && firstWeek.first == Day.first && firstWeek.previousWeek == nil)
        #expect(FeedPeriod.week("0000-W52") == nil && FeedPeriod.week("0001-W00") == nil)
        #expect(FeedPeriod.week(year: 2026, week: .max) == nil && FeedPeriod.week(year: .min, week: 1) == nil)

        let lastMonth = try #require(FeedPeriod.month("9999-12"))
        #expect(lastMonth.last == Day.last && lastMonth.nextMonth == nil && lastMonth.previousMonth?.name == "9999-11")
        let firstMonth = try #require(FeedPeriod.month("0001-01"))
        #expect(firstMonth.previousMonth == nil && firstMonth.nextMonth?.name == "0001-02")
        #expect(FeedPeriod.month("0000-12") == nil && FeedPeriod.month("9999-13") == nil)
        #expect(FeedPeriod.month(containing: Day.last) == lastMonth)
    }

    /// 53-week years across the whole range agree with Foundation's ISO calendar (from 1600, when the Gregorian calendar is in force; sampled every 7 years).
    @Test func weeksPerYearMatchFoundation() {
        for year in stride(from: 1600, through: 9998, by: 7) {
            let dec28 = Self.iso.date(from: DateComponents(year: year, month: 12, day: 28))!
            let expected = Self.iso.component(.weekOfYear, from: dec28)
            #expect(FeedPeriod.weeksIn(year: year) == expected, "\(year)")
        }
    }
}
