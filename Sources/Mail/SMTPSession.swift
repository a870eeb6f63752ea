import Logging
import NIOCore
import NIOSSL

/// One SMTP conversation over a connected channel: `command -> await reply`, one step at a time.
/// Used by a single task; not shared.
final class SMTPSession {
    let channel: any Channel
    private var replies: AsyncThrowingStream<SMTPReply, any Error>.AsyncIterator
    private var received = 0
    private let logger: Logger
    private(set) var tlsActive: Bool

    init(channel: any Channel, replies: AsyncThrowingStream<SMTPReply, any Error>, tlsActive: Bool, logger: Logger) {
        self.channel = channel
        self.replies = replies.makeAsyncIterator()
        self.tlsActive = tlsActive
        self.logger = logger
    }

    func readReply() async throws -> SMTPReply {
        guard let reply = try await replies.next() else { throw SMTPConnectionFailure.closed }
        received += 1
        logger.trace("smtp <<< \(reply.code) \(reply.text)")
        return reply
    }

    /// Sends one command line; `redacted` is what the log shows instead (for credentials).
    func send(_ line: String, redacted: String? = nil) async throws {
        logger.trace("smtp >>> \(redacted ?? line)")
        try await channel.writeAndFlush(ByteBuffer(string: line + "\r\n"))
    }

    func command(_ line: String, redacted: String? = nil) async throws -> SMTPReply {
        try await send(line, redacted: redacted)
        return try await readReply()
    }

    /// Puts TLS under the reply decoder after the server's `220` to STARTTLS. Anything the server sent after
    /// that reply arrived in plaintext and could be an attacker's injected replies, so it is refused.
    func startTLS(context: NIOSSLContext, serverHostname: String?) async throws {
        let expected = received
        let channel = self.channel
        try await channel.eventLoop.submit {
            let handler = try channel.pipeline.syncOperations.handler(type: SMTPReplyHandler.self)
            guard handler.repliesEmitted == expected, !handler.hasUnreadInput else {
                throw SMTPConnectionFailure.protocolViolation("the server sent data after its reply to STARTTLS")
            }
            let tls = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
            try channel.pipeline.syncOperations.addHandler(tls, position: .first)
        }.get()
        tlsActive = true
    }

    /// Writes the message in DATA form: every line that begins with "." gets another "." (RFC 5321 4.5.2),
    /// then the terminating `CRLF.CRLF`.
    func sendData(_ rendered: String) async throws {
        var payload = ByteBuffer()
        payload.reserveCapacity(rendered.utf8.count + 64)
        var atLineStart = true
        var last: UInt8 = 0
        for byte in rendered.utf8 {
            if atLineStart && byte == UInt8(ascii: ".") { payload.writeInteger(UInt8(ascii: ".")) }
            payload.writeInteger(byte)
            atLineStart = byte == UInt8(ascii: "\n")
            last = byte
        }
        if last != UInt8(ascii: "\n") { payload.writeString("\r\n") }
        payload.writeString(".\r\n")
        logger.trace("smtp >>> <\(payload.readableBytes) bytes of message data>")
        try await channel.writeAndFlush(payload)
    }

    func close() async {
        try? await channel.close()
    }
}

/// The extensions from an EHLO reply: keyword -> parameters, upper-cased (`AUTH` -> `["PLAIN", "LOGIN"]`).
struct SMTPCapabilities: Sendable {
    var extensions: [String: [String]] = [:]

    init() {}

    init(ehlo reply: SMTPReply) {
        for line in reply.lines.dropFirst() {
            var words = line.uppercased().split(whereSeparator: { $0 == " " || $0 == "=" }).map(String.init)
            guard !words.isEmpty else { continue }
            let keyword = words.removeFirst()
            extensions[keyword, default: []] += words
        }
    }

    func supports(_ keyword: String) -> Bool { extensions[keyword] != nil }
    var authMechanisms: [String] { extensions["AUTH"] ?? [] }
}
