import Foundation
import Logging
import PaperStore
import ServiceLifecycle

/// When arXiv announces: new papers appear at 20:00 US Eastern, Sunday to Thursday. The harvest runs a little
/// after that (`minute`), on those `weekdays` (Gregorian: Sunday 1 ... Saturday 7), in `timeZone`.
public struct HarvestSchedule: Sendable, Equatable {
    public var hour: Int
    public var minute: Int
    public var timeZone: TimeZone
    public var weekdays: Set<Int>

    public static let arxivAnnouncement = HarvestSchedule(
        hour: 20, minute: 30, timeZone: TimeZone(identifier: "America/New_York") ?? .gmt, weekdays: [1, 2, 3, 4, 5])

    public init(hour: Int, minute: Int, timeZone: TimeZone, weekdays: Set<Int>) {
        self.hour = hour
        self.minute = minute
        self.timeZone = timeZone
        self.weekdays = weekdays
    }

    var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The scheduled time on the day of `date` (in `timeZone`), nil when that weekday has none.
    func run(onDayOf date: Date) -> Date? {
        let calendar = self.calendar
        guard weekdays.contains(calendar.component(.weekday, from: date)) else { return nil }
        var components = calendar.dateComponents([.year, .month, .day], from: date)
        components.hour = hour
        components.minute = minute
        return calendar.date(from: components)
    }

    /// The latest scheduled time at or before `date` (within the last 8 days; nil when no weekday is set).
    public func previousRun(atOrBefore date: Date) -> Date? {
        for back in 0...8 {
            guard let day = calendar.date(byAdding: .day, value: -back, to: date), let run = run(onDayOf: day) else {
                continue
            }
            if run <= date { return run }
        }
        return nil
    }

    /// The first scheduled time after `date`.
    public func nextRun(after date: Date) -> Date? {
        for ahead in 0...8 {
            guard let day = calendar.date(byAdding: .day, value: ahead, to: date), let run = run(onDayOf: day) else {
                continue
            }
            if run > date { return run }
        }
        return nil
    }
}

/// `serve`'s intake: harvests the configured sets after each announcement, and at start-up when a scheduled
/// harvest was missed (the server was down, or the last one failed) or a list is still in flight. A failed
/// harvest is retried after `retryInterval`; errors are logged and kept in the store (/healthz shows them),
/// never fatal to the server.
///
/// With a `lease`, several instances on one database harvest once: a pass runs only while holding it (renewed
/// meanwhile, released after), and an instance that finds it held stands by and looks again one lease duration
/// later, so when the holder dies mid-harvest its lease expires and another instance continues the list from the
/// saved token.
public struct HarvestService: Service {
    let harvester: Harvester
    let harvests: [HarvestOptions]
    let schedule: HarvestSchedule
    let retryInterval: Duration
    let clock: @Sendable () -> Date
    let logger: Logger
    let lease: Lease?

    public init(
        harvester: Harvester, harvests: [HarvestOptions], schedule: HarvestSchedule = .arxivAnnouncement,
        retryInterval: Duration = .seconds(30 * 60), clock: @escaping @Sendable () -> Date = { Date() }, logger: Logger,
        lease: Lease? = nil
    ) {
        self.harvester = harvester
        self.harvests = harvests
        self.schedule = schedule
        self.retryInterval = retryInterval
        self.clock = clock
        self.logger = logger
        self.lease = lease
    }

    /// The lease name every instance's harvester takes.
    public static let leaseName = "arxiv-harvest"

    /// What one pass did.
    public enum Turn: Sendable, Equatable {
        /// Every due set harvested (or none was due).
        case done
        /// A set failed: try again after `retryInterval`.
        case failed
        /// Another instance holds the harvest lease: look again when it could have expired.
        case standingBy
    }

    public func run() async throws {
        logger.info(
            "arXiv harvesting",
            metadata: [
                "sets": "\(harvests.map { $0.set ?? "all" })",
                "next": "\(schedule.nextRun(after: clock()).map { "\($0)" } ?? "never")",
            ])
        do {
            try await cancelWhenGracefulShutdown { try await self.loop() }
        } catch is CancellationError {}
    }

    private func loop() async throws {
        while !Task.isCancelled {
            let turn = await harvestTurn(at: clock())
            let now = clock()
            var wake = schedule.nextRun(after: now) ?? now.addingTimeInterval(86_400)
            switch turn {
            case .done: break
            case .failed: wake = min(wake, now.addingTimeInterval(Double(retryInterval.components.seconds)))
            case .standingBy:
                let duration = lease.map { Double($0.duration.components.seconds) } ?? 60
                wake = min(wake, now.addingTimeInterval(max(1, duration)))
            }
            try await Task.sleep(for: .milliseconds(Int64(max(1, wake.timeIntervalSince(now)) * 1000)))
        }
    }

    /// One pass at `date`: every due set, when this instance may harvest (holds the lease, or there is none).
    public func harvestTurn(at date: Date) async -> Turn {
        guard let lease else { return await harvestDue(at: date) ? .failed : .done }
        let failed: Bool?
        do {
            failed = try await lease.whileHeld {
                logger.info("holding the arXiv harvest lease", metadata: ["holder": "\(lease.holder)"])
                return await self.harvestDue(at: date)
            }
        } catch is LeaseLost {
            logger.notice("another instance took the arXiv harvest lease; standing by")
            return .standingBy
        } catch {
            logger.error("cannot take the arXiv harvest lease", metadata: ["error": "\(error)"])
            return .failed
        }
        guard let failed else {
            let holder = try? await harvester.store.leaseHolder(lease.name, now: date)
            logger.info(
                "another instance is harvesting arXiv; standing by",
                metadata: ["holder": "\(holder?.holder ?? "unknown")"])
            return .standingBy
        }
        // Given up between passes: whichever instance wakes next may run the next one.
        try? await lease.release()
        return failed ? .failed : .done
    }

    /// Harvests every set that is due at `date`; true when one failed. Takes no lease (`harvestTurn` does).
    public func harvestDue(at date: Date) async -> Bool {
        var failed = false
        for options in harvests {
            do {
                let state = try await harvester.store.harvestState(options.key)
                guard Self.isDue(state, at: date, schedule: schedule) else { continue }
                let report = try await harvester.run(options)
                logger.info(
                    "harvested arXiv",
                    metadata: [
                        "set": "\(options.set ?? "all")", "records": "\(report.progress.records)",
                        "new": "\(report.summary.inserted)", "updated": "\(report.summary.updated)",
                        "withdrawn": "\(report.progress.withdrawals)", "skipped": "\(report.skipped.count)",
                    ])
            } catch is CancellationError {
                return failed
            } catch {
                failed = true
                logger.error(
                    "arXiv harvest failed; retrying later",
                    metadata: ["set": "\(options.set ?? "all")", "error": "\(error)"])
            }
        }
        return failed
    }

    /// Due when a list is in flight, when it never succeeded, or when its last success is older than the latest
    /// scheduled run.
    static func isDue(_ state: HarvestState?, at date: Date, schedule: HarvestSchedule) -> Bool {
        guard let state, let success = state.lastSuccessAt else { return true }
        if state.resumptionToken != nil { return true }
        guard let scheduled = schedule.previousRun(atOrBefore: date) else { return false }
        return success < scheduled
    }
}
