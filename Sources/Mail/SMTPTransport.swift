import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Delivers over SMTP (RFC 5321) with SwiftNIO: one connection per message, STARTTLS or implicit TLS,
/// AUTH PLAIN or LOGIN, and DeliveryError for every way it can fail.
public final class SMTPTransport: MailTransport {
    private let configuration: SMTPConfiguration
    private let logger: Logger
    /// Built once: loading the trust roots for every message would be wasteful.
    private let tlsContext: Result<NIOSSLContext, any Error>?

    public init(configuration: SMTPConfiguration, logger: Logger = Logger(label: "paperboy.smtp")) {
        self.configuration = configuration
        self.logger = logger
        if configuration.security == .plain {
            tlsContext = nil
        } else {
            var tls = TLSConfiguration.makeClientConfiguration()
            if !configuration.verifyCertificates { tls.certificateVerification = .none }
            tlsContext = Result { try NIOSSLContext(configuration: tls) }
        }
    }

    public func send(_ message: MailMessage) async throws {
        let rendered = try message.renderedForDelivery()
        do {
            try await deliver(message, rendered: rendered)
            logger.debug(
                "delivered mail", metadata: ["message-id": "\(message.messageID)", "server": "\(configuration.host)"])
        } catch let error as DeliveryError {
            logger.debug("mail not delivered: \(error)", metadata: ["message-id": "\(message.messageID)"])
            throw error
        } catch {
            let failure = Self.deliveryError(for: error)
            logger.debug("mail not delivered: \(failure)", metadata: ["message-id": "\(message.messageID)"])
            throw failure
        }
    }

    /// Anything below SMTP replies (refused, reset, DNS, timeouts, TLS) may well work on a later attempt.
    static func deliveryError(for error: any Error) -> DeliveryError {
        let text: String
        switch error {
        case let failure as SMTPConnectionFailure: text = failure.description
        case let failure as NIOSSLError: text = "TLS failure: \(failure)"
        case let failure as BoringSSLError: text = "TLS failure: \(failure)"
        default: text = "\(error)"
        }
        return DeliveryError(kind: .transient, replyCode: nil, message: text)
    }

    private func deliver(_ message: MailMessage, rendered: String) async throws {
        let configuration = self.configuration
        // Settable in code, so checked here too: the name goes into a command line.
        guard !configuration.heloName.isEmpty, HeaderSyntax.isPrintableASCII(configuration.heloName),
            !configuration.heloName.contains(" ")
        else {
            throw DeliveryError(
                kind: .permanent, replyCode: nil, message: "invalid HELO name \"\(configuration.heloName)\"")
        }
        let context: NIOSSLContext?
        switch tlsContext {
        case .none: context = nil
        case .success(let built): context = built
        case .failure(let error):
            throw DeliveryError(kind: .permanent, replyCode: nil, message: "cannot set up TLS: \(error)")
        }
        // SNI and certificate names need a host name; for an IP address NIOSSL checks the address instead.
        let serverHostname =
            (try? SocketAddress(ipAddress: configuration.host, port: 0)) == nil ? configuration.host : nil
        let implicitTLS = configuration.security == .implicitTLS
        let timeout = configuration.timeout
        let (replies, continuation) = AsyncThrowingStream.makeStream(of: SMTPReply.self)

        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(timeout.timeAmount)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if implicitTLS, let context {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: context, serverHostname: serverHostname))
                    }
                    // The reply handler times out the greeting and every command (`timeout` each).
                    try channel.pipeline.syncOperations.addHandler(
                        SMTPReplyHandler(continuation: continuation, timeout: timeout))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
        } catch {
            continuation.finish()
            throw DeliveryError(
                kind: .transient, replyCode: nil,
                message: "cannot connect to \(configuration.host):\(configuration.port): \(error)")
        }
        let session = SMTPSession(channel: channel, replies: replies, tlsActive: implicitTLS, logger: logger)
        do {
            try await converse(
                session, message: message, rendered: rendered, tlsContext: context, serverHostname: serverHostname)
        } catch let error as DeliveryError {
            // The server is still talking to us: say goodbye properly.
            if error.replyCode != nil { try? await session.send("QUIT") }
            await session.close()
            throw error
        } catch {
            await session.close()
            throw error
        }
        await session.close()
    }

    private func converse(
        _ session: SMTPSession, message: MailMessage, rendered: String, tlsContext: NIOSSLContext?,
        serverHostname: String?
    ) async throws {
        let configuration = self.configuration
        try expect(await session.readReply(), 220, "greeting")
        var capabilities = try await hello(session)

        if configuration.security == .startTLS && !session.tlsActive {
            if capabilities.supports("STARTTLS"), let tlsContext {
                try expect(await session.command("STARTTLS"), 220, "STARTTLS")
                try await session.startTLS(context: tlsContext, serverHostname: serverHostname)
                capabilities = try await hello(session)
            }
        }
        if configuration.requireTLS && !session.tlsActive {
            // Could be a man in the middle stripping STARTTLS; a later attempt may get through.
            throw DeliveryError(
                kind: .transient, replyCode: nil,
                message: "\(configuration.host) does not offer STARTTLS, which the configuration requires")
        }

        if let username = configuration.username {
            // Credentials go over TLS only, except to a server on this machine (a local relay or a test
            // server): over loopback they never cross a network where someone could read them.
            guard session.tlsActive || Self.isLoopback(session.channel.remoteAddress) else {
                throw DeliveryError(
                    kind: .permanent, replyCode: nil,
                    message:
                        "refusing to send credentials to \(configuration.host) without TLS (use smtps:// or a server that offers STARTTLS)"
                )
            }
            try await authenticate(
                session, capabilities: capabilities, username: username, password: configuration.password ?? "")
        }

        var mailFrom = "MAIL FROM:<\(message.from.address)>"
        if capabilities.supports("SIZE") { mailFrom += " SIZE=\(rendered.utf8.count)" }
        try expect(await session.command(mailFrom), 250, "MAIL FROM")
        try expect(await session.command("RCPT TO:<\(message.to.address)>"), [250, 251], "RCPT TO")
        try expect(await session.command("DATA"), 354, "DATA")
        try await session.sendData(rendered)
        try expect(await session.readReply(), 250, "end of message data")
        // The message is accepted; a failing QUIT changes nothing about that.
        _ = try? await session.command("QUIT")
    }

    /// EHLO, or HELO for a server that rejects EHLO (and has no extensions then).
    private func hello(_ session: SMTPSession) async throws -> SMTPCapabilities {
        let reply = try await session.command("EHLO \(configuration.heloName)")
        if reply.code == 250 { return SMTPCapabilities(ehlo: reply) }
        guard (500..<600).contains(reply.code) else { try expect(reply, 250, "EHLO"); return SMTPCapabilities() }
        try expect(await session.command("HELO \(configuration.heloName)"), 250, "HELO")
        return SMTPCapabilities()
    }

    /// AUTH PLAIN when offered, AUTH LOGIN otherwise.
    private func authenticate(
        _ session: SMTPSession, capabilities: SMTPCapabilities, username: String, password: String
    ) async throws {
        func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
        let mechanisms = capabilities.authMechanisms
        if mechanisms.contains("PLAIN") {
            let token = base64("\0\(username)\0\(password)")
            try expect(
                await session.command("AUTH PLAIN \(token)", redacted: "AUTH PLAIN <credentials>"), 235, "AUTH PLAIN")
        } else if mechanisms.contains("LOGIN") {
            try expect(await session.command("AUTH LOGIN"), 334, "AUTH LOGIN")
            try expect(await session.command(base64(username), redacted: "<user name>"), 334, "AUTH LOGIN user name")
            try expect(await session.command(base64(password), redacted: "<password>"), 235, "AUTH LOGIN")
        } else {
            throw DeliveryError(
                kind: .permanent, replyCode: nil,
                message:
                    "\(configuration.host) offers no supported AUTH mechanism (PLAIN, LOGIN); offered: \(mechanisms)")
        }
    }

    private func expect(_ reply: SMTPReply, _ code: Int, _ step: String) throws {
        try expect(reply, [code], step)
    }

    /// 4xx: try again later; 5xx: do not. Any other unexpected reply is a confused server, worth a retry.
    private func expect(_ reply: SMTPReply, _ codes: Set<Int>, _ step: String) throws {
        guard !codes.contains(reply.code) else { return }
        let kind: DeliveryError.Kind = (500..<600).contains(reply.code) ? .permanent : .transient
        throw DeliveryError(
            kind: kind, replyCode: reply.code,
            message: "\(configuration.host) answered \(step) with \(reply.code) \(reply.text)")
    }

    static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
}

extension Duration {
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
