import Foundation

/// One email to one recipient, rendered as an RFC 5322 message with UTF-8 quoted-printable bodies.
public struct MailMessage: Sendable {
    public var from: MailAddress
    public var to: MailAddress
    public var subject: String
    public var textBody: String
    /// nil: text/plain only; otherwise multipart/alternative (text first, HTML second).
    public var htmlBody: String?
    /// Without angle brackets, e.g. `digest-daily-2026-05-30-42@paperboy.example`.
    public var messageID: String
    public var date: Date
    /// E.g. List-Unsubscribe, List-Unsubscribe-Post, List-Id. Printable ASCII values; validated when rendering.
    public var extraHeaders: [(name: String, value: String)]

    public init(
        from: MailAddress, to: MailAddress, subject: String, textBody: String, htmlBody: String? = nil,
        messageID: String, date: Date = Date(), extraHeaders: [(name: String, value: String)] = []
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.textBody = textBody
        self.htmlBody = htmlBody
        self.messageID = messageID
        self.date = date
        self.extraHeaders = extraHeaders
    }

    /// Headers this renderer writes itself; an extra header may not repeat (or smuggle in) one of them.
    static let reservedHeaders: Set<String> = [
        "date", "from", "to", "cc", "bcc", "subject", "message-id", "mime-version", "content-type",
        "content-transfer-encoding", "sender",
    ]

    /// The whole message with CRLF line endings, ending in CRLF. Throws `MailError` for control characters in
    /// any header (`.headerInjection`) and for invalid header names, values or message IDs (`.invalidHeader`).
    public func rendered() throws -> String {
        try validate()
        var head = ""
        head += MIMEEncoding.header("Date", MIMEEncoding.date(date))
        head += MIMEEncoding.header("From", from.description)
        head += MIMEEncoding.header("To", to.description)
        head += MIMEEncoding.header("Subject", MIMEEncoding.unstructured(subject))
        head += MIMEEncoding.header("Message-ID", "<\(Self.bareMessageID(messageID))>")
        for header in extraHeaders {
            head += MIMEEncoding.header(header.name, header.value)
        }
        head += "MIME-Version: 1.0\r\n"

        let text = MIMEEncoding.quotedPrintable(textBody)
        guard let htmlBody else {
            return head
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: quoted-printable\r\n"
                + "\r\n" + text + "\r\n"
        }
        let html = MIMEEncoding.quotedPrintable(htmlBody)
        var boundary = Self.makeBoundary()
        while text.contains(boundary) || html.contains(boundary) { boundary = Self.makeBoundary() }
        let partHeaders = "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        return head
            + MIMEEncoding.header("Content-Type", "multipart/alternative; boundary=\"\(boundary)\"")
            + "\r\n"
            + "--\(boundary)\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n" + partHeaders + text + "\r\n"
            + "--\(boundary)\r\n"
            + "Content-Type: text/html; charset=utf-8\r\n" + partHeaders + html + "\r\n"
            + "--\(boundary)--\r\n"
    }

    /// `=_` cannot occur in quoted-printable output, so the boundary cannot collide with an encoded body; the
    /// renderer checks anyway.
    static func makeBoundary() -> String {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<2).map { _ in String(generator.next() as UInt64, radix: 16) }.joined()
        return "=_paperboy_" + random
    }

    static func bareMessageID(_ id: String) -> String {
        if id.hasPrefix("<") && id.hasSuffix(">") && id.count >= 2 { return String(id.dropFirst().dropLast()) }
        return id
    }

    func validate() throws {
        // Addresses need no check here: MailAddress.init, the only way to make one, validates them.
        try HeaderSyntax.rejectControls(subject, in: "subject")
        try HeaderSyntax.rejectControls(messageID, in: "Message-ID")
        let id = Self.bareMessageID(messageID)
        let halves = id.split(separator: "@", omittingEmptySubsequences: false)
        guard halves.count == 2, !halves[0].isEmpty, !halves[1].isEmpty,
            id.unicodeScalars.allSatisfy({
                (33...126).contains($0.value) && !"<>\"\\()[],;:".unicodeScalars.contains($0)
            })
        else {
            throw MailError(
                .invalidHeader,
                "Message-ID \"\(messageID)\" must look like unique-part@domain (printable ASCII, no specials)")
        }
        for header in extraHeaders {
            try HeaderSyntax.rejectControls(header.name, in: "header name \"\(header.name)\"")
            try HeaderSyntax.rejectControls(header.value, in: "value of header \(header.name)")
            guard !header.name.isEmpty, header.name.unicodeScalars.allSatisfy(HeaderSyntax.isFieldNameCharacter) else {
                throw MailError(
                    .invalidHeader,
                    "\"\(header.name)\" is not a valid header name (printable ASCII without spaces or colons)")
            }
            guard !Self.reservedHeaders.contains(header.name.lowercased()) else {
                throw MailError(
                    .invalidHeader, "\(header.name) is set by the message itself and cannot be an extra header")
            }
            guard HeaderSyntax.isPrintableASCII(header.value) else {
                throw MailError(.invalidHeader, "value of header \(header.name) must be printable ASCII")
            }
        }
    }
}
