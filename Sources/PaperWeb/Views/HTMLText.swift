import PaperModel

/// HTML escaping and link rendering for text that comes from papers and users (always untrusted).
enum HTMLText {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Escapes `text` and wraps the given ranges (sorted, non-overlapping) in `<mark>`.
    static func highlighted(_ text: String, _ ranges: [Range<String.Index>]) -> String {
        var html = ""
        var cursor = text.startIndex
        for range in ranges where range.lowerBound >= cursor {
            html += escape(String(text[cursor..<range.lowerBound]))
            html += "<mark>" + escape(String(text[range])) + "</mark>"
            cursor = range.upperBound
        }
        return html + escape(String(text[cursor...]))
    }

    /// Escapes `text` and turns the URLs `LinkExtractor` finds in it into links. Only http(s) URLs become
    /// links, so `javascript:` and friends stay inert text.
    static func linkified(_ text: String) -> String {
        var html = ""
        var rest = Substring(text)
        for url in LinkExtractor.urls(in: text) {
            // Bare `github.com/x` mentions come back with a scheme added: find them as written.
            let written = rest.range(of: url) ?? rest.range(of: url.replacingOccurrences(of: "https://", with: ""))
            guard let range = written else { continue }
            html += escape(String(rest[..<range.lowerBound]))
            html += "<a href=\"\(escape(url))\" rel=\"noopener nofollow\">\(escape(String(rest[range])))</a>"
            rest = rest[range.upperBound...]
        }
        html += escape(String(rest))
        return html
    }
}
