import Foundation
import Mail
import PaperModel
import PaperStore
import PaperTestSupport
import Testing

@testable import Digests

/// One mail server seen by several instances: takes a moment per message, so that two senders running at once
/// overlap, and records every delivery.
actor SlowMailServer {
    private(set) var recipients: [String] = []

    func deliver(_ message: MailMessage) async throws {
        try await Task.sleep(for: .milliseconds(5))
        recipients.append(message.to.address)
    }

    /// One instance's transport to this server.
    nonisolated var transport: some MailTransport { Connection(server: self) }

    struct Connection: MailTransport {
        let server: SlowMailServer
        func send(_ message: MailMessage) async throws { try await server.deliver(message) }
    }
}

@Suite("Digests on several instances")
struct DigestLeaseTests {
    /// An instance's digest batch: its own sender and transport, the shared store, the outbox lease as `holder`.
    func instance(
        _ store: any PaperStore, _ server: SlowMailServer, holder: String, clock: ManualClock
    ) async throws -> DigestBatch {
        let tokens = try await SubscriptionTokens.load(from: store)
        let lease = Lease(
            DigestSender.leaseName, store: store, holder: holder, duration: .seconds(60), renewEvery: .milliseconds(50),
            clock: clock.wallClock)
        let sender = DigestSender(
            store: store, transport: server.transport, policy: DeliveryPolicy(backoff: [0, 0], messagesPerSecond: 0),
            lease: lease)
        return DigestBatch(
            store: store, selector: DigestSelector(store: store, search: nil),
            renderer: try await DigestRenderer(from: testFrom, links: testLinks), tokens: tokens, sender: sender)
    }

    @Test func aBatchRunOnTwoInstancesAtOnceSendsEachSubscriberOneDigest() async throws {
        let store = try await makeDigestStore()
        let addresses = (1...12).map { "reader\($0)@example.org" }
        for address in addresses { _ = try await confirmedSubscriber(store, address) }
        let server = SlowMailServer()
        let clock = ManualClock(Date())
        let a = try await instance(store, server, holder: "a", clock: clock)
        let b = try await instance(store, server, holder: "b", clock: clock)
        let period = DigestPeriod(.daily, asOf: Day("2026-05-29")!)
        // What `DigestBatch.run` does, with a wait for the other instance long enough for a loaded machine.
        @Sendable func run(_ batch: DigestBatch) async throws -> (DigestBatch.EnqueueReport, DigestSender.Report) {
            let enqueued = try await batch.enqueue(period)
            return (enqueued, try await batch.sender.deliverDue(lockTimeout: .seconds(600)))
        }
        async let first = run(a)
        async let second = run(b)
        let (ra, rb) = try await (first, second)
        #expect(ra.0.recorded + rb.0.recorded == 12, "each digest recorded once")
        #expect(ra.1.sent + rb.1.sent == 12)
        #expect(await server.recipients.sorted() == addresses.sorted(), "each subscriber got exactly one digest")
        #expect(try await store.leaseHolder(DigestSender.leaseName, now: clock.now) == nil, "released after")
    }

    @Test func aSenderWaitsForAnotherInstanceAndTakesOverAnExpiredLease() async throws {
        let store = try await makeDigestStore()
        _ = try await confirmedSubscriber(store, "reader@example.org")
        let server = SlowMailServer()
        let clock = ManualClock(Date())
        let batch = try await instance(store, server, holder: "b", clock: clock)
        let period = DigestPeriod(.daily, asOf: Day("2026-05-29")!)
        _ = try await batch.enqueue(period)
        // Another instance holds the outbox lease (it died mid-delivery: nobody renews it).
        #expect(
            try await store.acquireLease(DigestSender.leaseName, holder: "a", duration: .seconds(60), now: clock.now))
        await #expect(throws: DigestError.self) { try await batch.sender.deliverDue(lockTimeout: .milliseconds(300)) }
        #expect(await server.recipients.isEmpty, "nothing sent while the other instance holds the lease")
        clock.advance(by: 61)
        let report = try await batch.sender.deliverDue(lockTimeout: .milliseconds(300))
        #expect(report.sent == 1)
        #expect(await server.recipients == ["reader@example.org"])
    }
}
