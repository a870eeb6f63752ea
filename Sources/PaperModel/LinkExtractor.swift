import Foundation

public struct PaperLink: Sendable, Equatable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case github
        case projectPage = "project_page"
        case huggingFaceModel = "hf_model"
        case huggingFaceDataset = "hf_dataset"
        case huggingFaceSpace = "hf_space"
        case other
    }

    public var kind: Kind
    public var url: String

    public init(kind: Kind, url: String) {
        self.kind = kind
        self.url = url
    }
}

/// Finds the links authors put in abstracts and comments and returns them clean.
///
/// Real abstracts end links with sentence punctuation (`https://github.com/a/b.`), wrap them in LaTeX-ish
/// markup (`https://github.com/a/b{https://github.com/a/b}`, `...{GitHub repository}`, `.../{this https URL}`),
/// or close a parenthesis right after them. A URL never contains whitespace, braces or angle brackets, and
/// trailing `.,;:!?'"` or an unbalanced closing bracket belong to the sentence, not to the URL.
public enum LinkExtractor {
    public static func links(in texts: [String]) -> [PaperLink] {
        var seen = Set<String>()
        var result: [PaperLink] = []
        for text in texts {
            for url in urls(in: text) where seen.insert(url).inserted {
                result.append(PaperLink(kind: classify(url), url: url))
            }
        }
        return result
    }

    static let stopCharacters: Set<Character> = [
        "{", "}", "<", ">", "\"", "\\", "`", "|", "^", "[", "]",
    ]

    /// Every http(s) URL in `text`, plus bare `github.com/...` and `huggingface.co/...` mentions, cleaned.
    public static func urls(in text: String) -> [String] {
        // Most abstracts have no link at all: a byte scan rules that out before any Character work.
        guard mayContainURL(text) else { return [] }
        var found: [String] = []
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            guard let start = urlStart(chars, i) else {
                i += 1
                continue
            }
            var end = start.contentStart
            while end < chars.count, !chars[end].isWhitespace, !stopCharacters.contains(chars[end]) {
                end += 1
            }
            var candidate = String(chars[i..<end])
            if !start.hasScheme { candidate = "https://" + candidate }
            if let cleaned = clean(candidate) { found.append(cleaned) }
            i = max(end, i + 1)
        }
        return found
    }

    static func mayContainURL(_ text: String) -> Bool {
        let needles: [[UInt8]] = [Array("http".utf8), Array("github.com/".utf8), Array("huggingface.co/".utf8)]
        let bytes = Array(text.utf8)
        for needle in needles where bytes.count >= needle.count {
            var i = 0
            while i <= bytes.count - needle.count {
                var j = 0
                // ASCII case-insensitive compare (the needles are lowercase).
                while j < needle.count, bytes[i + j] | 0x20 == needle[j] | 0x20 { j += 1 }
                if j == needle.count { return true }
                i += 1
            }
        }
        return false
    }

    private static func urlStart(_ chars: [Character], _ i: Int) -> (contentStart: Int, hasScheme: Bool)? {
        func matches(_ word: String) -> Bool {
            var j = i
            for c in word {
                guard j < chars.count, chars[j].lowercased() == String(c) else { return false }
                j += 1
            }
            return true
        }
        // A URL starts at a word boundary.
        if i > 0, chars[i - 1].isLetter || chars[i - 1].isNumber || chars[i - 1] == "/" || chars[i - 1] == "." {
            return nil
        }
        if matches("https://") { return (i + 8, true) }
        if matches("http://") { return (i + 7, true) }
        if matches("github.com/") { return (i + 11, false) }
        if matches("huggingface.co/") { return (i + 15, false) }
        return nil
    }

    static func clean(_ raw: String) -> String? {
        var url = Substring(raw)
        while let last = url.last {
            if ".,;:!?'\"*".contains(last) {
                url.removeLast()
            } else if last == ")", url.filter({ $0 == "(" }).count < url.filter({ $0 == ")" }).count {
                url.removeLast()
            } else {
                break
            }
        }
        guard let components = URLComponents(string: String(url)), let host = components.host, host.contains("."),
            !host.hasPrefix("."), !host.hasSuffix(".")
        else { return nil }
        var cleaned = String(url)
        if host.lowercased() == "github.com" || host.lowercased() == "www.github.com" {
            if cleaned.hasSuffix(".git") { cleaned.removeLast(4) }
            while cleaned.hasSuffix("/") { cleaned.removeLast() }
        }
        return cleaned
    }

    static func classify(_ url: String) -> PaperLink.Kind {
        guard let components = URLComponents(string: url), let host = components.host?.lowercased() else {
            return .other
        }
        let path = components.path.split(separator: "/").map(String.init)
        switch host {
        case "github.com", "www.github.com":
            return path.count >= 2 ? .github : .other
        case "huggingface.co", "www.huggingface.co", "hf.co":
            if path.first == "datasets", path.count >= 3 { return .huggingFaceDataset }
            if path.first == "spaces", path.count >= 3 { return .huggingFaceSpace }
            if path.count >= 2, !["papers", "docs", "blog", "datasets", "spaces"].contains(path[0]) {
                return .huggingFaceModel
            }
            return .other
        default:
            if host.hasSuffix(".github.io") || host.hasSuffix(".gitlab.io") || host.hasSuffix(".pages.dev") {
                return .projectPage
            }
            return .other
        }
    }
}
