import Foundation
import Mail
import PaperModel
import PaperStore
import PaperTestSupport
import Testing

@testable import Digests

/// Against a real SMTP server: aiosmtpd, started by the tests through $PAPERBOY_TEST_PYTHON (`scripts/test` sets it).
@Suite(
    "Digests over real SMTP", .serialized,
    .enabled(
        if: testPython != nil, "PAPERBOY_TEST_PYTHON is not set: run scripts/test (it creates .venv-test with aiosmtpd)"
    ))
struct SMTPIntegrationTests {
    let period = DigestPeriod(.daily, asOf: Day("2026-05-29")!)

    func smtp(_ peer: SMTPPeer) throws -> SMTPTransport {
        SMTPTransport(configuration: try SMTPConfiguration(url: peer.url))
    }

    @Test func confirmationFlowThenOneWellFormedDigestAndNothingForTheUnconfirmed() async throws {
        let peer = try SMTPPeer()
        defer { peer.stop() }
        let store = try await makeDigestStore()
        let transport = try smtp(peer)
        let tokens = try await SubscriptionTokens.load(from: store)
        let service = SubscriptionService(store: store, transport: transport, from: testFrom, tokens: tokens)
        _ = try await service.subscribe(
            email: "reader@example.org", username: nil, baseURL: "https://papers.example.org")
        _ = try await service.subscribe(
            email: "never@example.org", username: nil, baseURL: "https://papers.example.org")
        var messages = try peer.messages()
        #expect(messages.count == 2)
        let confirmation = try #require(messages.first { header("To", in: $0) == "reader@example.org" })
        #expect(header("Subject", in: confirmation) == "Confirm your Paperboy digest subscription")
        // The link, as a mail client decodes the quoted-printable text.
        let decoded = confirmation.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(
            of: "=3D", with: "=")
        let start = try #require(decoded.range(of: "https://papers.example.org/subscribe/confirm?token="))
        let token = String(decoded[start.upperBound...].prefix { !$0.isWhitespace && $0 != "\"" })
        #expect(try await service.confirm(token: token).status == .confirmed)

        let batch = try await makeBatch(store, transport: transport)
        let (enqueued, report) = try await batch.run(period)
        #expect(enqueued.subscribers == 1 && report.sent == 1)
        _ = try await batch.run(period)
        messages = try peer.messages()
        let digests = messages.filter { header("Subject", in: $0)?.hasPrefix("Paperboy daily") == true }
        #expect(digests.count == 1)
        let digest = try #require(digests.first)
        #expect(header("To", in: digest) == "reader@example.org")
        #expect(header("X-Peer-Rcpt", in: digest) == "reader@example.org")
        #expect(header("List-Unsubscribe-Post", in: digest) == "List-Unsubscribe=One-Click")
        #expect(
            header("List-Unsubscribe", in: digest)?.hasPrefix("<https://papers.example.org/unsubscribe?token=") == true)
        #expect(
            header("Message-ID", in: digest)
                == "<\(batch.renderer.messageID(forKey: DigestBatch.key(subscriberID: 1, period: period)))>")
        #expect(header("MIME-Version", in: digest) == "1.0")
        #expect(header("Content-Type", in: digest)?.hasPrefix("multipart/alternative") == true)
        #expect(header("Date", in: digest)?.contains(" +0000") == true)
        #expect(digest.contains("Content-Type: text/plain; charset=utf-8"))
        #expect(digest.contains("Content-Type: text/html; charset=utf-8"))
        #expect(
            !messages.contains {
                header("To", in: $0) == "never@example.org"
                    && header("Subject", in: $0)?.hasPrefix("Paperboy daily") == true
            })
    }

    @Test func aServerThatAnswers451ThenAcceptsGetsOneCopy() async throws {
        let peer = try SMTPPeer(replies: "451,250")
        defer { peer.stop() }
        let store = try await makeDigestStore()
        let subscriber = try await confirmedSubscriber(store, "a@example.org")
        let batch = try await makeBatch(store, transport: try smtp(peer))
        let (_, report) = try await batch.run(period)
        #expect(report.sent == 1 && report.failed == 0 && report.retrying == 0)
        #expect(try peer.messages().count == 1)
        #expect(peer.attempts().map { String($0.prefix(3)) } == ["451", "250"])
        let row = try #require(
            try await store.outboxMessage(key: DigestBatch.key(subscriberID: subscriber.id, period: period)))
        #expect(row.state == .sent && row.attempts == 2)
    }

    @Test func a550IsRecordedAndNotRetried() async throws {
        let peer = try SMTPPeer(replies: "550")
        defer { peer.stop() }
        let store = try await makeDigestStore()
        let subscriber = try await confirmedSubscriber(store, "nobody@example.org")
        let batch = try await makeBatch(store, transport: try smtp(peer))
        let (_, report) = try await batch.run(period)
        #expect(report.failed == 1 && report.sent == 0 && report.retrying == 0)
        let again = try await batch.run(period)
        #expect(again.1.failed == 0 && again.1.sent == 0)
        #expect(peer.attempts().count == 1)
        #expect(try peer.messages().isEmpty)
        let row = try #require(
            try await store.outboxMessage(key: DigestBatch.key(subscriberID: subscriber.id, period: period)))
        #expect(row.state == .failed && row.attempts == 1 && row.lastError?.hasPrefix("550") == true)
        #expect(try await store.subscriber(id: subscriber.id)?.bounceCount == 1)
    }
}
