import Foundation
import PaperModel

// The same text normalization as the Kaggle importer (Sources/Ingest), kept here because this module depends
// on PaperModel only.

extension String {
    /// Hard-wrapped arXiv text on one line: runs of whitespace (newlines included) become one space, trimmed.
    /// Byte-level; besides ASCII whitespace it folds U+00A0, U+2000-U+200A, U+202F and U+3000.
    var collapsingWhitespace: String {
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var pendingSpace = false
        var bytes = ContiguousArray(utf8)
        let count = bytes.count
        return bytes.withUnsafeMutableBufferPointer { bytes -> String in
            var i = 0
            while i < count {
                let b = bytes[i]
                var width = 0
                switch b {
                case 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D: width = 1
                case 0xC2 where i + 1 < count && bytes[i + 1] == 0xA0: width = 2
                case 0xE2
                where i + 2 < count && bytes[i + 1] == 0x80
                    && (bytes[i + 2] <= 0x8A || bytes[i + 2] == 0xAF):
                    width = 3
                case 0xE3 where i + 2 < count && bytes[i + 1] == 0x80 && bytes[i + 2] == 0x80: width = 3
                default: break
                }
                if width > 0 {
                    pendingSpace = !out.isEmpty
                    i += width
                    continue
                }
                if pendingSpace {
                    out.append(0x20)
                    pendingSpace = false
                }
                out.append(b)
                i += 1
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    var nilIfEmpty: String? { isEmpty ? nil : self }
}

enum AuthorNames {
    /// `keyname`, `forenames`, `suffix` as `forenames keyname suffix` (the Kaggle importer's `authors_parsed`
    /// order).
    static func name(keyname: String, forenames: String, suffix: String) -> String? {
        [forenames, keyname, suffix].filter { !$0.isEmpty }.joined(separator: " ").collapsingWhitespace.nilIfEmpty
    }

    /// arXivRaw's author string, split on commas and " and " as the Kaggle importer splits its raw field.
    static func split(raw: String) -> [String] {
        raw.collapsingWhitespace
            .replacingOccurrences(of: " and ", with: ", ")
            .split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }
}

enum ArxivDates {
    /// `2007-04-02` as the start of that UTC day.
    static func day(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return Day(String(trimmed.prefix(10)))?.startDate
    }

    /// `Mon, 2 Apr 2007 19:18:42 GMT` (arXivRaw version dates); one formatter per parser, they are costly.
    static func makeRFC2822() -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, d MMM yyyy HH:mm:ss zzz"
        return formatter
    }

    /// `2011-11-08T18:48:36Z` (Atom dates), with or without fractional seconds or an offset.
    static func iso8601(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let date = try? Date(trimmed, strategy: .iso8601) { return date }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: trimmed)
    }

    /// An HTTP-date (`Retry-After: Wed, 21 Oct 2026 07:28:00 GMT`, also the RFC 850 and asctime forms).
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text.trimmingCharacters(in: .whitespaces)) { return date }
        }
        return nil
    }
}
