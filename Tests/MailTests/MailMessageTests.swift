import Foundation
import Mail
import Testing

func sampleMessage(
    subject: String = "Trending papers: 3 new this week",
    text: String = "Hello Ada,\n\nhere is what is trending.\n",
    html: String? = "<p>Hello Ada,</p>\n<p>here is what is <b>trending</b>.</p>\n",
    extraHeaders: [(name: String, value: String)] = []
) throws -> MailMessage {
    MailMessage(
        from: try MailAddress("digest@paperboy.example", displayName: "Paperboy"),
        to: try MailAddress("ada@example.org", displayName: "Ada L."),
        subject: subject, textBody: text, htmlBody: html,
        messageID: "digest-daily-2026-05-30-42@paperboy.example",
        date: Date(timeIntervalSince1970: 1_795_756_068), extraHeaders: extraHeaders)
}

@Suite("Message rendering")
struct MailMessageTests {
    @Test func textOnlyMessageHasTheExpectedHeadersAndBody() throws {
        let rendered = try sampleMessage(html: nil).rendered()
        let expected = [
            "Date: Fri, 27 Nov 2026 05:07:48 +0000",
            "From: \"Paperboy\" <digest@paperboy.example>",
            "To: \"Ada L.\" <ada@example.org>",
            "Subject: Trending papers: 3 new this week",
            "Message-ID: <digest-daily-2026-05-30-42@paperboy.example>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "Hello Ada,", "", "here is what is trending.", "", "",
        ].joined(separator: "\r\n")
        #expect(rendered == expected)
    }

    @Test func everyLineEndsInCRLF() throws {
        let rendered = try sampleMessage(text: "a\nb\rc\r\nd").rendered()
        #expect(!rendered.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(!rendered.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        #expect(rendered.hasSuffix("\r\n"))
    }

    @Test func multipartHasTextThenHTMLAndAFreshBoundary() throws {
        let message = try sampleMessage()
        let rendered = try message.rendered()
        let unfolded = rendered.replacingOccurrences(of: "\r\n ", with: " ")
        let contentType = try #require(
            unfolded.components(separatedBy: "\r\n").first { $0.hasPrefix("Content-Type: multipart/alternative") })
        let boundary = try #require(contentType.components(separatedBy: "boundary=\"").last?.dropLast())
        #expect(boundary.count > 20)
        let text = try #require(rendered.range(of: "--\(boundary)\r\nContent-Type: text/plain; charset=utf-8"))
        let html = try #require(rendered.range(of: "--\(boundary)\r\nContent-Type: text/html; charset=utf-8"))
        #expect(text.lowerBound < html.lowerBound)
        #expect(rendered.hasSuffix("--\(boundary)--\r\n"))
        #expect(try message.rendered() != rendered, "each rendering draws a new boundary")
    }

    @Test func extraHeadersAreWritten() throws {
        let rendered = try sampleMessage(extraHeaders: [
            ("List-Unsubscribe", "<https://paperboy.example/unsubscribe/abc>, <mailto:unsubscribe@paperboy.example>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ("List-Id", "Paperboy daily digest <daily.paperboy.example>"),
        ]).rendered()
        #expect(rendered.contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"))
        #expect(rendered.contains("\r\nList-Id: Paperboy daily digest <daily.paperboy.example>\r\n"))
        #expect(
            rendered.replacingOccurrences(of: "\r\n ", with: " ").contains(
                "\r\nList-Unsubscribe: <https://paperboy.example/unsubscribe/abc>, <mailto:unsubscribe@paperboy.example>\r\n"
            ))
    }

    @Test(arguments: [
        "Hi\r\nBcc: evil@x.y", "Hi\nBcc: evil@x.y", "Hi\rthere", "Hi\0", "Hi\u{1B}[31m", "Hi\u{7F}",
    ])
    func controlCharactersInTheSubjectAreHeaderInjection(subject: String) throws {
        let message = try sampleMessage(subject: subject)
        #expect(mailErrorCode { try message.rendered() } == .headerInjection)
    }

    @Test func controlCharactersInExtraHeadersAreHeaderInjection() throws {
        let badValue = try sampleMessage(extraHeaders: [("List-Id", "x\r\nBcc: evil@x.y")])
        #expect(mailErrorCode { try badValue.rendered() } == .headerInjection)
        let badName = try sampleMessage(extraHeaders: [("X-A\r\nBcc", "evil@x.y")])
        #expect(mailErrorCode { try badName.rendered() } == .headerInjection)
        var badID = try sampleMessage()
        badID.messageID = "a@b\r\nBcc: evil@x.y"
        #expect(mailErrorCode { try badID.rendered() } == .headerInjection)
    }

    @Test(arguments: ["", "X Y", "X:Y", "Bcc", "subject", "Content-Type", "Tëst"])
    func invalidOrReservedHeaderNamesAreRejected(name: String) throws {
        let message = try sampleMessage(extraHeaders: [(name, "value")])
        #expect(mailErrorCode { try message.rendered() } == .invalidHeader)
    }

    @Test func nonASCIIExtraHeaderValuesAreRejected() throws {
        let message = try sampleMessage(extraHeaders: [("List-Id", "Zeitung für Ada <x.example>")])
        #expect(mailErrorCode { try message.rendered() } == .invalidHeader)
    }

    @Test(arguments: ["no-at-sign", "a@b@c", "@b", "a@", "a b@c", "a@b>x"])
    func invalidMessageIDsAreRejected(id: String) throws {
        var message = try sampleMessage()
        message.messageID = id
        #expect(mailErrorCode { try message.rendered() } == .invalidHeader)
    }

    @Test func messageIDInAngleBracketsIsAcceptedAsIs() throws {
        var message = try sampleMessage(html: nil)
        message.messageID = "<x@y.z>"
        #expect(try message.rendered().contains("\r\nMessage-ID: <x@y.z>\r\n"))
    }

    @Test(.enabled(if: TestPython.available, TestPython.unavailable))
    func pythonsEmailPackageReadsBackWhatWeWrote() throws {
        let text = [
            "Trending this week in cs.LG — 3 papers",
            "A line with = and == and =3D that is long enough to need a soft line break somewhere along the way, really long.",
            "Trailing spaces here   ",
            "Trailing tab\t",
            ".",
            "..double",
            ".leading dot",
            "Ünïcödé: 日本語, emoji 🚀, math ∑ ≤ ∞",
            "From the start of a line",
            "",
        ].joined(separator: "\n")
        let html =
            "<html><body><p>Trending: <a href=\"https://paperboy.example/p/2210.14199?x=1&amp;y=2\">A paper</a></p>\n<p>.</p>\n<p>Ünïcödé 🚀</p></body></html>\n"
        let subject = "Nouveautés de la semaine : 3 articles « tendance » en apprentissage automatique 🚀"
        let message = MailMessage(
            from: try MailAddress("digest@paperboy.example", displayName: "Paperboy Digest"),
            to: try MailAddress("jose@example.org", displayName: "José Ñúñez, PhD"),
            subject: subject, textBody: text, htmlBody: html,
            messageID: "digest-daily-2026-05-30-42@paperboy.example",
            date: Date(timeIntervalSince1970: 1_795_756_068),
            extraHeaders: [
                ("List-Unsubscribe", "<https://paperboy.example/unsubscribe/t0k3n>"),
                ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ])
        let rendered = try message.rendered()
        for line in rendered.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 78, "line longer than 78: \(line)")
            #expect(line.unicodeScalars.allSatisfy { $0.isASCII }, "non-ASCII line: \(line)")
        }

        let parsed = try TestPython.parse(rendered)
        #expect(parsed.defects.isEmpty, "\(parsed.defects)")
        #expect(parsed.subject == subject)
        #expect(parsed.from == ParsedMessage.Address(address: "digest@paperboy.example", name: "Paperboy Digest"))
        #expect(parsed.to == ParsedMessage.Address(address: "jose@example.org", name: "José Ñúñez, PhD"))
        #expect(parsed.messageID == "<digest-daily-2026-05-30-42@paperboy.example>")
        #expect(parsed.date == "Fri, 27 Nov 2026 05:07:48 +0000")
        #expect(parsed.contentType == "multipart/alternative")
        #expect(parsed.parts == ["text/plain", "text/html"])
        #expect(normalizedBody(parsed.text) == normalizedBody(text))
        #expect(normalizedBody(parsed.html) == normalizedBody(html))
        #expect(parsed.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click")
    }

    @Test(.enabled(if: TestPython.available, TestPython.unavailable))
    func pythonReadsTextOnlyMessagesAndLongASCIISubjects() throws {
        let subject = (1...20).map { "word\($0)" }.joined(separator: " ")
        let message = try sampleMessage(subject: subject, text: "Only text.\n.\nEnd", html: nil)
        let parsed = try TestPython.parse(try message.rendered())
        #expect(parsed.defects.isEmpty, "\(parsed.defects)")
        #expect(parsed.subject == subject)
        #expect(parsed.contentType == "text/plain")
        #expect(parsed.html == nil)
        #expect(normalizedBody(parsed.text) == "Only text.\n.\nEnd")
        #expect(parsed.to == ParsedMessage.Address(address: "ada@example.org", name: "Ada L."))
    }
}
