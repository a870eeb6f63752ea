import Crypto
import Foundation

/// A research paper as Paperboy stores it.
///
/// `id` is the paper's permanent key: the versionless arXiv id when the paper has one, otherwise a local id
/// (see `LocalPaperID`). The record describes the newest version seen (`version`).
public struct Paper: Sendable, Equatable, Codable {
    public var id: String
    /// Version of the arXiv record this data comes from (1 when unknown or not an arXiv paper).
    public var version: Int
    public var title: String
    public var abstract: String
    public var authors: [String]
    /// All categories, primary first.
    public var categories: [String]
    public var publishedAt: Date?
    public var updatedAt: Date?
    public var comments: String?
    public var journalRef: String?
    public var doi: String?
    public var links: [PaperLink]

    public init(
        id: String, version: Int = 1, title: String, abstract: String, authors: [String] = [],
        categories: [String] = [], publishedAt: Date? = nil, updatedAt: Date? = nil, comments: String? = nil,
        journalRef: String? = nil, doi: String? = nil, links: [PaperLink]? = nil
    ) {
        self.id = id
        self.version = version
        self.title = title
        self.abstract = abstract
        self.authors = authors
        self.categories = categories
        self.publishedAt = publishedAt
        self.updatedAt = updatedAt
        self.comments = comments
        self.journalRef = journalRef
        self.doi = doi
        self.links = links ?? LinkExtractor.links(in: [abstract, comments ?? ""])
    }

    public var primaryCategory: String? { categories.first }
    public var arxivID: ArxivID? { LocalPaperID.isLocal(id) ? nil : ArxivID.parse(id) }
    /// The first GitHub repository link, the paper's "code".
    public var codeURL: String? { links.first { $0.kind == .github }?.url }
}

/// Local ids for papers without an arXiv id.
///
/// Scheme: `pb-` followed by the first 12 hex digits of SHA-256 over the normalized title (Unicode
/// lowercased, whitespace runs collapsed to one space, trimmed). It is stable across re-imports of the same
/// paper, and it never collides with an arXiv id: every arXiv id contains a `.` (new style) or a `/` (old
/// style), a local id contains neither.
public enum LocalPaperID {
    public static let prefix = "pb-"

    public static func make(title: String) -> String {
        let digest = SHA256.hash(data: Data(normalizedTitle(title).utf8))
        let hex = digest.prefix(6).map { String(format: "%02x", $0) }.joined()
        return prefix + hex
    }

    /// The title as local ids hash it (Unicode lowercased, whitespace runs collapsed to one space, trimmed):
    /// also how a listing paper is matched with its arXiv record.
    public static func normalizedTitle(_ title: String) -> String {
        title.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// An author name normalized the same way, for comparing first authors.
    public static func normalizedAuthor(_ name: String) -> String {
        normalizedTitle(name)
    }

    public static func isLocal(_ id: String) -> Bool {
        id.hasPrefix(prefix) && id.count == prefix.count + 12
            && id.dropFirst(prefix.count).allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}

/// Turns what a user typed or a URL path segment into a paper id, or nil when it can be neither.
public enum PaperIdentifier {
    public static func canonical(_ raw: String) -> String? {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if LocalPaperID.isLocal(trimmed) { return trimmed }
        return ArxivID.parse(trimmed)?.base
    }
}
