import Foundation
import Mail
import NIOCore
import NIOPosix
import PaperTestSupport
import Testing

/// SMTPTransport against a real SMTP server (aiosmtpd, started per test by `smtp_peer.py`).
@Suite("SMTP delivery", .serialized, .enabled(if: TestPython.available, TestPython.unavailable))
struct SMTPIntegrationTests {
    func transport(_ url: String) throws -> SMTPTransport {
        SMTPTransport(configuration: try SMTPConfiguration(url: url))
    }

    /// The error `send` throws, failing the test when it succeeds or throws something else.
    func deliveryError(
        _ transport: SMTPTransport, _ message: MailMessage, sourceLocation: SourceLocation = #_sourceLocation
    ) async -> DeliveryError? {
        do {
            try await transport.send(message)
            Issue.record("delivery unexpectedly succeeded", sourceLocation: sourceLocation)
        } catch let error as DeliveryError {
            return error
        } catch {
            Issue.record("expected a DeliveryError, got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    @Test func plainDeliveryOfAMultipartMessageWithDotLines() async throws {
        let peer = try SMTPPeer()
        defer { peer.stop() }
        let text = "Top papers:\n.\n.hidden? no: a line starting with a dot\n..two dots\nEnd.\n"
        let html = "<p>Top papers</p>\n.\n<p>End.</p>\n"
        let message = try sampleMessage(subject: "Trending — 3 papers", text: text, html: html)
        try await transport("smtp://127.0.0.1:\(peer.port)?helo=paperboy.test").send(message)

        let received = try peer.received()
        try #require(received.count == 1, "stderr: \(peer.stderr)")
        let mail = received[0]
        #expect(mail.mail_from == "digest@paperboy.example")
        #expect(mail.rcpt_tos == ["ada@example.org"])
        #expect(mail.helo == "paperboy.test")
        #expect(!mail.tls)
        #expect(mail.mail_options.contains { $0.hasPrefix("SIZE=") })
        // The server undid the dot-stuffing: the lines arrive exactly as rendered.
        #expect(mail.content.contains("\r\n.\r\n.hidden? no: a line starting with a dot\r\n..two dots\r\n"))
        let parsed = try TestPython.parse(mail.content)
        #expect(parsed.defects.isEmpty)
        #expect(parsed.subject == "Trending — 3 papers")
        #expect(parsed.from.address == "digest@paperboy.example")
        #expect(parsed.to == ParsedMessage.Address(address: "ada@example.org", name: "Ada L."))
        #expect(normalizedBody(parsed.text) == normalizedBody(text))
        #expect(normalizedBody(parsed.html) == normalizedBody(html))
    }

    @Test func textOnlyMessageArrivesByteForByte() async throws {
        let peer = try SMTPPeer()
        defer { peer.stop() }
        let message = try sampleMessage(text: ".\n..\n.x\n\nlast line without newline", html: nil)
        try await transport("smtp://127.0.0.1:\(peer.port)").send(message)
        let received = try peer.received()
        try #require(received.count == 1)
        #expect(received[0].content == (try message.rendered()))
    }

    @Test func startTLSThenAuthPlain() async throws {
        let tls = try makeSelfSignedCertificate()
        let peer = try SMTPPeer(["--starttls", tls.certificate, tls.key, "--auth", "paperboy:p@ss:w/rd"])
        defer { peer.stop() }
        let url = "smtp://paperboy:p%40ss%3Aw%2Frd@localhost:\(peer.port)?verify=false&starttls=required"
        try await transport(url).send(try sampleMessage())
        let received = try peer.received()
        try #require(received.count == 1, "stderr: \(peer.stderr)")
        #expect(received[0].tls)
        #expect(received[0].authenticated)
        #expect(received[0].auth_login == "paperboy")
        #expect(received[0].auth_mechanism == "PLAIN")
    }

    @Test func implicitTLSWithAuthLogin() async throws {
        let tls = try makeSelfSignedCertificate()
        let peer = try SMTPPeer([
            "--implicit-tls", tls.certificate, tls.key, "--auth", "paperboy:secret", "--exclude-auth", "PLAIN",
        ])
        defer { peer.stop() }
        try await transport("smtps://paperboy:secret@localhost:\(peer.port)?verify=false").send(try sampleMessage())
        let received = try peer.received()
        try #require(received.count == 1, "stderr: \(peer.stderr)")
        #expect(received[0].tls)
        #expect(received[0].auth_login == "paperboy")
        #expect(received[0].auth_mechanism == "LOGIN")
    }

    @Test func certificatesAreVerifiedByDefault() async throws {
        let tls = try makeSelfSignedCertificate()
        let peer = try SMTPPeer(["--starttls", tls.certificate, tls.key])
        defer { peer.stop() }
        let error = await deliveryError(try transport("smtp://localhost:\(peer.port)"), try sampleMessage())
        #expect(error?.kind == .transient)
        #expect(error?.replyCode == nil)
        #expect(error?.message.contains("TLS") == true, "\(String(describing: error))")
        #expect(try peer.received().isEmpty)
    }

    @Test func wrongPasswordIsPermanent535() async throws {
        let tls = try makeSelfSignedCertificate()
        let peer = try SMTPPeer(["--starttls", tls.certificate, tls.key, "--auth", "paperboy:right"])
        defer { peer.stop() }
        let url = "smtp://paperboy:wrong@127.0.0.1:\(peer.port)?verify=false"
        let error = await deliveryError(try transport(url), try sampleMessage())
        #expect(error?.kind == .permanent)
        #expect(error?.replyCode == 535)
        #expect(try peer.received().isEmpty)
    }

    @Test func authLoginOverLoopbackWithoutTLS() async throws {
        // Plaintext AUTH is allowed to a server on this machine only; the peer offers LOGIN, not PLAIN.
        let peer = try SMTPPeer(["--auth", "paperboy:secret", "--exclude-auth", "PLAIN"])
        defer { peer.stop() }
        try await transport("smtp://paperboy:secret@127.0.0.1:\(peer.port)").send(try sampleMessage())
        let received = try peer.received()
        try #require(received.count == 1, "stderr: \(peer.stderr)")
        #expect(!received[0].tls)
        #expect(received[0].auth_login == "paperboy")
        #expect(received[0].auth_mechanism == "LOGIN")
    }

    @Test func temporaryRecipientFailureIsTransient451ThenDelivers() async throws {
        let peer = try SMTPPeer(["--script", "RCPT:451,RCPT:250"])
        defer { peer.stop() }
        let transport = try transport("smtp://127.0.0.1:\(peer.port)")
        let error = await deliveryError(transport, try sampleMessage())
        #expect(error?.kind == .transient)
        #expect(error?.replyCode == 451)
        #expect(error?.message.contains("RCPT TO") == true)
        #expect(try peer.received().isEmpty)

        try await transport.send(try sampleMessage())
        #expect(try peer.received().count == 1)
    }

    @Test func unknownRecipientIsPermanent550() async throws {
        let peer = try SMTPPeer(["--script", "RCPT:550"])
        defer { peer.stop() }
        let error = await deliveryError(try transport("smtp://127.0.0.1:\(peer.port)"), try sampleMessage())
        #expect(error?.kind == .permanent)
        #expect(error?.replyCode == 550)
        #expect(try peer.received().isEmpty)
    }

    @Test func rejectedDataIsPermanent554() async throws {
        let peer = try SMTPPeer(["--script", "DATA:554"])
        defer { peer.stop() }
        let error = await deliveryError(try transport("smtp://127.0.0.1:\(peer.port)"), try sampleMessage())
        #expect(error?.kind == .permanent)
        #expect(error?.replyCode == 554)
    }

    @Test func requiredTLSWithoutSTARTTLSFails() async throws {
        let peer = try SMTPPeer()
        defer { peer.stop() }
        let error = await deliveryError(
            try transport("smtp://127.0.0.1:\(peer.port)?starttls=required"), try sampleMessage())
        #expect(error?.kind == .transient)
        #expect(error?.message.contains("STARTTLS") == true)
        #expect(try peer.received().isEmpty)
    }

    @Test func connectionRefusedIsTransient() async throws {
        // Bind a port, then close it: nothing listens there.
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(listener.localAddress?.port)
        try await listener.close()
        let error = await deliveryError(try transport("smtp://127.0.0.1:\(port)"), try sampleMessage())
        #expect(error?.kind == .transient)
        #expect(error?.replyCode == nil)
    }

    @Test func silentServerTimesOut() async throws {
        // Accepts connections and never says a word.
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        defer { listener.close(promise: nil) }
        let port = try #require(listener.localAddress?.port)
        let started = ContinuousClock.now
        let error = await deliveryError(try transport("smtp://127.0.0.1:\(port)?timeout=1"), try sampleMessage())
        #expect(error?.kind == .transient)
        #expect(error?.message.contains("no reply") == true, "\(String(describing: error))")
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
