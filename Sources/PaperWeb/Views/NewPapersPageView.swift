/// `GET /papers/new` (`new.mustache`): the papers arXiv published on a day, by category.
struct NewPapersPageView: PageView {
    static let template = "new"

    var site: SiteInfo
    var day: String
    var dayLabel: String
    var category: String?
    var previousHref: String?
    var previousLabel: String?
    var nextHref: String?
    var nextLabel: String?
    var allHref: String
    var categories: [NewPapersCategoryView]
    var cards: [NewPaperCardView]
    var count: Int
    var shownCount: Int
    var truncated: Bool
    var canSubmit: Bool
}

/// A paper on the New on arXiv page.
struct NewPaperCardView {
    var id: String
    var title: String
    var authorsShort: String?
    var teaser: String
    var categories: [String]
    var published: String
    var submittedDay: String?
}

/// A category tab with its paper count.
struct NewPapersCategoryView {
    var name: String
    var count: Int
    var href: String
    var active: Bool
}
