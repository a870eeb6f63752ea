import Foundation

/// Author names as people follow them: "Yann LeCun", "yann lecun" and "Yann  Le-Cun" are one author.
public enum AuthorName {
    /// Lowercased, accents folded, punctuation to spaces, whitespace collapsed (`"Zoë O'Brien-Smith"` →
    /// `"zoe o brien smith"`); empty when nothing is left.
    public static func key(_ name: String) -> String {
        let folded = name.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: nil)
            .lowercased()
        var out = ""
        var pendingSpace = false
        for scalar in folded.unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar) {
                if pendingSpace, !out.isEmpty { out.append(" ") }
                pendingSpace = false
                out.unicodeScalars.append(scalar)
            } else {
                pendingSpace = true
            }
        }
        return out
    }
}

/// arXiv categories: `cs.CL`, `hep-th`, `astro-ph.GA`, `physics.atom-ph`, `q-bio.NC`.
public enum ArxivCategory {
    public static func isValid(_ text: String) -> Bool {
        guard (1...40).contains(text.count), let first = text.first, first.isASCII, first.isLetter else { return false }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count <= 2
            && parts.allSatisfy { part in
                !part.isEmpty && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            }
    }
}

/// An author a reader follows: the normalized key matches papers, the name is shown as the reader typed it.
public struct FollowedAuthor: Sendable, Equatable, Codable {
    public var key: String
    public var name: String

    public init(key: String, name: String) {
        self.key = key
        self.name = name
    }
}

/// What a reader has told Paperboy about their interests, for recommendations.
public struct ReaderSignals: Sendable, Equatable {
    /// Papers the reader upvoted, newest first.
    public var upvoted: [String]
    /// Papers in the reader's collections.
    public var collected: [String]
    /// Papers the reader is a confirmed author of.
    public var authored: [String]
    /// Papers the reader marked "Not interested", newest first.
    public var rejected: [String]
    public var followedAuthors: [FollowedAuthor]
    public var followedCategories: [String]
    /// Papers whose page the reader opened, most recently opened first, at most `seenLimit`: not news to them.
    public var seen: [String]

    /// The most recently opened papers that count as seen.
    public static let seenLimit = 1_000

    public init(
        upvoted: [String] = [], collected: [String] = [], authored: [String] = [], rejected: [String] = [],
        followedAuthors: [FollowedAuthor] = [], followedCategories: [String] = [], seen: [String] = []
    ) {
        self.upvoted = upvoted
        self.collected = collected
        self.authored = authored
        self.rejected = rejected
        self.followedAuthors = followedAuthors
        self.followedCategories = followedCategories
        self.seen = seen
    }

    /// Every positive paper once, upvotes first.
    public var positives: [String] {
        var seen = Set<String>()
        return (upvoted + collected + authored).filter { seen.insert($0).inserted }
    }
}
