import Foundation
import Testing

@testable import Mail

@Suite("Quoted-printable and header encoding")
struct MIMEEncodingTests {
    /// Every encoded line: at most 76 characters, only printable ASCII, no whitespace at its end.
    func expectWellFormed(_ encoded: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for line in encoded.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 76, "line too long: \(line)", sourceLocation: sourceLocation)
            #expect(
                line.unicodeScalars.allSatisfy { (32...126).contains($0.value) }, "\(line)",
                sourceLocation: sourceLocation)
            #expect(
                !line.hasSuffix(" ") && !line.hasSuffix("\t"), "trailing whitespace: \(line)",
                sourceLocation: sourceLocation)
        }
        #expect(
            !encoded.contains("\n") || !encoded.replacingOccurrences(of: "\r\n", with: "").contains("\n"),
            sourceLocation: sourceLocation)
    }

    /// A straightforward decoder, to check that encoding loses nothing.
    func decode(_ encoded: String) -> String {
        var bytes: [UInt8] = []
        let lines = encoded.components(separatedBy: "\r\n")
        for (index, line) in lines.enumerated() {
            var chars = Array(line.utf8)[...]
            var soft = false
            if chars.last == UInt8(ascii: "=") {
                soft = true
                chars = chars.dropLast()
            }
            var i = chars.startIndex
            while i < chars.endIndex {
                if chars[i] == UInt8(ascii: "="), i + 2 < chars.endIndex {
                    let hex = String(decoding: chars[(i + 1)...(i + 2)], as: UTF8.self)
                    bytes.append(UInt8(hex, radix: 16)!)
                    i += 3
                } else {
                    bytes.append(chars[i])
                    i += 1
                }
            }
            if !soft && index < lines.count - 1 { bytes += [13, 10] }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func plainTextStaysReadable() {
        #expect(MIMEEncoding.quotedPrintable("Hello, world!") == "Hello, world!")
        #expect(MIMEEncoding.quotedPrintable("a\nb\r\nc") == "a\r\nb\r\nc")
    }

    @Test func equalsSignIsEscaped() {
        #expect(MIMEEncoding.quotedPrintable("a=b") == "a=3Db")
        #expect(MIMEEncoding.quotedPrintable("=") == "=3D")
    }

    @Test func trailingWhitespaceIsEncoded() {
        #expect(MIMEEncoding.quotedPrintable("end  \nnext\t") == "end =20\r\nnext=09")
        #expect(MIMEEncoding.quotedPrintable("  ") == " =20")
    }

    @Test func nonASCIIIsEncodedAsUTF8Bytes() {
        #expect(MIMEEncoding.quotedPrintable("café ☕") == "caf=C3=A9 =E2=98=95")
    }

    @Test func aLineThatIsJustADotIsKept() {
        // Dot-stuffing is the SMTP layer's job; the encoded body keeps the dot as it is.
        #expect(MIMEEncoding.quotedPrintable("before\n.\nafter") == "before\r\n.\r\nafter")
        #expect(MIMEEncoding.quotedPrintable(".leading") == ".leading")
    }

    @Test func loneCarriageReturnsAreLineBreaks() {
        #expect(MIMEEncoding.quotedPrintable("a\rb") == "a\r\nb")
    }

    @Test func longLinesGetSoftBreaks() {
        let long = String(repeating: "abcdefghij", count: 20)
        let encoded = MIMEEncoding.quotedPrintable(long)
        expectWellFormed(encoded)
        #expect(encoded.components(separatedBy: "\r\n").count == 3)
        #expect(
            encoded.components(separatedBy: "\r\n").dropLast().allSatisfy { $0.hasSuffix("=") && $0.utf8.count == 76 })
        #expect(decode(encoded) == long)
    }

    @Test func escapesAreNeverSplitAcrossSoftBreaks() {
        for prefix in 70...78 {
            let text = String(repeating: "x", count: prefix) + "é=é ñ" + String(repeating: "y", count: 10)
            let encoded = MIMEEncoding.quotedPrintable(text)
            expectWellFormed(encoded)
            #expect(decode(encoded) == text, "prefix \(prefix)")
        }
    }

    @Test func spacesAtSoftBreaksSurvive() {
        let text = String(repeating: "word ", count: 40) + "end "
        let encoded = MIMEEncoding.quotedPrintable(text)
        expectWellFormed(encoded)
        #expect(decode(encoded) == text)
    }

    @Test func mixedEdgeCasesRoundTrip() {
        let text =
            "Über 9000 =^.^=\n\n.\n..\n.x\nline with tab\t\nemoji 🚀🚀🚀\n" + String(repeating: "ü", count: 60) + "\n"
        let encoded = MIMEEncoding.quotedPrintable(text)
        expectWellFormed(encoded)
        #expect(decode(encoded) == text.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test func subjectsAreEncodedOnlyWhenNeeded() {
        #expect(MIMEEncoding.unstructured("Trending papers this week") == "Trending papers this week")
        #expect(MIMEEncoding.unstructured("Résumé").hasPrefix("=?UTF-8?B?"))
        // Text that looks like an encoded word would be decoded by readers; encode it so it reads as written.
        #expect(MIMEEncoding.unstructured("=?UTF-8?B?SGk=?=").hasPrefix("=?UTF-8?B?"))
    }

    @Test func headersFoldAtSpacesWithin78Characters() {
        let value = (1...30).map { "word\($0)" }.joined(separator: " ")
        let header = MIMEEncoding.header("Subject", value)
        #expect(header.hasSuffix("\r\n"))
        let lines = header.components(separatedBy: "\r\n").dropLast()
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.utf8.count <= 78 })
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        // Unfolding gives the original back.
        #expect(header.replacingOccurrences(of: "\r\n", with: "") == "Subject: " + value)
    }

    @Test func encodedSubjectsFoldToo() {
        let subject = String(repeating: "Nouveautés en apprentissage automatique — ", count: 4)
        let header = MIMEEncoding.header("Subject", MIMEEncoding.unstructured(subject))
        let lines = header.components(separatedBy: "\r\n").dropLast()
        #expect(lines.count > 2)
        #expect(lines.allSatisfy { $0.utf8.count <= 78 })
    }

    @Test func dateIsRFC5322InUTC() {
        #expect(MIMEEncoding.date(Date(timeIntervalSince1970: 1_795_756_068)) == "Fri, 27 Nov 2026 05:07:48 +0000")
        #expect(MIMEEncoding.date(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
    }
}
