/// One mailbox: a plain `local@domain` address and an optional display name.
///
/// Deliberately narrower than RFC 5322: the local part is a dot-atom (no quoted strings), the domain is an ASCII
/// host name (IDNs in their `xn--` form), and nothing that could end a header or an SMTP command gets in.
public struct MailAddress: Sendable, Hashable, CustomStringConvertible {
    /// The addr-spec, e.g. `ada@example.org`.
    public let address: String
    public let displayName: String?

    /// Throws `MailError` (`.headerInjection` for control characters, `.invalidAddress` otherwise).
    public init(_ address: String, displayName: String? = nil) throws {
        try HeaderSyntax.rejectControls(address, in: "address")
        try Self.validate(address)
        self.address = address
        if let displayName {
            try HeaderSyntax.rejectControls(displayName, in: "display name")
            let trimmed = displayName.trimmingSpaces()
            self.displayName = trimmed.isEmpty ? nil : trimmed
        } else {
            self.displayName = nil
        }
    }

    /// Parses `Name <a@b>`, `"Name, with specials" <a@b>`, `<a@b>` or `a@b`. Throws `MailError`.
    public static func parse(_ text: String) throws -> MailAddress {
        try HeaderSyntax.rejectControls(text, in: "address")
        let text = text.trimmingSpaces()
        guard text.hasSuffix(">") else {
            return try MailAddress(text)
        }
        guard let open = text.lastIndex(of: "<") else {
            throw MailError(.invalidAddress, "unbalanced angle brackets in \"\(text)\"")
        }
        let address = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
        let phrase = String(text[..<open]).trimmingSpaces()
        if phrase.isEmpty { return try MailAddress(address) }
        return try MailAddress(address, displayName: try unquotePhrase(phrase))
    }

    /// The header form: `"Ada L." <ada@example.org>`, or an RFC 2047 encoded word for non-ASCII names.
    public var description: String {
        guard let displayName else { return address }
        return "\(MIMEEncoding.phrase(displayName)) <\(address)>"
    }

    // MARK: - Validation

    static let maxLength = 254

    static func validate(_ address: String) throws {
        func fail(_ why: String) -> MailError {
            MailError(.invalidAddress, "\"\(address)\" is not a valid address: \(why)")
        }
        guard !address.isEmpty else { throw fail("empty") }
        guard address.utf8.count <= maxLength else { throw fail("longer than \(maxLength) characters") }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw fail("needs exactly one @") }
        let local = parts[0], domain = parts[1]
        guard !local.isEmpty else { throw fail("empty local part") }
        guard local.utf8.count <= 64 else { throw fail("local part longer than 64 characters") }
        guard !domain.isEmpty else { throw fail("empty domain") }
        guard local.unicodeScalars.allSatisfy({ HeaderSyntax.isAtext($0) || $0 == "." }) else {
            throw fail("local part may only contain letters, digits, dots and !#$%&'*+-/=?^_`{|}~")
        }
        guard !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else {
            throw fail("misplaced dot in local part")
        }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard !label.isEmpty else { throw fail("empty domain label") }
            guard label.utf8.count <= 63 else { throw fail("domain label longer than 63 characters") }
            guard
                label.unicodeScalars.allSatisfy({
                    ("0"..."9").contains($0) || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || $0 == "-"
                })
            else {
                throw fail("domain may only contain ASCII letters, digits and hyphens (use the xn-- form for IDNs)")
            }
            guard !label.hasPrefix("-"), !label.hasSuffix("-") else {
                throw fail("domain label starts or ends with a hyphen")
            }
        }
        if let last = labels.last, labels.count > 1, last.allSatisfy(\.isNumber) {
            throw fail("top-level domain is numeric")
        }
    }

    /// A display name as written before `<...>`: either a quoted string (with `\` escapes) or plain words
    /// without specials. Encoded words are not decoded: names come from Paperboy's own settings, not from mail.
    static func unquotePhrase(_ phrase: String) throws -> String {
        if phrase.hasPrefix("\"") {
            var result = ""
            var escaped = false
            var closed = false
            for char in phrase.dropFirst() {
                if closed { throw MailError(.invalidAddress, "text after the quoted display name in \(phrase)") }
                if escaped {
                    result.append(char)
                    escaped = false
                } else if char == "\\" {
                    escaped = true
                } else if char == "\"" {
                    closed = true
                } else {
                    result.append(char)
                }
            }
            guard closed else { throw MailError(.invalidAddress, "unterminated quoted display name in \(phrase)") }
            return result
        }
        let specials: Set<Character> = ["<", ">", "@", ",", ";", ":", "\"", "\\", "[", "]", "(", ")"]
        if let special = phrase.first(where: { specials.contains($0) }) {
            throw MailError(.invalidAddress, "display name \(phrase) contains \"\(special)\"; put it in double quotes")
        }
        return phrase
    }
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = unicodeScalars[...]
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
