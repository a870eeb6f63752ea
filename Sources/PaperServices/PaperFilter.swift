import LexicalIndex
import PaperModel

/// What a search may be narrowed to: the days papers were published on, their categories, whether they link code.
/// The search engine's own type, so that callers need nothing from the index modules.
public struct PaperFilter: Sendable, Equatable {
    /// Papers published from `from` through `to`; either end may be open.
    public var from: Day?
    public var to: Day?
    /// A hit must have at least one of these categories (case-insensitive); empty means any.
    public var categories: [String]
    /// Only papers that link code (true), only papers that do not (false), or either (nil).
    public var hasCode: Bool?

    public init(from: Day? = nil, to: Day? = nil, categories: [String] = [], hasCode: Bool? = nil) {
        self.from = from
        self.to = to
        self.categories = categories
        self.hasCode = hasCode
    }

    public var isEmpty: Bool { from == nil && to == nil && categories.isEmpty && hasCode == nil }

    /// The lexical index's form: days since 1970 (an inverted range selects nothing before `from`).
    var lexical: SearchFilter {
        var range: ClosedRange<Int32>?
        if from != nil || to != nil {
            let lo = Int32(from?.daysSinceEpoch ?? Int(Int32.min))
            let hi = Int32(to?.daysSinceEpoch ?? Int(Int32.max))
            range = lo...max(lo, hi)
        }
        return SearchFilter(dayRange: range, categories: categories, hasCode: hasCode)
    }
}
