import Foundation
import PaperSupport

/// Time as the politeness layer sees it: injected so tests of delays and backoff run instantly and exactly.
public protocol ArxivClock: Sendable {
    /// Monotonic seconds (any origin).
    func now() -> Double
    /// Wall-clock time, for `Retry-After` given as an HTTP-date.
    func date() -> Date
    func sleep(seconds: Double) async throws
}

/// The real clock: monotonic uptime, `Date()`, and `Task.sleep` (cancellable).
public struct SystemArxivClock: ArxivClock {
    public init() {}

    public func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
    public func date() -> Date { Date() }
    public func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64((seconds * 1e9).rounded(.up)))
    }
}

/// How the client treats arXiv (https://info.arxiv.org/help/api/tou.html): one request per `delay` seconds
/// at most, retries with capped exponential backoff, `Retry-After` honoured.
public struct PolitenessPolicy: Sendable, Equatable {
    /// The least time between the starts of two requests (retries included). arXiv asks for 3 seconds.
    public var delay: Double
    /// Attempts per request, the first one included.
    public var maxAttempts: Int
    /// The wait after the first failed attempt; it doubles with every further failure, up to `maxBackoff`.
    public var initialBackoff: Double
    public var maxBackoff: Double
    /// A `Retry-After` longer than this is cut to this.
    public var maxRetryAfter: Double

    public init(
        delay: Double = 3, maxAttempts: Int = 5, initialBackoff: Double = 5, maxBackoff: Double = 120,
        maxRetryAfter: Double = 600
    ) {
        self.delay = max(0, delay)
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = max(0, initialBackoff)
        self.maxBackoff = max(0, maxBackoff)
        self.maxRetryAfter = max(0, maxRetryAfter)
    }

    /// The wait before attempt `failures + 1`, after `failures` failed attempts (1-based).
    public func backoff(afterFailures failures: Int) -> Double {
        let exponent = Double(min(max(failures - 1, 0), 30))
        return min(maxBackoff, initialBackoff * pow(2, exponent))
    }

    /// `Retry-After` as seconds from `now`: delta-seconds or an HTTP-date; nil when absent or unreadable.
    public static func retryAfter(_ value: String?, now: Date) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value) { return Double(max(0, seconds)) }
        if let date = ArxivDates.httpDate(value) { return max(0, date.timeIntervalSince(now)) }
        return nil
    }
}

/// One request at a time, each starting at least `delay` after the previous one was answered.
///
/// Spacing is measured from the moment the previous request got its answer's head (or failed), not from when
/// it was sent: connecting can take a while, and the server must see the requests `delay` apart. A turn is
/// held until `release`, so concurrent callers queue behind each other.
actor RequestPacer {
    private let delay: Double
    private let clock: any ArxivClock
    /// The spacing itself; its times are the clock's monotonic seconds, carried as `Date`s.
    private let spacing: Throttle<Int>
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(delay: Double, clock: any ArxivClock) {
        self.delay = delay
        self.clock = clock
        spacing = Throttle(.spacing(delay), clock: WallClock { Date(timeIntervalSinceReferenceDate: clock.now()) })
    }

    /// Waits for this request's turn, no earlier than `notBefore` (monotonic seconds).
    func acquire(notBefore: Double? = nil) async throws {
        while busy {
            await withCheckedContinuation { waiters.append($0) }
        }
        busy = true
        let now = clock.now()
        let wait = max(
            spacing.retryAfter(0, now: Date(timeIntervalSinceReferenceDate: now)) ?? 0, (notBefore ?? -.infinity) - now)
        if wait > 0 {
            do {
                try await clock.sleep(seconds: wait)
            } catch {
                release(answeredAt: nil)
                throw error
            }
        }
    }

    /// Ends the turn; `answeredAt` is when the answer began (nil: now).
    func release(answeredAt: Double?) {
        holdUntil((answeredAt ?? clock.now()) + delay)
        busy = false
        if !waiters.isEmpty { waiters.removeFirst().resume() }
    }

    /// No request of this client starts before `time` (a 503's `Retry-After` holds for all of them).
    func holdUntil(_ time: Double) {
        spacing.hold(0, until: Date(timeIntervalSinceReferenceDate: time))
    }
}
