import Foundation
import Logging
import Mail
import PaperModel
import PaperStore
import PaperTestSupport
import Testing

@testable import Digests

/// The scheduler's send time is decided by its injected clock: nothing goes out before the hour, and moving the
/// clock past it (no real time passing) sends the digest.
@Suite("Digest scheduler clock")
struct SchedulerClockTests {
    @Test func theClockPassingTheSendHourSendsTheDigest() async throws {
        let store = try await makeDigestStore()
        _ = try await confirmedSubscriber(store, "a@example.org")
        let transport = RecordingMailTransport()
        // Monday 2026-06-01, one second before 07:00 UTC: the daily digest of Friday to Sunday (feed days 2026-05-29
        // and 2026-05-30) is due at 07:00.
        let clock = ManualClock(Day("2026-06-01")!.startDate.addingTimeInterval(7 * 3600 - 1))
        let batch = try await makeBatch(store, transport: transport, clock: { clock.now })
        let scheduler = DigestScheduler(
            schedule: DigestSchedule(hour: 7), batch: batch, logger: Logger(label: "test.scheduler"),
            retryInterval: .milliseconds(20), clock: { clock.now })
        let task = Task { try await scheduler.run() }
        defer { task.cancel() }
        try await Task.sleep(for: .milliseconds(300))
        #expect(await transport.sent.isEmpty)
        clock.advance(by: 2)
        let deadline = ContinuousClock.now + .seconds(10)
        while await transport.sent.isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let sent = await transport.sent
        #expect(sent.count == 1)
        #expect(sent.first?.to.address == "a@example.org")
    }
}
