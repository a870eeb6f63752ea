import Foundation

/// RFC 2047 encoded words, RFC 2045 quoted-printable, header folding and the RFC 5322 date.
enum MIMEEncoding {
    // MARK: Encoded words

    /// A display name in header form: quoted string for ASCII, encoded words otherwise.
    static func phrase(_ name: String) -> String {
        if HeaderSyntax.isPrintableASCII(name) && !name.contains("=?") {
            let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\""
        }
        return encodedWords(name)
    }

    /// Unstructured text (Subject): as is when plain ASCII that a reader unfolds back to the same string,
    /// encoded words otherwise.
    static func unstructured(_ text: String) -> String {
        let plain =
            HeaderSyntax.isPrintableASCII(text) && !text.contains("=?") && !text.contains("  ")
            && !text.hasPrefix(" ") && !text.hasSuffix(" ")
            && !text.split(separator: " ").contains(where: { $0.utf8.count > 60 })
        return plain ? text : encodedWords(text)
    }

    /// `=?UTF-8?B?...?=` words (at most 64 characters, so that `Subject: ` and one word fit in 78), separated by
    /// spaces, which decoders drop between adjacent encoded words. A character is never split across two words.
    static func encodedWords(_ text: String) -> String {
        let maxBytes = 39  // 52 base64 characters + 12 for `=?UTF-8?B?` and `?=`
        var chunks: [[UInt8]] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if !chunk.isEmpty && chunk.count + bytes.count > maxBytes {
                chunks.append(chunk)
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || chunks.isEmpty { chunks.append(chunk) }
        return chunks.map { "=?UTF-8?B?" + Data($0).base64EncodedString() + "?=" }.joined(separator: " ")
    }

    // MARK: Folding

    /// `Name: value` folded before spaces into lines of at most 78 characters where possible (a single word
    /// longer than that stays whole), each line ending in CRLF. Unfolding (removing the CRLFs) gives back
    /// `Name: value` exactly.
    static func header(_ name: String, _ value: String) -> String {
        let limit = 78
        var lines: [String] = []
        var current = name + ":"
        var hasWord = false
        for word in value.split(separator: " ", omittingEmptySubsequences: false) {
            let piece = " " + word
            if hasWord && !word.isEmpty && current.utf8.count + piece.utf8.count > limit {
                lines.append(current)
                current = piece
            } else {
                current += piece
            }
            if !word.isEmpty { hasWord = true }
        }
        lines.append(current)
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    // MARK: Quoted-printable

    /// UTF-8 quoted-printable with CRLF line breaks: output lines of at most 76 characters (soft breaks `=`),
    /// `=` as `=3D`, whitespace before a line break encoded, CR and LF of any convention taken as line breaks.
    static func quotedPrintable(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count + text.utf8.count / 8)
        let bytes = Array(text.utf8)
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x0A {
                lines.append(bytes[start..<index])
                start = index + 1
            } else if bytes[index] == 0x0D {
                lines.append(bytes[start..<index])
                if index + 1 < bytes.count && bytes[index + 1] == 0x0A { index += 1 }
                start = index + 1
            }
            index += 1
        }
        lines.append(bytes[start..<bytes.count])
        for (number, line) in lines.enumerated() {
            if number > 0 { output += "\r\n" }
            output += quotedPrintableLine(line)
        }
        return output
    }

    private static let hex = Array("0123456789ABCDEF")

    private static func quotedPrintableLine(_ line: ArraySlice<UInt8>) -> String {
        var output = ""
        var length = 0
        let last = line.endIndex - 1
        for position in line.indices {
            let byte = line[position]
            let token: String
            switch byte {
            case 0x20, 0x09:
                token = position == last ? escape(byte) : String(UnicodeScalar(byte))
            case 33...126 where byte != UInt8(ascii: "="):
                token = String(UnicodeScalar(byte))
            default:
                token = escape(byte)
            }
            // Keep room for the soft break `=` (76 including it). A space or tab that ends up last on a soft-broken
            // line is fine: the `=` follows it.
            let reserve = position == last ? 0 : 1
            if length + token.count + reserve > 76 {
                output += "=\r\n"
                length = 0
            }
            output += token
            length += token.count
        }
        return output
    }

    private static func escape(_ byte: UInt8) -> String {
        "=" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0x0F)])
    }

    // MARK: Date

    /// RFC 5322 date in UTC: `Fri, 27 Nov 2026 05:07:48 +0000`.
    static func date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.weekday, .day, .month, .year, .hour, .minute, .second], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int?) -> String { let n = n ?? 0; return n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[(c.weekday ?? 1) - 1]), \(two(c.day)) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }
}
