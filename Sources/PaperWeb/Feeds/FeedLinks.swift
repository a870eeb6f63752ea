extension FeedLink {
    /// The RSS, Atom and JSON Feed links of a feed path, for a page's `<link rel="alternate">`.
    static func alternates(_ path: String, title: String) -> [FeedLink] {
        Syndication.Format.allCases.map {
            FeedLink(
                type: $0.contentType.components(separatedBy: ";")[0], title: "\(title) (\($0.label))",
                href: "\(path).\($0.rawValue)")
        }
    }
}

/// Page sizes the site's feeds and the syndication feeds share.
enum FeedLimits {
    /// Papers on a weekly, monthly or trending page.
    static let periodPageSize = 100
}
