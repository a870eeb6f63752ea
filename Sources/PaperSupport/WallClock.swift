import Foundation
import Synchronization

/// The time of day as code whose behaviour depends on it sees it: injected, so tests decide what "now" is.
///
/// Measuring elapsed time (progress bars, benchmarks) is not behaviour and may keep reading the real clock.
public struct WallClock: Sendable {
    /// The current time.
    public var now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date) {
        self.now = now
    }

    /// The system's clock.
    public static let system = WallClock { Date() }

    /// A clock that always says `date`.
    public static func fixed(_ date: Date) -> WallClock {
        WallClock { date }
    }
}

/// A clock that moves only when told to: for tests and simulations.
public final class ManualClock: Sendable {
    private let current: Mutex<Date>

    /// Starts by default in the past (2023-11-14), far from the real clock, so that code mixing `Date()` with this
    /// clock fails every time instead of only on a slow run.
    public init(_ start: Date = Date(timeIntervalSince1970: 1_700_000_000)) {
        current = Mutex(start)
    }

    /// The clock's time.
    public var now: Date { current.withLock { $0 } }

    /// Moves the clock forward (or back, for a negative interval).
    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    /// Sets the clock to `date`.
    public func set(_ date: Date) {
        current.withLock { $0 = date }
    }

    /// This clock as a `WallClock` to inject.
    public var wallClock: WallClock {
        WallClock { [self] in now }
    }
}
