import Foundation
import Mail
import PaperTestSupport
import Testing

@Suite("Recording and file transports")
struct TransportTests {
    @Test func recordingTransportRecordsAndFailsOnCommand() async throws {
        let transport = RecordingMailTransport()
        let message = try sampleMessage()
        try await transport.send(message)
        await transport.failNext(2, with: DeliveryError(kind: .transient, replyCode: 451, message: "try later"))
        for _ in 0..<2 {
            do {
                try await transport.send(message)
                Issue.record("expected a scripted failure")
            } catch let error as DeliveryError {
                #expect(error.kind == .transient)
                #expect(error.replyCode == 451)
            }
        }
        try await transport.send(message)
        let sent = await transport.sent
        #expect(sent.count == 2)
        #expect(sent.map(\.messageID) == [message.messageID, message.messageID])
    }

    @Test func recordingTransportRejectsMessagesThatCannotBeRendered() async throws {
        let transport = RecordingMailTransport()
        let message = try sampleMessage(subject: "Hi\r\nBcc: evil@x.y")
        await #expect(throws: DeliveryError.self) { try await transport.send(message) }
        #expect(await transport.sent.isEmpty)
    }

    @Test func fileTransportNamesFilesByItsClock() async throws {
        let directory = temporaryDirectory("clock")
        let clock = ManualClock(Date(timeIntervalSince1970: 1_700_000_000))  // 2023-11-14T22:13:20Z
        try await FileMailTransport(directory: directory, clock: clock.wallClock).send(try sampleMessage())
        clock.advance(by: 86_400)
        var second = try sampleMessage()
        second.messageID = "later@paperboy.example"
        try await FileMailTransport(directory: directory, clock: clock.wallClock).send(second)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(files.count == 2)
        #expect(files.first?.hasPrefix("20231114T221320.000Z-") == true)
        #expect(files.last?.hasPrefix("20231115T221320.000Z-later@paperboy.example") == true)
    }

    @Test func fileTransportWritesOneEmlPerMessage() async throws {
        let directory = temporaryDirectory("files").appendingPathComponent("outbox")
        let transport = FileMailTransport(directory: directory)
        var message = try sampleMessage()
        message.messageID = "digest/../daily#1@paperboy.example"
        try await transport.send(message)
        var second = try sampleMessage(html: nil)
        second.messageID = "second@paperboy.example"
        try await transport.send(second)

        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(files.count == 2, "\(files)")  // no temporary files left behind
        let first = try #require(files.first { $0.contains("daily") })
        #expect(first.hasSuffix("-digest_.._daily_1@paperboy.example.eml"))
        #expect(!first.contains("/"))
        #expect(first.range(of: #"^\d{8}T\d{6}\.\d{3}Z-"#, options: .regularExpression) != nil)
        let content = try String(contentsOf: directory.appendingPathComponent(first), encoding: .utf8)
        #expect(content.contains("\r\nMessage-ID: <digest/../daily#1@paperboy.example>\r\n"))

        let secondFile = try #require(files.first { $0.contains("second") })
        let secondContent = try String(contentsOf: directory.appendingPathComponent(secondFile), encoding: .utf8)
        #expect(secondContent.contains("\r\nMessage-ID: <second@paperboy.example>\r\n"))
    }

    @Test(.enabled(if: TestPython.available, TestPython.unavailable))
    func fileTransportWritesParseableMail() async throws {
        let directory = temporaryDirectory("files")
        let message = try sampleMessage()
        try await FileMailTransport(directory: directory).send(message)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        let name = try #require(files.first)
        #expect(files.count == 1)
        #expect(name.hasSuffix("-digest-daily-2026-05-30-42@paperboy.example.eml"))
        let parsed = try TestPython.parse(
            try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8))
        #expect(parsed.defects.isEmpty)
        #expect(parsed.subject == message.subject)
        #expect(parsed.to.address == "ada@example.org")
        #expect(normalizedBody(parsed.text) == normalizedBody(message.textBody))
        #expect(normalizedBody(parsed.html) == normalizedBody(message.htmlBody))
    }
}

@Suite("SMTP configuration URLs")
struct SMTPConfigurationTests {
    @Test func smtpDefaults() throws {
        let configuration = try SMTPConfiguration(url: "smtp://mail.example.org")
        #expect(configuration.host == "mail.example.org")
        #expect(configuration.port == 25)
        #expect(configuration.security == .startTLS)
        #expect(configuration.username == nil && configuration.password == nil)
        #expect(configuration.heloName == "localhost")
        #expect(configuration.timeout == .seconds(30))
        #expect(configuration.verifyCertificates)
        #expect(!configuration.requireTLS)
    }

    @Test func smtpsWithPercentEncodedCredentials() throws {
        let configuration = try SMTPConfiguration(
            url: "smtps://digest%40paperboy.example:p%40ss%3Aw%2Frd@Mail.Example.org:2465/")
        #expect(configuration.security == .implicitTLS)
        #expect(configuration.host == "mail.example.org")
        #expect(configuration.port == 2465)
        #expect(configuration.username == "digest@paperboy.example")
        #expect(configuration.password == "p@ss:w/rd")
        #expect(try SMTPConfiguration(url: "smtps://mail.example.org").port == 465)
    }

    @Test func queryOptions() throws {
        let configuration = try SMTPConfiguration(
            url: "smtp://127.0.0.1:2525?verify=false&starttls=required&helo=paperboy.example&timeout=5")
        #expect(!configuration.verifyCertificates)
        #expect(configuration.requireTLS)
        #expect(configuration.heloName == "paperboy.example")
        #expect(configuration.timeout == .seconds(5))
        #expect(try SMTPConfiguration(url: "smtp://[::1]:25?starttls=never").security == .plain)
        #expect(try SMTPConfiguration(url: "smtp://[::1]:2525").host == "::1")
    }

    @Test(arguments: [
        "mail.example.org", "http://mail.example.org", "smtp://", "smtp://:25", "smtp://host:0", "smtp://host:65536",
        "smtp://host:port", "smtp://user@host", "smtp://:pass@host", "smtp://host/path", "smtp://host?verify=maybe",
        "smtp://host?unknown=1", "smtps://host?starttls=never", "smtp://ho st", "smtp://host\r\n:25",
        "smtp://u:%zz@host", "smtp://host?starttls=required&starttls=never",
    ])
    func invalidURLs(url: String) {
        #expect(mailErrorCode { try SMTPConfiguration(url: url) } == .invalidConfiguration, "\(url)")
    }

    @Test func descriptionHidesThePassword() throws {
        let configuration = try SMTPConfiguration(url: "smtp://ada:s3cret@mail.example.org:587?starttls=required")
        #expect(!configuration.description.contains("s3cret"))
        #expect(configuration.description == "smtp://ada:***@mail.example.org:587?starttls=required")
    }
}
