/// Character classes and checks shared by addresses, headers and the message renderer.
enum HeaderSyntax {
    /// C0 controls (CR, LF, NUL, TAB, ...), DEL and the C1 controls. None of them belongs in a header we write;
    /// CR and LF would let a value start a new header (or, in an envelope address, a new SMTP command).
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
            || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    static func containsControl(_ text: String) -> Bool {
        text.unicodeScalars.contains(where: isControl)
    }

    static func rejectControls(_ text: String, in what: String) throws {
        if containsControl(text) {
            throw MailError(.headerInjection, "\(what) contains a control character (CR, LF, NUL, ...)")
        }
    }

    /// RFC 5322 `atext`: the characters of a dot-atom besides the dots.
    static func isAtext(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        default: return "!#$%&'*+-/=?^_`{|}~".unicodeScalars.contains(scalar)
        }
    }

    /// RFC 5322 `ftext`: printable US-ASCII except ":".
    static func isFieldNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        (33...126).contains(scalar.value) && scalar != ":"
    }

    static func isPrintableASCII(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { (32...126).contains($0.value) }
    }
}
