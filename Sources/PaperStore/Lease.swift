import Foundation
import PaperSupport
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One named lease as one holder uses it: taken before a piece of background work, renewed while it runs, given
/// up when the work is over or the process shuts down.
///
/// A holder that dies (SIGKILL, a lost machine) stops renewing; its lease expires `duration` after the last
/// renewal and another instance takes it on its next turn. `now` comes from the injected clock, so tests expire a
/// lease by advancing a `ManualClock`; the pauses between renewals are real time (`renewEvery`). Instances on
/// several machines compare expiries written by each other's clocks: keep them synchronized (NTP) to well within
/// `duration - renewEvery`.
public struct Lease: Sendable {
    public let name: String
    public let holder: String
    public let duration: Duration
    public let renewEvery: Duration
    let store: any LeaseStore
    let clock: WallClock
    /// When this holder last took or renewed the lease (shared by copies of this value): a turn within
    /// `renewEvery` of it needs no write, since the lease is ours until that renewal's expiry.
    let renewedAt = RenewalTime()

    public init(
        _ name: String, store: any LeaseStore, holder: String = LeaseHolder.thisProcess,
        duration: Duration = .seconds(60), renewEvery: Duration = .seconds(20), clock: WallClock = .system
    ) {
        self.name = name
        self.store = store
        self.holder = holder
        self.duration = duration
        self.renewEvery = renewEvery
        self.clock = clock
    }

    /// Takes the lease, or renews it when this holder has it; whether this holder has it now.
    public func acquire() async throws -> Bool {
        let now = clock.now()
        if let last = renewedAt.value, now >= last, now < last.addingTimeInterval(renewEvery.inSeconds) {
            return true
        }
        return try await renew(now: now)
    }

    /// Who holds the lease now (by this lease's clock), nil when nobody does.
    public func currentHolder() async throws -> String? {
        try await store.leaseHolder(name, now: clock.now())?.holder
    }

    /// Takes or renews the lease in the store at `now`.
    func renew(now: Date) async throws -> Bool {
        let held = try await store.acquireLease(name, holder: holder, duration: duration, now: now)
        renewedAt.value = held ? now : nil
        return held
    }

    /// Gives the lease up (when this holder has it), so another instance need not wait for it to expire.
    ///
    /// Also from a cancelled task (a service stopping): the release runs in a task of its own, which does not
    /// inherit the cancellation that would otherwise stop the store's write before it starts.
    public func release() async throws {
        renewedAt.value = nil
        let (store, name, holder) = (self.store, self.name, self.holder)
        try await Task { try await store.releaseLease(name, holder: holder) }.value
    }

    /// Runs `body` while holding the lease, renewing it every `renewEvery` meanwhile; nil, without running it, when
    /// another holder has the lease. The lease is kept afterwards (the holder's next turn renews it); `release()`
    /// gives it up.
    ///
    /// When a renewal finds the lease taken by another holder (this one paused past its expiry), `body` is
    /// cancelled and `LeaseLost` thrown: the other holder now does the work. A renewal that fails for another
    /// reason (the database briefly unreachable) is tried again at the next tick, until the lease would expire.
    public func whileHeld<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T? {
        guard try await acquire() else { return nil }
        let takenAt = clock.now()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                var heldUntil = takenAt.addingTimeInterval(duration.inSeconds)
                while true {
                    try await Task.sleep(for: renewEvery)
                    do {
                        let now = clock.now()
                        guard try await renew(now: now) else { throw LeaseLost(name: name) }
                        heldUntil = now.addingTimeInterval(duration.inSeconds)
                    } catch let error as LeaseLost {
                        throw error
                    } catch is CancellationError {
                        throw CancellationError()
                    } catch {
                        if clock.now() >= heldUntil { throw LeaseLost(name: name) }
                    }
                }
            }
            // The renewer never returns: the first result is the body's (or the first error of either).
            let result = try await group.next()!
            group.cancelAll()
            return result
        }
    }
}

/// A time shared by the copies of one `Lease`.
final class RenewalTime: Sendable {
    private let time = Mutex<Date?>(nil)

    var value: Date? {
        get { time.withLock { $0 } }
        set { time.withLock { $0 = newValue } }
    }
}

/// The lease was taken by another holder while this one was working with it.
public struct LeaseLost: Error, CustomStringConvertible {
    public let name: String
    public var description: String { "lost the lease \(name) to another instance" }
}

public enum LeaseHolder {
    /// This process as a lease holder: host name, process id and a random part (a later process that gets the same
    /// pid is another holder).
    public static let thisProcess: String = {
        var name = [CChar](repeating: 0, count: 256)
        let host =
            gethostname(&name, name.count) == 0
            ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "localhost"
        let random = String(UInt32.random(in: .min ... .max), radix: 16)
        return "\(host.prefix(120)):\(getpid()):\(random)"
    }()
}

extension Duration {
    /// Seconds, with the fraction.
    var inSeconds: TimeInterval {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// What every `LeaseStore` and `ThrottleStore` accepts (the tables' checks), so that the backends refuse the same
/// input with the same message.
public enum LeaseInput {
    /// Checks a lease request; returns its duration in seconds.
    public static func check(name: String, holder: String, duration: Duration) throws -> TimeInterval {
        try check(name: name, holder: holder)
        guard duration > .zero else { throw StoreError(.invalidInput, "a lease needs a positive duration") }
        return duration.inSeconds
    }

    public static func check(name: String, holder: String) throws {
        guard (1...200).contains(name.utf8.count), (1...200).contains(holder.utf8.count) else {
            throw StoreError(.invalidInput, "lease names and holders have 1 to 200 bytes")
        }
    }

    public static func check(throttleKey key: String) throws {
        guard (1...400).contains(key.utf8.count) else {
            throw StoreError(.invalidInput, "a throttle key has 1 to 400 bytes")
        }
    }

    /// `duration` in seconds, with the fraction.
    public static func seconds(_ duration: Duration) -> TimeInterval { duration.inSeconds }
}
