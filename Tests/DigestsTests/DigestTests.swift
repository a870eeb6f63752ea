import Foundation
import Mail
import PaperModel
import PaperStore
import PaperTestSupport
import Testing

@testable import Digests

@Suite("Digest tokens")
struct TokenTests {
    let tokens = SubscriptionTokens(key: Data(repeating: 7, count: 32))
    let now = Date(timeIntervalSince1970: 1_780_000_000)

    @Test func roundTripsAndBindsPurposeAndSubscriber() throws {
        let token = tokens.make(.unsubscribe, subscriberID: 42, now: now)
        #expect(try tokens.verify(token, .unsubscribe, now: now) == 42)
        #expect(throws: SubscriptionTokens.Failure.badSignature) { try tokens.verify(token, .preferences, now: now) }
        #expect(throws: SubscriptionTokens.Failure.badSignature) { try tokens.verify(token, .confirm, now: now) }
        // Another subscriber's id with this signature is rejected.
        let forged = "43" + token.dropFirst(2)
        #expect(throws: SubscriptionTokens.Failure.badSignature) {
            try tokens.verify(String(forged), .unsubscribe, now: now)
        }
        // A flipped signature character is rejected.
        var chars = Array(token)
        chars[chars.count - 3] = chars[chars.count - 3] == "A" ? "B" : "A"
        #expect(throws: SubscriptionTokens.Failure.badSignature) {
            try tokens.verify(String(chars), .unsubscribe, now: now)
        }
        // Another key does not accept it.
        #expect(throws: SubscriptionTokens.Failure.badSignature) {
            try SubscriptionTokens(key: Data(repeating: 8, count: 32)).verify(token, .unsubscribe, now: now)
        }
        for bad in ["", "x", "1.2", "1.2.3.4", "a.b.c", "1.99999999999.!!"] {
            #expect(throws: SubscriptionTokens.Failure.self) { try tokens.verify(bad, .unsubscribe, now: now) }
        }
    }

    @Test func confirmationLinksExpireAfterAWeek() throws {
        let token = tokens.make(.confirm, subscriberID: 1, now: now)
        #expect(try tokens.verify(token, .confirm, now: now.addingTimeInterval(6 * 24 * 3600)) == 1)
        #expect(throws: SubscriptionTokens.Failure.expired) {
            try tokens.verify(token, .confirm, now: now.addingTimeInterval(8 * 24 * 3600))
        }
        // Tampering with the expiry breaks the signature.
        let parts = token.split(separator: ".")
        let extended = "\(parts[0]).\(Int(parts[1])! + 30 * 24 * 3600).\(parts[2])"
        #expect(throws: SubscriptionTokens.Failure.badSignature) { try tokens.verify(extended, .confirm, now: now) }
    }

    @Test func theSigningKeyLivesInTheStore() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("paperboy-tokens-\(UUID().uuidString)")
        let token = try await SubscriptionTokens.load(from: try SQLitePaperStore.open(directory: dir)).make(
            .unsubscribe, subscriberID: 5)
        let reopened = try await SubscriptionTokens.load(from: try SQLitePaperStore.open(directory: dir))
        #expect(try reopened.verify(token, .unsubscribe) == 5)
    }
}

@Suite("Digest periods and schedule")
struct PeriodTests {
    @Test func dailyAndWeeklyPeriods() {
        let saturday = Day("2026-05-30")!
        let daily = DigestPeriod(.daily, asOf: saturday)
        #expect(daily.first == saturday && daily.last == saturday && daily.key == "daily:2026-05-30")
        let weekly = DigestPeriod(.weekly, asOf: saturday)
        #expect(weekly.first == Day("2026-05-25")! && weekly.last == Day("2026-05-31")!)
        #expect(weekly.key == "weekly:2026-W22")
        #expect(DigestPeriod(.weekly, asOf: Day("2026-05-25")!) == weekly)
        #expect(DigestPeriod(.weekly, asOf: Day("2026-05-31")!) == weekly)
        #expect(DigestPeriod(.weekly, asOf: Day("2027-01-01")!).key == "weekly:2026-W53")
    }

    @Test func dailyOnWeekdaysWeeklyOnMondaysAtTheConfiguredHour() {
        let schedule = DigestSchedule(hour: 8, timeZone: TimeZone(identifier: "Europe/Paris")!)
        // Monday June 1, 2026, 08:00 in Paris is 06:00 UTC.
        let monday = Day("2026-06-01")!.startDate.addingTimeInterval(6 * 3600)
        #expect(
            schedule.periods(at: monday) == [
                DigestPeriod(.daily, asOf: Day("2026-05-31")!, days: 3),
                DigestPeriod(.weekly, asOf: Day("2026-05-31")!),
            ])
        // Monday's daily digest covers the weekend and the Friday before it.
        let weekend = schedule.periods(at: monday)[0]
        #expect(weekend.first == Day("2026-05-29") && weekend.last == Day("2026-05-31"))
        #expect(weekend.key == "daily:2026-05-31" && weekend.label == "May 29, 2026 – May 31, 2026")
        #expect(schedule.nextSendTime(after: monday.addingTimeInterval(-60)) == monday)
        #expect(schedule.nextSendTime(after: monday) == monday.addingTimeInterval(24 * 3600))
        let tuesday = monday.addingTimeInterval(24 * 3600)
        #expect(schedule.periods(at: tuesday) == [DigestPeriod(.daily, asOf: Day("2026-06-01")!)])
        let saturday = Day("2026-06-06")!.startDate.addingTimeInterval(6 * 3600)
        #expect(schedule.periods(at: saturday).isEmpty)
    }
}

@Suite("Digest selection and rendering")
struct SelectionTests {
    @Test func upvotedPapersRankFirstThenTheNewestFill() async throws {
        let store = try await makeDigestStore()
        let selector = DigestSelector(store: store, search: nil)
        let day = try await selector.periodPapers(DigestPeriod(.daily, asOf: Day("2026-05-29")!))
        #expect(day.top.map(\.paper.id) == ["2605.00002", "2605.00001", "2605.00003"])
        #expect(day.top.map(\.upvotes) == [3, 1, 0])
        // No upvotes at all: the newest papers of the day.
        let quiet = try await selector.periodPapers(DigestPeriod(.daily, asOf: Day("2026-05-30")!))
        #expect(quiet.top.map(\.paper.id) == ["2605.00005", "2605.00004"])
        let week = try await selector.periodPapers(DigestPeriod(.weekly, asOf: Day("2026-05-30")!))
        #expect(week.top.map(\.paper.id) == ["2605.00002", "2605.00001", "2605.00005", "2605.00004", "2605.00003"])
        var small = selector
        small.topCount[.weekly] = 3
        #expect(
            try await small.periodPapers(week.period).top.map(\.paper.id) == ["2605.00002", "2605.00001", "2605.00005"])
    }

    @Test func interestsComeFromSavedSearchesAndCategoriesWithinThePeriod() async throws {
        var selector = DigestSelector(store: try await makeDigestStore(), search: nil)
        selector.topCount[.weekly] = 1
        let week = try await selector.periodPapers(DigestPeriod(.weekly, asOf: Day("2026-05-30")!))
        let subscriber = Subscriber(
            id: 1, email: "a@example.org", status: .confirmed, frequency: .weekly, categories: ["eess.AS"],
            savedSearches: ["retrieval augmented", "graph"], createdAt: Date())
        let content = try await selector.content(week, for: subscriber)
        #expect(content.top.map(\.paper.id) == ["2605.00002"])
        // "graph" matches the top paper, which is not listed twice.
        #expect(content.matching.map(\.paper.id) == ["2605.00001", "2605.00004"])
    }

    @Test func anEmptyPeriodSendsNothing() async throws {
        let store = try await makeDigestStore()
        _ = try await confirmedSubscriber(store, "a@example.org")
        let transport = RecordingMailTransport()
        let batch = try await makeBatch(store, transport: transport)
        let (enqueued, delivered) = try await batch.run(DigestPeriod(.daily, asOf: Day("2026-05-31")!))
        #expect(enqueued.emptyPeriod && enqueued.recorded == 0)
        #expect(delivered.sent == 0)
        #expect(await transport.sent.isEmpty)
        #expect(try await store.outboxMessages(state: nil).isEmpty)
    }

    @Test func rendersBothPartsWithLinksAndOneClickUnsubscribeHeaders() async throws {
        let store = try await makeDigestStore()
        let subscriber = try await confirmedSubscriber(store, "reader@example.org")
        let batch = try await makeBatch(store, transport: RecordingMailTransport())
        let period = DigestPeriod(.daily, asOf: Day("2026-05-29")!)
        let key = DigestBatch.key(subscriberID: subscriber.id, period: period)
        let message = try await batch.render(try await batch.selector.periodPapers(period), for: subscriber, key: key)
        #expect(message.subject == "Paperboy daily: trending papers of May 29, 2026")
        #expect(message.to.address == "reader@example.org")
        #expect(message.messageID == batch.renderer.messageID(forKey: key))
        #expect(message.messageID.hasSuffix("@papers.example.org"))
        let html = try #require(message.htmlBody)
        for text in [message.textBody, html] {
            #expect(text.contains("Graph neural networks for molecules"))
            #expect(text.contains("https://papers.example.org/papers/2605.00002"))
            #expect(text.contains("https://arxiv.org/abs/2605.00002"))
            #expect(text.contains("https://github.com/o/gnn"))
            #expect(text.contains("Ada Lovelace, Alan Turing"))
            #expect(text.contains("https://papers.example.org/unsubscribe?token="))
            #expect(text.contains("https://papers.example.org/subscription?token="))
        }
        // The teaser is about two lines, cut at a word.
        #expect(message.textBody.contains("We study retrieval augmented generation. More words follow here."))
        #expect(!message.textBody.contains(String(repeating: "More words follow here. ", count: 12)))
        // HTML is escaped in the HTML part, plain in the text part.
        let headers = Dictionary(message.extraHeaders.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        let unsubscribe = try #require(headers["List-Unsubscribe"])
        #expect(unsubscribe.hasPrefix("<https://papers.example.org/unsubscribe?token=") && unsubscribe.hasSuffix(">"))
        #expect(headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click")
        let token = String(unsubscribe.dropFirst("<https://papers.example.org/unsubscribe?token=".count).dropLast())
        #expect(try batch.tokens.verify(token, .unsubscribe) == subscriber.id)
        let rendered = try message.rendered()
        #expect(rendered.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"))
        #expect(rendered.contains("multipart/alternative"))
        #expect(rendered.contains("Message-ID: <\(message.messageID)>"))
    }
}

@Suite("Digest outbox")
struct OutboxTests {
    let period = DigestPeriod(.daily, asOf: Day("2026-05-29")!)

    @Test func eachConfirmedSubscriberGetsOneDigestPerPeriodAndNobodyElse() async throws {
        let store = try await makeDigestStore()
        let a = try await confirmedSubscriber(store, "a@example.org")
        _ = try await confirmedSubscriber(store, "weekly@example.org", frequency: .weekly)
        _ = try await store.subscribe(email: "pending@example.org", username: nil, frequency: .daily, at: Date())
        let gone = try await confirmedSubscriber(store, "gone@example.org")
        try await store.setSubscriberStatus(id: gone.id, status: .unsubscribed)
        let transport = RecordingMailTransport()
        let batch = try await makeBatch(store, transport: transport)
        let (first, delivered) = try await batch.run(period)
        #expect(first.recorded == 1 && delivered.sent == 1)
        let (second, again) = try await batch.run(period)
        #expect(second.recorded == 0 && second.alreadyRecorded == 1 && again.sent == 0)
        let sent = await transport.sent
        #expect(sent.map(\.to.address) == ["a@example.org"])
        let row = try #require(try await store.outboxMessage(key: DigestBatch.key(subscriberID: a.id, period: period)))
        #expect(row.state == .sent && row.attempts == 1 && row.sentAt != nil)
    }

    @Test func theBatchPagesThroughEverySubscriberOnce() async throws {
        let store = try await makeDigestStore()
        var expected: [String] = []
        for k in 0..<7 {
            expected.append("s\(k)@example.org")
            _ = try await confirmedSubscriber(store, expected.last!)
            if k == 3 { _ = try await confirmedSubscriber(store, "weekly\(k)@example.org", frequency: .weekly) }
        }
        let transport = RecordingMailTransport()
        var batch = try await makeBatch(store, transport: transport)
        batch.subscriberPage = 3  // pages of 3, 3 and 1 (the weekly subscriber is in the second page's id range)
        let (report, delivered) = try await batch.run(period)
        #expect(report.subscribers == 7 && report.recorded == 7 && delivered.sent == 7)
        #expect(await transport.sent.map(\.to.address).sorted() == expected)
        batch.subscriberPage = 7  // a full last page: one more, empty read
        let (again, _) = try await batch.run(period)
        #expect(again.subscribers == 7 && again.alreadyRecorded == 7 && again.recorded == 0)
    }

    @Test func unsubscribingAfterRecordingStopsTheSend() async throws {
        let store = try await makeDigestStore()
        let a = try await confirmedSubscriber(store, "a@example.org")
        let transport = RecordingMailTransport()
        let batch = try await makeBatch(store, transport: transport)
        _ = try await batch.enqueue(period)
        try await store.setSubscriberStatus(id: a.id, status: .unsubscribed)
        let report = try await batch.sender.deliverDue()
        #expect(report.sent == 0 && report.skipped == 1)
        #expect(await transport.sent.isEmpty)
    }

    @Test func transientFailuresAreRetriedWithBackoffThenGivenUp() async throws {
        let store = try await makeDigestStore()
        _ = try await confirmedSubscriber(store, "a@example.org")
        let transport = RecordingMailTransport()
        await transport.failNext(1, with: DeliveryError(kind: .transient, replyCode: 451, message: "try later"))
        let batch = try await makeBatch(store, transport: transport)
        let (_, report) = try await batch.run(period)
        #expect(report.sent == 1 && report.retrying == 0)
        #expect(await transport.sent.count == 1)
        let row = try #require(try await store.outboxMessages(state: .sent).first)
        #expect(row.attempts == 2)

        // With real backoff the retry waits, and after the last one the message fails.
        let store2 = try await makeDigestStore()
        _ = try await confirmedSubscriber(store2, "b@example.org")
        let failing = RecordingMailTransport()
        await failing.failNext(10, with: DeliveryError(kind: .transient, replyCode: nil, message: "connection refused"))
        let clock = ManualClock()
        let slow = try await makeBatch(
            store2, transport: failing, policy: DeliveryPolicy(backoff: [60, 300], messagesPerSecond: 0),
            clock: { clock.now })
        let sender = slow.sender
        _ = try await slow.enqueue(period)
        clock.advance(by: 1)
        var r = try await sender.deliverDue()
        #expect(r.sent == 0 && r.retrying == 1)
        #expect(try await store2.dueOutboxMessages(now: clock.now, limit: 10).isEmpty)
        clock.advance(by: 61)
        r = try await sender.deliverDue()
        #expect(r.retrying == 1)
        clock.advance(by: 301)
        r = try await sender.deliverDue()
        #expect(r.failed == 1 && r.retrying == 0)
        let failed = try #require(try await store2.outboxMessages(state: .failed).first)
        #expect(failed.attempts == 3 && failed.lastError?.contains("connection refused") == true)
    }

    @Test func permanentFailuresAreRecordedNotRetriedAndSuspendAfterThree() async throws {
        let store = try await makeDigestStore()
        let a = try await confirmedSubscriber(store, "a@example.org")
        let transport = RecordingMailTransport()
        await transport.failNext(3, with: DeliveryError(kind: .permanent, replyCode: 550, message: "no such user"))
        let batch = try await makeBatch(store, transport: transport)
        for day in ["2026-05-29", "2026-05-30"] {
            let (_, report) = try await batch.run(DigestPeriod(.daily, asOf: Day(day)!))
            #expect(report.failed == 1 && report.sent == 0)
        }
        #expect(try await store.subscriber(id: a.id)?.bounceCount == 2)
        #expect(try await store.subscriber(id: a.id)?.status == .confirmed)
        let weekly = try await store.updateSubscriberPreferences(
            id: a.id, frequency: .weekly, categories: [], savedSearches: [])
        _ = try await batch.run(DigestPeriod(.weekly, asOf: Day("2026-05-30")!))
        #expect(try await store.subscriber(id: weekly.id)?.status == .suspended)
        let failed = try await store.outboxMessages(state: .failed)
        #expect(failed.count == 3 && failed.allSatisfy { $0.attempts == 1 && $0.lastError?.hasPrefix("550") == true })
        #expect(await transport.sent.isEmpty)
    }
}

@Suite("Subscriptions")
struct SubscriptionTests {
    func service(_ store: any PaperStore, _ transport: RecordingMailTransport) async throws -> SubscriptionService {
        SubscriptionService(
            store: store, transport: transport, from: testFrom, tokens: try await SubscriptionTokens.load(from: store))
    }

    @Test func headerInjectionInAddressesAndNamesIsRejected() async throws {
        let store = try SQLitePaperStore.inMemory()
        let transport = RecordingMailTransport()
        let service = try await service(store, transport)
        for bad in [
            "a@example.org\r\nBcc: victim@example.org", "a@example.org\nBcc: v@example.org", "a@example.org\rX: y",
            "not an address", "a@example.org>, b@example.org",
        ] {
            await #expect(throws: SubscriptionService.Failure.self) {
                try await service.subscribe(email: bad, username: nil, baseURL: "https://papers.example.org")
            }
        }
        #expect(try await store.subscribers(status: .pending, frequency: nil).isEmpty)
        #expect(await transport.sent.isEmpty)
        #expect(throws: MailError.self) {
            try MailAddress("a@example.org", displayName: "Eve\r\nBcc: victim@example.org")
        }
    }

    @Test func confirmationMailsAreThrottledPerAddress() async throws {
        let store = try await makeDigestStore()
        let transport = RecordingMailTransport()
        let service = try await service(store, transport)
        for _ in 0..<4 {
            guard
                case .confirmationSent = try await service.subscribe(
                    email: "target@example.org", username: nil, baseURL: "x")
            else {
                Issue.record("a pending address answers as sent"); return
            }
        }
        _ = try await service.subscribe(email: "TARGET@example.org", username: nil, baseURL: "x")
        _ = try await service.subscribe(email: "other@example.org", username: nil, baseURL: "x")
        #expect(await transport.sent.map(\.to.address) == ["target@example.org", "other@example.org"])
        let throttle = ConfirmationThrottle(store: store, interval: .seconds(600), dailyLimit: 2)
        let t0 = Date()
        #expect(try await throttle.allow("a", now: t0))
        #expect(!(try await throttle.allow("a", now: t0.addingTimeInterval(599))))
        #expect(try await throttle.allow("a", now: t0.addingTimeInterval(601)))
        #expect(!(try await throttle.allow("a", now: t0.addingTimeInterval(1300))))  // two a day
        #expect(try await throttle.allow("a", now: t0.addingTimeInterval(86_401)))
    }

    /// Two instances serving one database (two services on one store): the limit is the site's, not one
    /// allowance per process.
    @Test func theConfirmationLimitHoldsAcrossInstancesSharingTheStore() async throws {
        let store = try await makeDigestStore()
        let transport = RecordingMailTransport()
        let first = try await service(store, transport)
        let second = try await service(store, transport)
        _ = try await first.subscribe(email: "target@example.org", username: nil, baseURL: "x")
        _ = try await second.subscribe(email: "target@example.org", username: nil, baseURL: "x")
        _ = try await second.subscribe(email: "Target@example.org", username: nil, baseURL: "x")
        #expect(await transport.sent.map(\.to.address) == ["target@example.org"])
    }

    @Test func doubleOptInConfirmUnsubscribeAndPreferences() async throws {
        let store = try await makeDigestStore()
        let transport = RecordingMailTransport()
        let service = try await service(store, transport)
        guard
            case .confirmationSent(let pending) = try await service.subscribe(
                email: "reader@example.org", username: nil, baseURL: "https://papers.example.org")
        else { Issue.record("no confirmation"); return }
        #expect(pending.status == .pending)
        let mail = try #require(await transport.sent.first)
        let link = try #require(
            mail.textBody.split(separator: "\n").first {
                $0.hasPrefix("https://papers.example.org/subscribe/confirm?token=")
            })
        let token = String(link.split(separator: "=", maxSplits: 1)[1])
        // Nothing but the confirmation before confirming.
        let batch = try await makeBatch(store, transport: transport)
        _ = try await batch.run(DigestPeriod(.daily, asOf: Day("2026-05-29")!))
        #expect(await transport.sent.count == 1)
        #expect(try await service.confirm(token: token).status == .confirmed)
        guard
            case .alreadyConfirmed = try await service.subscribe(
                email: "READER@example.org", username: nil, baseURL: "x")
        else {
            Issue.record("resubscribing a confirmed address sends nothing"); return
        }
        let updated = try await service.updatePreferences(
            token: service.preferencesToken(for: pending), frequency: .weekly, categories: ["cs.CL", " ", "cs.CL"],
            savedSearches: ["graphs"])
        #expect(updated.frequency == .weekly && updated.categories == ["cs.CL"] && updated.savedSearches == ["graphs"])
        await #expect(throws: SubscriptionService.Failure.invalidToken) {
            try await service.updatePreferences(token: token, frequency: .daily, categories: [], savedSearches: [])
        }
        #expect(try await service.unsubscribe(token: service.unsubscribeToken(for: pending)).status == .unsubscribed)
    }
}
