import Foundation
import Hummingbird
import PaperModel
import PaperStore

/// The `date` and `cat` parameters of "New on arXiv" (the page and its feeds); a malformed one is a 400.
struct NewPapersQuery: Equatable, Sendable {
    var day: Day?
    var category: String?

    /// The query string of a page or feed address for `day` and this category.
    func queryString(day: Day?) -> String {
        var items: [String] = []
        if let day { items.append("date=\(day)") }
        if let category { items.append("cat=\(category)") }
        return items.isEmpty ? "" : "?" + items.joined(separator: "&")
    }

    static func isCategory(_ text: String) -> Bool { ArxivCategory.isValid(text) }

    static func parse(_ request: Request) throws -> NewPapersQuery {
        let form = FormQuery(request.uri.query ?? "")
        var query = NewPapersQuery()
        if let text = form["date"], !text.isEmpty {
            guard let day = Day(text) else {
                throw WebError(
                    .invalidParameter, heading: "Not a date",
                    "\(text.prefix(80).debugDescription) is not a date of the form YYYY-MM-DD.")
            }
            query.day = day
        }
        if let text = form["cat"], !text.isEmpty {
            guard isCategory(text) else {
                throw WebError(
                    .invalidParameter, heading: "Not a category",
                    "\(text.prefix(80).debugDescription) is not an arXiv category (e.g. cs.CL, hep-th).")
            }
            query.category = text
        }
        return query
    }

    /// The day the query asks for: its date, or the latest day with papers (`today` in an empty store).
    func day(store: any PaperStore, today: Day) async throws -> Day {
        if let day { return day }
        return try await store.latestPublishedDay(onOrBefore: nil) ?? today
    }
}
