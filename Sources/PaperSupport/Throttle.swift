import Foundation
import Synchronization

/// Keyed token buckets: the one throttle for request rates, login failures, confirmation mails and request spacing.
///
/// Each key has one bucket per rule. A bucket holds up to `capacity` tokens and gains one every `interval` seconds;
/// an event costs tokens from every bucket of its key, and is allowed only when every bucket can pay. Implemented as
/// GCRA (a "theoretical arrival time" per bucket), which is exactly a token bucket without a timer.
///
/// - API rate limits: `Throttle<String>(.perMinute(600))`, `take(ip)` per request, the wait in `Retry-After`.
/// - Failures (logins): `retryAfter(key)` to check, `record(key)` on failure, `reset(key)` on success.
/// - Minimum spacing (arXiv politeness): `.spacing(3)`, `hold(key, until: answered + 3)`.
/// - Several limits at once (confirmation mails): `Throttle(rules: [.spacing(600), .limit(5, per: 86_400)])`.
public final class Throttle<Key: Hashable & Sendable>: Sendable {
    /// One bucket's size and refill.
    public struct Rule: Sendable, Equatable {
        /// Tokens when full: the burst allowed after a quiet spell.
        public var capacity: Double
        /// Seconds to regain one token (0: never limits).
        public var interval: TimeInterval

        public init(capacity: Double, interval: TimeInterval) {
            self.capacity = max(0, capacity)
            self.interval = max(0, interval)
        }

        /// `n` a minute, in bursts of up to `n`.
        public static func perMinute(_ n: Int) -> Rule { limit(n, per: 60) }

        /// `n` per `seconds`, in bursts of up to `n`.
        public static func limit(_ n: Int, per seconds: TimeInterval) -> Rule {
            Rule(capacity: Double(max(0, n)), interval: n > 0 ? seconds / Double(n) : 1e12)  // 0: never
        }

        /// One at a time, at least `seconds` apart.
        public static func spacing(_ seconds: TimeInterval) -> Rule { Rule(capacity: 1, interval: seconds) }

        /// Tokens regained per second.
        public var perSecond: Double { interval > 0 ? 1 / interval : .infinity }
    }

    /// Per bucket: the time at which it would be full again (seconds since the reference date).
    private struct State {
        var full: [Double]
    }

    private let rules: @Sendable (Key) -> [Rule]
    private let clock: WallClock
    private let maxKeys: Int
    private let states = Mutex<[Key: State]>([:])
    /// Slack for floating-point sums of intervals: `n` events of `1/n` each must fit a bucket of `n`.
    private static var epsilon: Double { 1e-6 }

    /// The same rule for every key.
    public convenience init(_ rule: Rule, clock: WallClock = .system, maxKeys: Int = 50_000) {
        self.init(rules: [rule], clock: clock, maxKeys: maxKeys)
    }

    /// The same rules for every key; an event must pass all of them.
    public convenience init(rules: [Rule], clock: WallClock = .system, maxKeys: Int = 50_000) {
        self.init(clock: clock, maxKeys: maxKeys) { _ in rules }
    }

    /// Rules per key (the same key must always get the same rules). Above `maxKeys` keys, full buckets are forgotten
    /// (a full bucket and an unknown key behave alike).
    public init(clock: WallClock = .system, maxKeys: Int = 50_000, rules: @escaping @Sendable (Key) -> [Rule]) {
        self.rules = rules
        self.clock = clock
        self.maxKeys = maxKeys
    }

    /// Counts the event and returns nil when every bucket of `key` can pay `cost`; otherwise counts nothing and
    /// returns the seconds until it could.
    @discardableResult
    public func take(_ key: Key, cost: Double = 1, now: Date? = nil) -> TimeInterval? {
        let t = (now ?? clock.now()).timeIntervalSinceReferenceDate
        let rules = rules(key)
        return states.withLock { states in
            prune(&states, t)
            var state = states[key] ?? State(full: rules.map { _ in t })
            if let wait = Self.wait(state, rules, cost, t) { return wait }
            for (i, rule) in rules.enumerated() { state.full[i] = max(state.full[i], t) + cost * rule.interval }
            states[key] = state
            return nil
        }
    }

    /// The seconds until `key` could pay `cost`, nil if it can now; counts nothing.
    public func retryAfter(_ key: Key, cost: Double = 1, now: Date? = nil) -> TimeInterval? {
        let t = (now ?? clock.now()).timeIntervalSinceReferenceDate
        let rules = rules(key)
        return states.withLock { states in
            guard let state = states[key] else { return Self.wait(State(full: rules.map { _ in t }), rules, cost, t) }
            return Self.wait(state, rules, cost, t)
        }
    }

    /// Counts an event whether or not it fits (a failed login, say); a bucket empties but runs up no debt.
    public func record(_ key: Key, cost: Double = 1, now: Date? = nil) {
        let t = (now ?? clock.now()).timeIntervalSinceReferenceDate
        let rules = rules(key)
        states.withLock { states in
            prune(&states, t)
            var state = states[key] ?? State(full: rules.map { _ in t })
            for (i, rule) in rules.enumerated() {
                state.full[i] = min(max(state.full[i], t) + cost * rule.interval, t + rule.capacity * rule.interval)
            }
            states[key] = state
        }
    }

    /// Nothing of `key` passes before `date`; at `date` one token is there (a server's `Retry-After`, or the end of
    /// a minimum spacing).
    public func hold(_ key: Key, until date: Date) {
        let until = date.timeIntervalSinceReferenceDate
        let rules = rules(key)
        states.withLock { states in
            var state = states[key] ?? State(full: rules.map { _ in -Double.infinity })
            for (i, rule) in rules.enumerated() {
                state.full[i] = max(state.full[i], until + max(0, rule.capacity - 1) * rule.interval)
            }
            states[key] = state
        }
    }

    /// Forgets `key`: its buckets are full again.
    public func reset(_ key: Key) {
        _ = states.withLock { $0.removeValue(forKey: key) }
    }

    /// Keys with state (full buckets may be among them until pruned).
    public var trackedKeys: Int { states.withLock { $0.count } }

    private static func wait(_ state: State, _ rules: [Rule], _ cost: Double, _ t: Double) -> TimeInterval? {
        var wait = 0.0
        for (i, rule) in rules.enumerated() {
            let after = max(state.full[i], t) + cost * rule.interval
            wait = max(wait, after - t - rule.capacity * rule.interval)
        }
        return wait > epsilon ? wait : nil
    }

    private func prune(_ states: inout [Key: State], _ t: Double) {
        guard states.count > maxKeys else { return }
        states = states.filter { $0.value.full.contains { $0 > t } }
    }
}
