import Foundation
import PaperModel
import PaperStore

/// Reads a saved Hugging Face Papers listing page.
///
/// Shape: page chrome lines (`new`, `Subscribe`, ...), a date line such as `May 30`, then for each paper a title
/// line followed by an abstract paragraph, blank lines between. A later date line starts another day. Lines
/// before the first date line are chrome and ignored.
final class ListingSource: RecordSource, @unchecked Sendable {
    private var day: Day?
    private var pendingTitle: (text: String, line: Int)?

    static let monthNames = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
        "november", "december",
    ]

    override func records(forLine line: String, number: Int) throws -> [ImportRecord] {
        let text = line.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return [] }
        if let (month, dayOfMonth, year) = Self.parseDateLine(text) {
            if let title = pendingTitle {
                throw RecordProblem("title \(title.text.debugDescription) has no abstract", line: title.line)
            }
            day = try resolve(month: month, day: dayOfMonth, year: year, line: number)
            return []
        }
        guard let day else { return [] }  // page chrome before the first date line
        guard let title = pendingTitle else {
            guard text.count <= 400 else {
                throw RecordProblem("expected a paper title, found a \(text.count)-character paragraph")
            }
            pendingTitle = (text, number)
            return []
        }
        pendingTitle = nil
        let paper = Paper(
            id: LocalPaperID.make(title: title.text), title: title.text.collapsingWhitespace,
            abstract: text.collapsingWhitespace)
        return [.paper(paper), .dailySubmission(paperID: paper.id, day: day, submitter: options.submitter)]
    }

    override func finish() throws -> ImportRecord? {
        if let title = pendingTitle {
            throw ImportError(
                file: reader.path, line: title.line,
                reason: "title \(title.text.debugDescription) has no abstract (file ends)")
        }
        if day == nil {
            throw ImportError(
                file: reader.path, line: nil, reason: "no date line (like \"May 30\") found: not a listing page")
        }
        return nil
    }

    /// `May 30`, `May 30, 2024`, `30 May 2024`, `2024-05-30`.
    static func parseDateLine(_ text: String) -> (month: Int, day: Int, year: Int?)? {
        guard text.count <= 20 else { return nil }
        if let day = Day(text) { return (day.month, day.day, day.year) }
        let words = text.replacingOccurrences(of: ",", with: " ").split(separator: " ").map(String.init)
        guard words.count == 2 || words.count == 3 else { return nil }
        func month(_ word: String) -> Int? {
            let lower = word.lowercased()
            if let full = monthNames.firstIndex(of: lower) { return full + 1 }
            let short = lower.hasSuffix(".") ? String(lower.dropLast()) : lower
            if short.count >= 3, let m = monthNames.firstIndex(where: { $0.hasPrefix(short) }) { return m + 1 }
            return nil
        }
        let year = words.count == 3 ? Int(words[2]) : nil
        if words.count == 3 && (year == nil || !(1900...9999).contains(year!)) { return nil }
        if let m = month(words[0]), let d = Int(words[1]), (1...31).contains(d) { return (m, d, year) }
        if let d = Int(words[0]), (1...31).contains(d), let m = month(words[1]) { return (m, d, year) }
        return nil
    }

    private func resolve(month: Int, day: Int, year: Int?, line: Int) throws -> Day {
        if let listingDay = options.listingDay, year == nil {
            return listingDay
        }
        if let year {
            guard let resolved = Day(year: year, month: month, day: day) else {
                throw RecordProblem("no such date \(year)-\(month)-\(day)", line: line)
            }
            return resolved
        }
        // The most recent such date that is not in the future.
        let today = Day(options.now)
        for y in stride(from: today.year, through: today.year - 8, by: -1) {
            if let candidate = Day(year: y, month: month, day: day), candidate <= today { return candidate }
        }
        throw RecordProblem("no such date: month \(month), day \(day)", line: line)
    }
}

/// Reads `day<TAB>paper id<TAB>submitter` lines (a header line starting with `day` is allowed).
final class SubmissionsSource: RecordSource, @unchecked Sendable {
    override func records(forLine line: String, number: Int) throws -> [ImportRecord] {
        if line.trimmingCharacters(in: .whitespaces).isEmpty || (number == 1 && line.hasPrefix("day\t")) { return [] }
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 3 else { throw RecordProblem("expected 3 tab-separated fields, found \(fields.count)") }
        guard let day = Day(fields[0]) else { throw RecordProblem("invalid day \(fields[0].debugDescription)") }
        guard let id = PaperIdentifier.canonical(fields[1]) else {
            throw RecordProblem("invalid paper id \(fields[1].debugDescription)")
        }
        guard User.isValidUsername(fields[2]) else {
            throw RecordProblem("invalid submitter \(fields[2].debugDescription)")
        }
        return [.dailySubmission(paperID: id, day: day, submitter: fields[2])]
    }
}
