import Foundation
import Logging
import Mail
import PaperModel
import PaperStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the outbox delivers: retries, bounces, pace.
public struct DeliveryPolicy: Sendable {
    /// Waits before the 2nd, 3rd, ... attempt after a transient failure (4xx reply, connection error); when they
    /// are used up the message is failed.
    public var backoff: [TimeInterval] = [60, 300, 1800, 7200]
    /// Permanent failures (5xx) after which a subscriber is suspended.
    public var suspendAfterBounces = 3
    /// At most this many messages a second (0: no limit).
    public var messagesPerSecond: Double = 5

    public init(
        backoff: [TimeInterval] = [60, 300, 1800, 7200], suspendAfterBounces: Int = 3, messagesPerSecond: Double = 5
    ) {
        self.backoff = backoff
        self.suspendAfterBounces = suspendAfterBounces
        self.messagesPerSecond = messagesPerSecond
    }
}

/// Delivers the durable outbox.
///
/// Each queued row is sent and then marked sent in its own transaction, right after the server's final 250.
/// A crash before the 250 leaves the row queued: the next run sends it. A crash in the short window between the
/// 250 and the commit sends it again on the next run — with the same Message-ID (derived from the idempotency
/// key), which mail systems collapse into one. That window is the price of SMTP having no two-phase commit.
///
/// Only one sender runs at a time. Per data folder, `lockFile` is held with `flock` while delivering (the kernel
/// drops it when the process dies, even by SIGKILL), so `serve` and a `paperboy digest send` never deliver the
/// same row twice. Across instances sharing one database (each with its own data folder, maybe on another
/// machine) the store's `lease` does the same: taken before delivering, renewed meanwhile, released after; a
/// killed sender's lease expires and the next run takes it.
public final class DigestSender: Sendable {
    public let store: any PaperStore
    public let transport: any MailTransport
    public let policy: DeliveryPolicy
    let lockFile: URL?
    let lease: Lease?
    let logger: Logger
    let clock: @Sendable () -> Date
    let inProcess = InProcessLock()

    public init(
        store: any PaperStore, transport: any MailTransport, policy: DeliveryPolicy = DeliveryPolicy(),
        lockFile: URL? = nil, lease: Lease? = nil,
        logger: Logger = Logger(label: "paperboy.digest"), clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.transport = transport
        self.policy = policy
        self.lockFile = lockFile
        self.lease = lease
        self.logger = logger
        self.clock = clock
    }

    public enum Outcome: Sendable, Equatable {
        case sent
        case retryLater(String, at: Date)
        case failed(String)
        case skipped(String)
    }

    public struct Report: Sendable, Equatable {
        public var sent = 0
        public var retrying = 0
        public var failed = 0
        public var skipped = 0
        public init() {}
    }

    /// The lease name every instance's sender takes.
    public static let leaseName = "digest-outbox"

    /// Sends every due message, again and again while retries fall due (immediate ones in tests), until none is
    /// due. Waits up to `lockTimeout` for another sender (in this process, on this data folder, or another instance
    /// on the same database) to finish.
    public func deliverDue(
        lockTimeout: Duration = .seconds(60), progress: (@Sendable (OutboxMessage, Outcome) -> Void)? = nil
    ) async throws -> Report {
        try await inProcess.withLock {
            let fd = try await self.lockOutbox(timeout: lockTimeout)
            defer { if let fd { close(fd) } }
            guard let lease = self.lease else { return try await self.deliverAll(progress: progress) }
            try await self.waitForLease(lease, timeout: lockTimeout)
            let report: Report?
            do {
                report = try await lease.whileHeld { try await self.deliverAll(progress: progress) }
            } catch {
                try? await lease.release()
                throw error
            }
            try? await lease.release()
            guard let report else {
                throw DigestError("another Paperboy instance took the outbox lease \(lease.name); try again later")
            }
            return report
        }
    }

    /// Takes the outbox lease, waiting up to `timeout` for another instance to finish.
    func waitForLease(_ lease: Lease, timeout: Duration) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while !(try await lease.acquire()) {
            guard ContinuousClock.now < deadline else {
                let holder = (try? await lease.currentHolder()) ?? nil
                throw DigestError(
                    "another Paperboy instance (\(holder ?? "unknown")) is delivering the outbox; try again later")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// The delivery itself, once this sender holds the locks.
    func deliverAll(progress: (@Sendable (OutboxMessage, Outcome) -> Void)?) async throws -> Report {
        var report = Report()
        var lastSend: ContinuousClock.Instant?
        var retriedThisRun: [Int64: Int] = [:]
        while true {
            try Task.checkCancellation()
            let due = try await self.store.dueOutboxMessages(now: self.clock(), limit: 100)
                .filter { (retriedThisRun[$0.id] ?? 0) <= self.policy.backoff.count }
            if due.isEmpty { break }
            for message in due {
                try Task.checkCancellation()
                if self.policy.messagesPerSecond > 0, let lastSend {
                    let gap = Duration.seconds(1 / self.policy.messagesPerSecond)
                    let wait = lastSend.advanced(by: gap) - ContinuousClock.now
                    if wait > .zero { try await Task.sleep(for: wait) }
                }
                lastSend = ContinuousClock.now
                let outcome = try await self.deliver(message)
                switch outcome {
                case .sent: report.sent += 1
                case .retryLater:
                    report.retrying += 1
                    retriedThisRun[message.id, default: 0] += 1
                case .failed: report.failed += 1
                case .skipped: report.skipped += 1
                }
                progress?(message, outcome)
            }
        }
        // Retries that are not due yet stay queued for the next run.
        report.retrying = try await self.store.outboxMessages(state: .queued).count
        return report
    }

    /// One attempt at one message, recorded.
    func deliver(_ message: OutboxMessage) async throws -> Outcome {
        if let subscriberID = message.subscriberID, message.key.hasPrefix("digest:") {
            let subscriber = try await store.subscriber(id: subscriberID)
            guard subscriber?.status == .confirmed else {
                // Unsubscribed (or suspended) after the digest was recorded: never send it.
                let reason = "subscriber is \(subscriber?.status.rawValue ?? "gone"); not sent"
                try await store.markOutboxFailed(id: message.id, error: reason)
                return .skipped(reason)
            }
        }
        let mail: MailMessage
        do {
            mail = try StoredMail.decode(message.payload)
        } catch {
            let reason = "unreadable outbox payload: \(error)"
            try await store.markOutboxFailed(id: message.id, error: reason)
            return .failed(reason)
        }
        do {
            try await transport.send(mail)
        } catch let error as DeliveryError where error.kind == .permanent {
            let reason = Self.describe(error)
            try await store.markOutboxFailed(id: message.id, error: reason)
            if let subscriberID = message.subscriberID {
                let subscriber = try await store.recordBounce(
                    subscriberID: subscriberID, suspendAfter: policy.suspendAfterBounces)
                if subscriber.status == .suspended {
                    logger.warning(
                        "subscriber suspended after repeated bounces", metadata: ["subscriber": "\(subscriberID)"])
                }
            }
            logger.warning("delivery failed permanently", metadata: ["key": "\(message.key)", "error": "\(reason)"])
            return .failed(reason)
        } catch {
            // 4xx replies and connection errors: try again later.
            let reason = (error as? DeliveryError).map(Self.describe) ?? "\(error)"
            if message.attempts < policy.backoff.count {
                let retryAt = clock().addingTimeInterval(policy.backoff[message.attempts])
                try await store.markOutboxRetry(id: message.id, error: reason, retryAt: retryAt)
                logger.notice(
                    "delivery deferred",
                    metadata: ["key": "\(message.key)", "error": "\(reason)", "retryAt": "\(retryAt)"])
                return .retryLater(reason, at: retryAt)
            }
            try await store.markOutboxFailed(
                id: message.id, error: "gave up after \(message.attempts + 1) attempts: \(reason)")
            return .failed(reason)
        }
        // The server said 250: record it at once, in its own transaction.
        try await store.markOutboxSent(id: message.id, at: clock())
        return .sent
    }

    static func describe(_ error: DeliveryError) -> String {
        error.replyCode.map { "\($0) \(error.message)" } ?? error.message
    }

    /// The cross-process outbox lock, or nil without a lock file.
    func lockOutbox(timeout: Duration) async throws -> Int32? {
        guard let lockFile else { return nil }
        try? FileManager.default.createDirectory(
            at: lockFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fd = open(lockFile.path, O_CREAT | O_RDWR, 0o644)
        guard fd >= 0 else { throw DigestError("cannot open the outbox lock \(lockFile.path)") }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard ContinuousClock.now < deadline else {
                close(fd)
                throw DigestError(
                    "another Paperboy process is delivering the outbox (\(lockFile.path)); try again later")
            }
            do {
                try await Task.sleep(for: .milliseconds(200))
            } catch {
                close(fd)
                throw error
            }
        }
        return fd
    }
}

/// Serializes deliveries inside one process (the lock file does it across processes).
actor InProcessLock {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func withLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        while busy {
            await withCheckedContinuation { waiters.append($0) }
        }
        busy = true
        defer {
            busy = false
            if !waiters.isEmpty { waiters.removeFirst().resume() }
        }
        return try await body()
    }
}
