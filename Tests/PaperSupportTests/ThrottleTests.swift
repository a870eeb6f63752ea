import Foundation
import PaperSupport
import Testing

@Suite struct ThrottleTests {
    @Test func burstThenRefillPerMinute() {
        let clock = ManualClock()
        let throttle = Throttle<String>(.perMinute(2), clock: clock.wallClock)
        #expect(throttle.take("a") == nil)
        #expect(throttle.take("a") == nil)
        #expect(throttle.take("a") == 30)  // one token every 30 s
        #expect(throttle.take("b") == nil)  // keys are separate
        clock.advance(by: 29)
        #expect(throttle.take("a") == 1)
        clock.advance(by: 1)
        #expect(throttle.take("a") == nil)
        #expect(throttle.take("a") == 30)
        clock.advance(by: 3600)  // a long quiet spell fills the bucket, no more
        #expect(throttle.take("a") == nil)
        #expect(throttle.take("a") == nil)
        #expect(throttle.take("a") != nil)
    }

    @Test func manyEventsOfFractionalIntervalFit() {
        let clock = ManualClock()
        let throttle = Throttle<String>(.limit(7, per: 60), clock: clock.wallClock)
        for _ in 0..<7 { #expect(throttle.take("k") == nil) }
        #expect(throttle.take("k") != nil)
    }

    @Test func failuresWithRetryAfterAndReset() {
        let clock = ManualClock()
        let throttle = Throttle<String>(.limit(3, per: 900), clock: clock.wallClock)
        for _ in 0..<3 {
            #expect(throttle.retryAfter("u:alice") == nil)
            throttle.record("u:alice")
        }
        #expect(throttle.retryAfter("u:alice") == 300)
        throttle.record("u:alice")  // more failures empty the bucket but run up no debt
        #expect(throttle.retryAfter("u:alice") == 300)
        clock.advance(by: 300)
        #expect(throttle.retryAfter("u:alice") == nil)
        throttle.record("u:alice")
        #expect(throttle.retryAfter("u:alice") == 300)
        throttle.reset("u:alice")
        #expect(throttle.retryAfter("u:alice") == nil)
    }

    @Test func spacingAndHold() {
        let clock = ManualClock()
        let throttle = Throttle<String>(.spacing(3), clock: clock.wallClock)
        #expect(throttle.retryAfter("arxiv") == nil)
        throttle.hold("arxiv", until: clock.now.addingTimeInterval(3))  // answered now: next in 3 s
        #expect(throttle.retryAfter("arxiv") == 3)
        clock.advance(by: 2)
        #expect(throttle.retryAfter("arxiv") == 1)
        throttle.hold("arxiv", until: clock.now.addingTimeInterval(60))  // a 503's Retry-After
        throttle.hold("arxiv", until: clock.now)  // an earlier hold does not shorten it
        #expect(throttle.retryAfter("arxiv") == 60)
        clock.advance(by: 60)
        #expect(throttle.take("arxiv") == nil)
        #expect(throttle.take("arxiv") == 3)
    }

    @Test func allRulesMustPass() {
        // At most one every 600 s and two a day (the confirmation-mail throttle).
        let clock = ManualClock()
        let throttle = Throttle<String>(rules: [.spacing(600), .limit(2, per: 86_400)], clock: clock.wallClock)
        let t0 = clock.now
        #expect(throttle.take("a", now: t0) == nil)
        #expect(throttle.take("a", now: t0 + 599) == 1)
        #expect(throttle.take("a", now: t0 + 601) == nil)
        #expect(throttle.take("a", now: t0 + 1300) != nil)
        #expect(throttle.take("a", now: t0 + 86_401) == nil)
    }

    @Test func rulesPerKey() {
        let clock = ManualClock()
        let throttle = Throttle<String>(clock: clock.wallClock) { key in
            [key.hasPrefix("token:") ? .perMinute(1) : .perMinute(3)]
        }
        #expect(throttle.take("token:x") == nil)
        #expect(throttle.take("token:x") == 60)
        for _ in 0..<3 { #expect(throttle.take("ip:1") == nil) }
        #expect(throttle.take("ip:1") == 20)
    }

    @Test func zeroIntervalNeverLimitsAndZeroLimitAlwaysDoes() {
        let open = Throttle<String>(.spacing(0))
        for _ in 0..<100 { #expect(open.take("k") == nil) }
        let closed = Throttle<String>(.limit(0, per: 60))
        #expect(closed.take("k") != nil)
    }

    @Test func forgetsFullBucketsAboveMaxKeys() {
        let clock = ManualClock()
        let throttle = Throttle<Int>(.perMinute(1), clock: clock.wallClock, maxKeys: 10)
        for key in 0..<11 { throttle.take(key) }
        clock.advance(by: 61)
        throttle.take(99)
        #expect(throttle.trackedKeys == 1)
    }
}

@Suite struct ClockTests {
    @Test func manualClockMovesOnlyWhenTold() {
        let clock = ManualClock(Date(timeIntervalSince1970: 0))
        let wall = clock.wallClock
        #expect(wall.now() == Date(timeIntervalSince1970: 0))
        clock.advance(by: 90)
        #expect(wall.now() == Date(timeIntervalSince1970: 90))
        clock.set(Date(timeIntervalSince1970: 5))
        #expect(wall.now() == Date(timeIntervalSince1970: 5))
        #expect(WallClock.fixed(Date(timeIntervalSince1970: 7)).now() == Date(timeIntervalSince1970: 7))
    }
}

@Suite struct ReadWriteLockTests {
    @Test func writersExcludeEachOther() async {
        final class Box: @unchecked Sendable { var value = 0 }  // guarded by the lock under test
        let lock = ReadWriteLock()
        let box = Box()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { for _ in 0..<1000 { lock.write { box.value += 1 } } }
            }
        }
        #expect(lock.read { box.value } == 8000)
    }
}

@Suite struct ThrottleHoldTests {
    @Test func holdAppliesEvenWithoutSpacing() {
        let clock = ManualClock()
        let throttle = Throttle<Int>(.spacing(0), clock: clock.wallClock)
        throttle.hold(0, until: clock.now.addingTimeInterval(5))
        #expect(throttle.retryAfter(0) == 5)
        clock.advance(by: 5)
        #expect(throttle.take(0) == nil)
        #expect(throttle.take(0) == nil)
    }
}
