import Foundation
import Logging
import Mail
import PaperModel
import PaperStore

/// Renders and records the digests of one period for every confirmed subscriber, then delivers the outbox.
///
/// Each (subscriber, period) digest has the idempotency key `digest:<subscriber id>:<period key>`. It is rendered
/// only when the key is not recorded yet and recorded with `INSERT ... ON CONFLICT DO NOTHING`, so a rerun (after
/// a crash, a restart, or by hand) neither renders nor sends anything twice.
public struct DigestBatch: Sendable {
    public let store: any PaperStore
    public let selector: DigestSelector
    public let renderer: DigestRenderer
    public let tokens: SubscriptionTokens
    public let sender: DigestSender
    let logger: Logger
    let clock: @Sendable () -> Date

    public init(
        store: any PaperStore, selector: DigestSelector, renderer: DigestRenderer, tokens: SubscriptionTokens,
        sender: DigestSender, logger: Logger = Logger(label: "paperboy.digest"),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.selector = selector
        self.renderer = renderer
        self.tokens = tokens
        self.sender = sender
        self.logger = logger
        self.clock = clock
    }

    public static func key(subscriberID: Int64, period: DigestPeriod) -> String {
        "digest:\(subscriberID):\(period.key)"
    }

    public struct EnqueueReport: Sendable, Equatable {
        public var period: DigestPeriod
        /// No papers in the period: nothing recorded, nothing sent.
        public var emptyPeriod = false
        public var subscribers = 0
        public var recorded = 0
        public var alreadyRecorded = 0
        /// Subscribers whose digest could not be rendered (an address the mail layer refuses).
        public var unrenderable = 0
    }

    /// Records the period's digest for every confirmed subscriber of its frequency (or only `only`, an address
    /// that must be a confirmed subscriber).
    public func enqueue(_ period: DigestPeriod, only: Subscriber? = nil) async throws -> EnqueueReport {
        var report = EnqueueReport(period: period)
        let papers = try await selector.periodPapers(period)
        guard !papers.isEmpty else {
            report.emptyPeriod = true
            logger.info("no papers in the period: no digest", metadata: ["period": "\(period)"])
            return report
        }
        if let only {
            try await enqueue([only], papers, period, into: &report)
            return report
        }
        // A page of subscribers at a time, each digest rendered, recorded and dropped before the next: the batch
        // holds one page and one reader's recommendations, however many subscribers there are.
        var after: Int64?
        while true {
            let page = try await store.subscribers(
                status: .confirmed, frequency: period.frequency, afterID: after, limit: subscriberPage)
            try await enqueue(page, papers, period, into: &report)
            guard page.count == subscriberPage, let last = page.last else { break }
            after = last.id
        }
        return report
    }

    /// Subscribers read from the store per page.
    public var subscriberPage = 500

    private func enqueue(
        _ subscribers: [Subscriber], _ papers: DigestSelector.PeriodPapers, _ period: DigestPeriod,
        into report: inout EnqueueReport
    ) async throws {
        report.subscribers += subscribers.count
        for subscriber in subscribers {
            try Task.checkCancellation()
            let key = Self.key(subscriberID: subscriber.id, period: period)
            if try await store.outboxMessage(key: key) != nil {
                report.alreadyRecorded += 1
                continue
            }
            let message: MailMessage
            do {
                message = try await render(papers, for: subscriber, key: key)
            } catch let error as MailError {
                // An address the mail layer refuses (stored before validation got stricter): skip it, keep going.
                report.unrenderable += 1
                logger.warning(
                    "digest not rendered", metadata: ["subscriber": "\(subscriber.id)", "error": "\(error)"])
                continue
            }
            if try await store.enqueueOutbox(
                key: key, subscriberID: subscriber.id, recipient: subscriber.email, payload: StoredMail.encode(message),
                at: clock())
            {
                report.recorded += 1
            } else {
                report.alreadyRecorded += 1
            }
        }
    }

    func render(
        _ papers: DigestSelector.PeriodPapers, for subscriber: Subscriber, key: String
    ) async throws -> MailMessage {
        let content = try await selector.content(papers, for: subscriber)
        return try renderer.digest(
            content, to: try MailAddress(subscriber.email), subscriberID: subscriber.id, tokens: tokens, key: key,
            date: clock())
    }

    /// The digest `subscriber` (or a visitor, nil) would get for `period`, rendered but neither recorded nor sent:
    /// for previews and dry runs. Nil for an empty period.
    public func preview(
        _ period: DigestPeriod, for subscriber: Subscriber?, to address: MailAddress
    ) async throws -> MailMessage? {
        let papers = try await selector.periodPapers(period)
        guard !papers.isEmpty else { return nil }
        let content = try await selector.content(papers, for: subscriber)
        let key =
            subscriber.map { Self.key(subscriberID: $0.id, period: period) }
            ?? "preview:\(address.address):\(period.key)"
        return try renderer.digest(
            content, to: address, subscriberID: subscriber?.id, tokens: subscriber == nil ? nil : tokens, key: key,
            date: clock())
    }

    /// Records and delivers the period's digests: what the scheduler and `paperboy digest send` run.
    public func run(
        _ period: DigestPeriod, only: Subscriber? = nil,
        progress: (@Sendable (OutboxMessage, DigestSender.Outcome) -> Void)? = nil
    ) async throws -> (EnqueueReport, DigestSender.Report) {
        let enqueued = try await enqueue(period, only: only)
        let delivered = try await sender.deliverDue(progress: progress)
        return (enqueued, delivered)
    }
}
