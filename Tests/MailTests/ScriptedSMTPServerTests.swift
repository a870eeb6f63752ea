import Foundation
import Mail
import NIOCore
import NIOPosix
import Testing

/// A tiny SMTP server on SwiftNIO that answers from a script, for misbehaviour a real server will not show:
/// replies injected after STARTTLS, servers without EHLO, rejected greetings, dropped connections.
final class ScriptedSMTPServer: Sendable {
    /// Every command line the client sent, and the raw DATA lines (before un-stuffing) prefixed with "data: ".
    final class Transcript: @unchecked Sendable {
        private let lock = NSLock()
        private var _lines: [String] = []
        func append(_ line: String) { lock.withLock { _lines.append(line) } }
        var lines: [String] { lock.withLock { _lines } }
        var commands: [String] { lines.filter { !$0.hasPrefix("data: ") } }
    }

    let port: Int
    let transcript = Transcript()
    private let channel: any Channel

    /// `respond` maps a command line (or "<end of data>") to the raw reply text; nil closes the connection.
    init(
        greeting: String = "220 scripted.test ESMTP", host: String = "127.0.0.1",
        respond: @escaping @Sendable (String) -> String?
    ) async throws {
        let transcript = self.transcript
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(
                        Handler(greeting: greeting, respond: respond, transcript: transcript))
                }
            }
            .bind(host: host, port: 0).get()
        port = try #require(channel.localAddress?.port)
    }

    func stop() async {
        try? await channel.close()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let greeting: String
        let respond: @Sendable (String) -> String?
        let transcript: Transcript
        var buffer = ByteBuffer()
        var inData = false

        init(greeting: String, respond: @escaping @Sendable (String) -> String?, transcript: Transcript) {
            self.greeting = greeting
            self.respond = respond
            self.transcript = transcript
        }

        func channelActive(context: ChannelHandlerContext) {
            send(greeting, context: context)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var incoming = unwrapInboundIn(data)
            buffer.writeBuffer(&incoming)
            while let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                var line = buffer.readString(length: newline - buffer.readerIndex) ?? ""
                buffer.moveReaderIndex(forwardBy: 1)
                if line.hasSuffix("\r") { line.removeLast() }
                if inData {
                    transcript.append("data: " + line)
                    guard line == "." else { continue }
                    inData = false
                    line = "<end of data>"
                } else {
                    transcript.append(line)
                }
                guard let reply = respond(line) else {
                    context.close(promise: nil)
                    return
                }
                if line == "DATA" && reply.hasPrefix("354") { inData = true }
                send(reply, context: context)
            }
        }

        func send(_ reply: String, context: ChannelHandlerContext) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: reply + "\r\n")), promise: nil)
        }
    }
}

/// A server that does everything right, given how to answer EHLO.
@Sendable func wellBehaved(
    ehlo: String = "250-scripted.test\r\n250-SIZE 1000000\r\n250 8BITMIME"
) -> @Sendable (String) -> String? {
    { line in
        switch line.uppercased() {
        case let l where l.hasPrefix("EHLO"): ehlo
        case let l where l.hasPrefix("HELO"): "250 scripted.test"
        case let l where l.hasPrefix("MAIL FROM"), let l where l.hasPrefix("RCPT TO"): "250 2.1.0 OK"
        case "DATA": "354 End data with <CR><LF>.<CR><LF>"
        case "<END OF DATA>": "250 2.0.0 queued"
        case "QUIT": "221 2.0.0 bye"
        default: "500 5.5.2 what?"
        }
    }
}

@Suite("SMTP client against a scripted server")
struct ScriptedSMTPServerTests {
    func send(
        _ message: MailMessage, port: Int, options: String = "", authority: String = "127.0.0.1"
    ) async -> DeliveryError? {
        do {
            let configuration = try SMTPConfiguration(url: "smtp://\(authority):\(port)\(options)")
            try await SMTPTransport(configuration: configuration).send(message)
            return nil
        } catch let error as DeliveryError {
            return error
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    @Test func conversationIsRFC5321AndDataIsDotStuffedOnTheWire() async throws {
        let server = try await ScriptedSMTPServer(respond: wellBehaved())
        let message = try sampleMessage(text: ".\n.x\nplain\n..", html: nil)
        #expect(await send(message, port: server.port, options: "?helo=paperboy.test") == nil)
        await server.stop()
        let size = try message.rendered().utf8.count
        #expect(
            server.transcript.commands
                == [
                    "EHLO paperboy.test", "MAIL FROM:<digest@paperboy.example> SIZE=\(size)",
                    "RCPT TO:<ada@example.org>", "DATA",
                    "<end of data>", "QUIT",
                ].filter { $0 != "<end of data>" })
        let data = server.transcript.lines.filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
        #expect(data.suffix(5) == ["..", "..x", "plain", "...", "."])
    }

    @Test func fallsBackToHELOWhenEHLOIsRejected() async throws {
        let server = try await ScriptedSMTPServer(respond: { line in
            line.hasPrefix("EHLO") ? "502 5.5.1 EHLO not implemented" : wellBehaved()(line)
        })
        #expect(await send(try sampleMessage(), port: server.port) == nil)
        await server.stop()
        #expect(
            Array(server.transcript.commands.prefix(3)) == [
                "EHLO localhost", "HELO localhost", "MAIL FROM:<digest@paperboy.example>",
            ])
    }

    @Test func repliesInjectedAfterSTARTTLSAreRefused() async throws {
        let server = try await ScriptedSMTPServer(respond: { line in
            switch line {
            case let l where l.hasPrefix("EHLO"): "250-scripted.test\r\n250 STARTTLS"
            // A man in the middle answering for the server before the handshake: must not be believed.
            case "STARTTLS": "220 2.0.0 go ahead\r\n250-scripted.test\r\n250 AUTH PLAIN"
            default: wellBehaved()(line)
            }
        })
        let error = await send(try sampleMessage(), port: server.port)
        await server.stop()
        #expect(error?.kind == .transient)
        #expect(error?.message.contains("STARTTLS") == true, "\(String(describing: error))")
        #expect(!server.transcript.commands.contains { $0.hasPrefix("MAIL") })
    }

    @Test func greetingRejections() async throws {
        let busy = try await ScriptedSMTPServer(greeting: "421 4.3.2 too busy", respond: wellBehaved())
        let busyError = await send(try sampleMessage(), port: busy.port)
        await busy.stop()
        #expect(busyError?.kind == .transient)
        #expect(busyError?.replyCode == 421)

        let closed = try await ScriptedSMTPServer(greeting: "554 5.3.2 no service", respond: wellBehaved())
        let closedError = await send(try sampleMessage(), port: closed.port)
        await closed.stop()
        #expect(closedError?.kind == .permanent)
        #expect(closedError?.replyCode == 554)
    }

    @Test func multilineRepliesAndDroppedConnections() async throws {
        // A multi-line 250 to EHLO, then the server hangs up instead of answering RCPT.
        let server = try await ScriptedSMTPServer(respond: { line in
            line.hasPrefix("RCPT") ? nil : wellBehaved(ehlo: "250-one\r\n250-two\r\n250-three\r\n250 four")(line)
        })
        let error = await send(try sampleMessage(), port: server.port)
        await server.stop()
        #expect(error?.kind == .transient)
        #expect(error?.replyCode == nil)
        #expect(
            server.transcript.commands.prefix(3) == [
                "EHLO localhost", "MAIL FROM:<digest@paperboy.example>", "RCPT TO:<ada@example.org>",
            ])
    }

    @Test func malformedRepliesAreProtocolErrors() async throws {
        let server = try await ScriptedSMTPServer(respond: { line in
            line.hasPrefix("EHLO") ? "250-ok\r\n251 code changed mid-reply" : wellBehaved()(line)
        })
        let error = await send(try sampleMessage(), port: server.port)
        await server.stop()
        #expect(error?.kind == .transient)
        #expect(error?.message.contains("protocol violation") == true, "\(String(describing: error))")
    }

    @Test func requireTLSAlsoAppliesWithoutSTARTTLSSupport() async throws {
        let server = try await ScriptedSMTPServer(respond: wellBehaved())
        let error = await send(try sampleMessage(), port: server.port, options: "?starttls=required")
        await server.stop()
        #expect(error?.kind == .transient)
        #expect(!server.transcript.commands.contains { $0.hasPrefix("MAIL") })
    }

    /// This machine's first IPv4 address that is not loopback, if it has one.
    static let externalAddress: String? = try? System.enumerateDevices()
        .compactMap { $0.address?.ipAddress }
        .first { !$0.hasPrefix("127.") && !$0.contains(":") }

    @Test(.enabled(if: externalAddress != nil, "needs a non-loopback IPv4 address"))
    func credentialsAreNotSentWithoutTLSOverTheNetwork() async throws {
        let address = try #require(Self.externalAddress)
        let server = try await ScriptedSMTPServer(
            host: address, respond: wellBehaved(ehlo: "250-scripted.test\r\n250 AUTH PLAIN LOGIN"))
        let error = await send(try sampleMessage(), port: server.port, authority: "paperboy:secret@\(address)")
        await server.stop()
        #expect(error?.kind == .permanent)
        #expect(error?.message.contains("without TLS") == true, "\(String(describing: error))")
        #expect(!server.transcript.commands.contains { $0.hasPrefix("AUTH") || $0.hasPrefix("MAIL") })
        #expect(server.transcript.commands.first == "EHLO localhost", "the connection itself worked")
    }

    @Test func credentialsMayGoOverLoopbackWithoutTLS() async throws {
        let server = try await ScriptedSMTPServer(respond: { line in
            line.hasPrefix("AUTH PLAIN ")
                ? "235 2.7.0 ok" : wellBehaved(ehlo: "250-scripted.test\r\n250 AUTH PLAIN LOGIN")(line)
        })
        #expect(await send(try sampleMessage(), port: server.port, authority: "paperboy:s%20cret@127.0.0.1") == nil)
        await server.stop()
        let auth = try #require(server.transcript.commands.first { $0.hasPrefix("AUTH") })
        #expect(auth == "AUTH PLAIN " + Data("\0paperboy\0s cret".utf8).base64EncodedString())
    }
}
