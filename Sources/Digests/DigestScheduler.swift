import Foundation
import Logging
import PaperModel
import ServiceLifecycle

/// When digests go out: at `hour` (0-23) in `timeZone`; the daily digest every weekday (covering the day
/// before; on Mondays, Friday to Sunday, so weekend submissions are not lost), the weekly one on Mondays
/// (covering the ISO week before).
public struct DigestSchedule: Sendable, Equatable {
    public var hour: Int
    public var timeZone: TimeZone

    public init(hour: Int = 7, timeZone: TimeZone = TimeZone(identifier: "UTC")!) {
        self.hour = hour
        self.timeZone = timeZone
    }

    var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    /// The send time on the local day of `date`.
    func sendTime(onDayOf date: Date) -> Date {
        calendar.date(bySettingHour: hour, minute: 0, second: 0, of: date) ?? date
    }

    /// The first send time after `date`.
    public func nextSendTime(after date: Date) -> Date {
        var candidate = sendTime(onDayOf: date)
        while candidate <= date {
            candidate = sendTime(onDayOf: calendar.date(byAdding: .day, value: 1, to: candidate)!)
        }
        return candidate
    }

    /// The digests due at send time `date`: (frequency, as-of day) pairs.
    public func periods(at date: Date) -> [DigestPeriod] {
        let c = calendar.dateComponents([.year, .month, .day, .weekday], from: date)
        guard let today = Day(year: c.year!, month: c.month!, day: c.day!) else { return [] }
        let yesterday = today.adding(days: -1)
        var periods: [DigestPeriod] = []
        // Gregorian weekday: Sunday 1, Monday 2 ... Saturday 7.
        if (2...6).contains(c.weekday!) {
            periods.append(DigestPeriod(.daily, asOf: yesterday, days: c.weekday! == 2 ? 3 : 1))
        }
        if c.weekday! == 2 { periods.append(DigestPeriod(.weekly, asOf: yesterday)) }
        return periods
    }
}

/// The ServiceLifecycle service inside `paperboy serve` that sends digests on schedule.
///
/// At start it runs today's send when its time has passed (a restart after the send hour catches up; the
/// idempotency keys make that harmless when it already ran). Between send times it delivers due outbox
/// retries every `retryInterval`.
public struct DigestScheduler: Service {
    let schedule: DigestSchedule
    let batch: DigestBatch
    let logger: Logger
    let clock: @Sendable () -> Date
    let retryInterval: Duration

    public init(
        schedule: DigestSchedule, batch: DigestBatch, logger: Logger, retryInterval: Duration = .seconds(60),
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.schedule = schedule
        self.batch = batch
        self.logger = logger
        self.retryInterval = retryInterval
        self.clock = clock
    }

    public func run() async throws {
        logger.info(
            "digest schedule",
            metadata: [
                "hour": "\(schedule.hour)", "timeZone": "\(schedule.timeZone.identifier)",
                "next": "\(schedule.nextSendTime(after: clock()))",
            ])
        // Shutting down is not a failure: the sleep's CancellationError ends the loop, and `run` returns.
        do {
            try await cancelWhenGracefulShutdown { try await self.loop() }
        } catch is CancellationError {}
    }

    private func loop() async throws {
        let now = clock()
        let todays = schedule.sendTime(onDayOf: now)
        if todays <= now { await send(at: todays) }
        var next = schedule.nextSendTime(after: now)
        while !Task.isCancelled {
            let wait = next.timeIntervalSince(clock())
            if wait <= 0 {
                await send(at: next)
                next = schedule.nextSendTime(after: next)
                continue
            }
            try await Task.sleep(for: min(retryInterval, .milliseconds(Int64(wait * 1000))))
            if next.timeIntervalSince(clock()) > 0 { await deliverRetries() }
        }
    }

    /// Runs the digests due at `date`; errors are logged, never fatal to the server.
    public func send(at date: Date) async {
        for period in schedule.periods(at: date) {
            do {
                let (enqueued, delivered) = try await batch.run(period)
                if enqueued.emptyPeriod {
                    logger.info("digest: no papers in the period, nothing sent", metadata: ["period": "\(period)"])
                } else {
                    logger.info(
                        "digest sent",
                        metadata: [
                            "period": "\(period)", "recorded": "\(enqueued.recorded)", "sent": "\(delivered.sent)",
                            "queued": "\(delivered.retrying)", "failed": "\(delivered.failed)",
                        ])
                }
            } catch is CancellationError {
                return
            } catch {
                logger.error("digest run failed", metadata: ["period": "\(period)", "error": "\(error)"])
            }
        }
    }

    func deliverRetries() async {
        do {
            let report = try await batch.sender.deliverDue(lockTimeout: .seconds(1))
            if report.sent + report.failed > 0 {
                logger.info(
                    "outbox retries delivered", metadata: ["sent": "\(report.sent)", "failed": "\(report.failed)"])
            }
        } catch is CancellationError {
        } catch {
            logger.debug("outbox retry pass skipped", metadata: ["error": "\(error)"])
        }
    }
}
