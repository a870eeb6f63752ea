import Foundation

/// The Markdown subset comments may use: paragraphs, line breaks, `code`, **strong**, *emphasis*, and
/// [links](https://…) (http and https only). Everything else is escaped: raw HTML shows as text.
enum SafeMarkdown {
    static func render(_ text: String) -> String {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        return normalized.components(separatedBy: "\n\n")
            .map { $0.trimmingCharacters(in: .newlines) }
            .filter { !$0.isEmpty }
            .map {
                "<p>"
                    + $0.split(separator: "\n", omittingEmptySubsequences: false).map { inline(String($0)) }.joined(
                        separator: "<br>") + "</p>"
            }
            .joined()
    }

    static func inline(_ s: String) -> String {
        var out = ""
        var plain = ""
        func flush() {
            out += HTMLText.linkified(plain)
            plain = ""
        }
        var i = s.startIndex
        while i < s.endIndex {
            let rest = s[i...]
            if rest.hasPrefix("`"), let close = s[s.index(after: i)...].firstIndex(of: "`") {
                flush()
                out += "<code>" + HTMLText.escape(String(s[s.index(after: i)..<close])) + "</code>"
                i = s.index(after: close)
            } else if rest.hasPrefix("["), let link = parseLink(rest) {
                flush()
                out += "<a href=\"\(HTMLText.escape(link.url))\" rel=\"nofollow noopener\">\(inline(link.text))</a>"
                i = link.end
            } else if rest.hasPrefix("**"), let close = s[s.index(i, offsetBy: 2)...].range(of: "**"),
                close.lowerBound > s.index(i, offsetBy: 2)
            {
                flush()
                out += "<strong>" + inline(String(s[s.index(i, offsetBy: 2)..<close.lowerBound])) + "</strong>"
                i = close.upperBound
            } else if let marker = rest.first, marker == "*" || marker == "_",
                let close = s[s.index(after: i)...].firstIndex(of: marker), close > s.index(after: i),
                !s[s.index(after: i)].isWhitespace
            {
                flush()
                out += "<em>" + inline(String(s[s.index(after: i)..<close])) + "</em>"
                i = s.index(after: close)
            } else {
                plain.append(s[i])
                i = s.index(after: i)
            }
        }
        flush()
        return out
    }

    /// `[text](http://…)` at the start of `s`.
    static func parseLink(_ s: Substring) -> (text: String, url: String, end: String.Index)? {
        guard let closeBracket = s.firstIndex(of: "]"), s[s.index(after: closeBracket)...].hasPrefix("("),
            let closeParen = s[closeBracket...].firstIndex(of: ")")
        else { return nil }
        let text = String(s[s.index(after: s.startIndex)..<closeBracket])
        let url = String(s[s.index(closeBracket, offsetBy: 2)..<closeParen]).trimmingCharacters(in: .whitespaces)
        let lower = url.lowercased()
        guard !text.isEmpty, lower.hasPrefix("https://") || lower.hasPrefix("http://"), !url.contains(" ") else {
            return nil
        }
        return (text, url, s.index(after: closeParen))
    }
}
