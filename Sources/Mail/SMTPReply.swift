import NIOCore

/// One SMTP reply: a three-digit code and the text of its line(s) (`250-first`, `250 last`).
struct SMTPReply: Sendable, Equatable {
    var code: Int
    var lines: [String]

    var text: String { lines.joined(separator: " / ") }
}

/// What can go wrong below the level of reply codes.
enum SMTPConnectionFailure: Error, CustomStringConvertible {
    case closed
    case timeout(Duration)
    case protocolViolation(String)

    var description: String {
        switch self {
        case .closed: "the server closed the connection"
        case .timeout(let duration): "no reply from the server within \(duration)"
        case .protocolViolation(let what): "SMTP protocol violation: \(what)"
        }
    }
}

/// Turns the bytes from the server into `SMTPReply` values, pushed into an async stream that `SMTPSession`
/// reads. Closing, errors and the reply timeout end the stream with an error.
///
/// The timeout runs from the connection (for the greeting) and from each write (a command) until the next
/// complete reply: it measures the server, never the client. A client task that is slow to read a reply (a busy
/// machine) cannot time out a conversation whose server answered promptly.
final class SMTPReplyHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let maxLineLength = 4096
    static let maxLinesPerReply = 200

    private let continuation: AsyncThrowingStream<SMTPReply, any Error>.Continuation
    private let timeout: Duration
    private var buffer = ByteBuffer()
    private var pendingCode: Int?
    private var pendingLines: [String] = []
    /// Replies handed to the stream so far; with `hasUnreadInput`, lets the session check that nothing
    /// arrived after the reply to STARTTLS (plaintext injected ahead of the TLS handshake).
    private(set) var repliesEmitted = 0
    private var replyDeadline: Scheduled<Void>?

    init(continuation: AsyncThrowingStream<SMTPReply, any Error>.Continuation, timeout: Duration) {
        self.continuation = continuation
        self.timeout = timeout
    }

    var hasUnreadInput: Bool { buffer.readableBytes > 0 || !pendingLines.isEmpty }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { awaitReply(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        awaitReply(context)  // the greeting
        context.fireChannelActive()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        awaitReply(context)
        context.write(data, promise: promise)
    }

    private func awaitReply(_ context: ChannelHandlerContext) {
        replyDeadline?.cancel()
        let timeout = self.timeout
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        replyDeadline = context.eventLoop.scheduleTask(in: timeout.timeAmount) {
            let (handler, context) = bound.value
            handler.fail(SMTPConnectionFailure.timeout(timeout), context: context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        do {
            try decodeLines()
        } catch {
            fail(error, context: context)
        }
    }

    private func decodeLines() throws {
        while let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - buffer.readerIndex
            var line = buffer.readString(length: length) ?? ""
            buffer.moveReaderIndex(forwardBy: 1)
            if line.hasSuffix("\r") { line.removeLast() }
            try decode(line: line)
        }
        if buffer.readableBytes > Self.maxLineLength {
            throw SMTPConnectionFailure.protocolViolation("reply line longer than \(Self.maxLineLength) bytes")
        }
        buffer.discardReadBytes()
    }

    /// `250-text` continues a reply, `250 text` or `250` ends it.
    private func decode(line: String) throws {
        let utf8 = Array(line.utf8)
        guard utf8.count >= 3, utf8[0] >= UInt8(ascii: "2"), utf8[0] <= UInt8(ascii: "5"),
            utf8[1...2].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let code = Int(String(decoding: utf8[0..<3], as: UTF8.self))
        else {
            throw SMTPConnectionFailure.protocolViolation("malformed reply line \"\(line.prefix(80))\"")
        }
        if let pendingCode, pendingCode != code {
            throw SMTPConnectionFailure.protocolViolation(
                "reply code changed from \(pendingCode) to \(code) within a reply")
        }
        let separator = utf8.count > 3 ? utf8[3] : UInt8(ascii: " ")
        let text = utf8.count > 4 ? String(decoding: utf8[4...], as: UTF8.self) : ""
        pendingLines.append(text)
        switch separator {
        case UInt8(ascii: "-"):
            pendingCode = code
            if pendingLines.count > Self.maxLinesPerReply {
                throw SMTPConnectionFailure.protocolViolation("reply with more than \(Self.maxLinesPerReply) lines")
            }
        case UInt8(ascii: " "):
            let reply = SMTPReply(code: code, lines: pendingLines)
            pendingCode = nil
            pendingLines = []
            repliesEmitted += 1
            replyDeadline?.cancel()
            replyDeadline = nil
            continuation.yield(reply)
        default:
            throw SMTPConnectionFailure.protocolViolation("malformed reply line \"\(line.prefix(80))\"")
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        replyDeadline?.cancel()
        continuation.finish(throwing: SMTPConnectionFailure.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error, context: context)
    }

    private func fail(_ error: any Error, context: ChannelHandlerContext) {
        replyDeadline?.cancel()
        replyDeadline = nil
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }
}
