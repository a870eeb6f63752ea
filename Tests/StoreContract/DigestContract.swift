import Foundation
import PaperModel
import PaperStore
import Testing

/// Store contract: digest subscriptions and outbox.
public struct DigestContract: Sendable {
    let make: StoreFactory

    public func subscriptionLifecycle() async throws {
        let store = try await make()
        _ = try await store.createUser(username: "ada", displayName: "Ada", role: .member, passwordHash: nil)
        let now = Date(timeIntervalSince1970: 1_780_000_000)
        let created = try await store.subscribe(email: "Ada@Example.org", username: "ada", frequency: .daily, at: now)
        #expect(created.status == .pending)
        #expect(created.username == "ada")
        #expect(created.categories.isEmpty && created.bounceCount == 0)
        // The same address in another case is the same subscriber.
        let again = try await store.subscribe(email: "ada@example.ORG", username: nil, frequency: .weekly, at: now)
        #expect(again.id == created.id)
        #expect(try await store.subscriber(email: "ADA@example.org")?.id == created.id)
        #expect(try await store.subscriber(username: "ada")?.id == created.id)
        #expect(try await store.subscribers(status: .confirmed, frequency: nil).isEmpty)

        let confirmed = try await store.confirmSubscriber(id: created.id, at: now)
        #expect(confirmed.status == .confirmed && confirmed.confirmedAt == now)
        let prefs = try await store.updateSubscriberPreferences(
            id: created.id, frequency: .weekly, categories: ["cs.CL"], savedSearches: ["retrieval augmented"])
        #expect(
            prefs.frequency == .weekly && prefs.categories == ["cs.CL"]
                && prefs.savedSearches == ["retrieval augmented"])
        #expect(try await store.subscribers(status: .confirmed, frequency: .weekly).map(\.id) == [created.id])
        #expect(try await store.subscribers(status: .confirmed, frequency: .daily).isEmpty)

        // Pages by id: after an id, at most a limit.
        var ids = [created.id]
        for k in 0..<4 {
            let s = try await store.subscribe(email: "page\(k)@example.org", username: nil, frequency: .weekly, at: now)
            ids.append(try await store.confirmSubscriber(id: s.id, at: now).id)
        }
        let pending = try await store.subscribe(
            email: "pending@example.org", username: nil, frequency: .weekly, at: now)
        var paged: [Int64] = []
        var after: Int64?
        while true {
            let page = try await store.subscribers(status: .confirmed, frequency: .weekly, afterID: after, limit: 2)
            #expect(page.count <= 2)
            guard let last = page.last else { break }
            paged += page.map(\.id)
            after = last.id
        }
        #expect(paged == ids.sorted())
        #expect(!paged.contains(pending.id))
        #expect(
            try await store.subscribers(status: .confirmed, frequency: nil, afterID: ids.sorted()[2], limit: nil)
                .map(\.id) == Array(ids.sorted().dropFirst(3)))
        #expect(try await store.subscribers(status: .confirmed, frequency: .weekly, afterID: nil, limit: 0).isEmpty)
        for id in ids.dropFirst() { try await store.setSubscriberStatus(id: id, status: .unsubscribed) }

        // Unsubscribed, then subscribing again needs a new confirmation.
        #expect(try await store.setSubscriberStatus(id: created.id, status: .unsubscribed).status == .unsubscribed)
        #expect(
            try await store.subscribe(email: "ada@example.org", username: nil, frequency: .daily, at: now).status
                == .pending)

        await #expect(throws: StoreError.self) {
            try await store.subscribe(
                email: "a@b.c\r\nBcc: evil@example.org", username: nil, frequency: .daily, at: now)
        }
        await #expect(throws: StoreError.self) { try await store.confirmSubscriber(id: 9999, at: now) }
    }

    public func bouncesSuspendAfterTheLimitAndConfirmationResetsThem() async throws {
        let store = try await make()
        let s = try await store.subscribe(email: "b@example.org", username: nil, frequency: .daily, at: Date())
        try await store.confirmSubscriber(id: s.id, at: Date())
        #expect(try await store.recordBounce(subscriberID: s.id, suspendAfter: 3).status == .confirmed)
        #expect(try await store.recordBounce(subscriberID: s.id, suspendAfter: 3).status == .confirmed)
        let third = try await store.recordBounce(subscriberID: s.id, suspendAfter: 3)
        #expect(third.status == .suspended && third.bounceCount == 3)
        let back = try await store.confirmSubscriber(id: s.id, at: Date())
        #expect(back.status == .confirmed && back.bounceCount == 0)
    }

    public func outboxRecordsOncePerKeyAndTracksDelivery() async throws {
        let store = try await make()
        let s = try await store.subscribe(email: "c@example.org", username: nil, frequency: .daily, at: Date())
        let t0 = Date(timeIntervalSince1970: 1_780_000_000)
        #expect(
            try await store.enqueueOutbox(
                key: "digest:1:daily:2026-05-30", subscriberID: s.id, recipient: s.email, payload: "first", at: t0))
        #expect(
            try await !store.enqueueOutbox(
                key: "digest:1:daily:2026-05-30", subscriberID: s.id, recipient: s.email, payload: "second", at: t0))
        #expect(
            try await store.enqueueOutbox(
                key: "other", subscriberID: nil, recipient: "d@example.org", payload: "x", at: t0.addingTimeInterval(10)
            ))
        let message = try #require(try await store.outboxMessage(key: "digest:1:daily:2026-05-30"))
        #expect(message.payload == "first" && message.state == .queued && message.attempts == 0)
        #expect(try await store.dueOutboxMessages(now: t0, limit: 10).map(\.key) == ["digest:1:daily:2026-05-30"])
        #expect(try await store.dueOutboxMessages(now: t0.addingTimeInterval(60), limit: 10).count == 2)

        try await store.markOutboxRetry(id: message.id, error: "451 try later", retryAt: t0.addingTimeInterval(300))
        #expect(try await store.dueOutboxMessages(now: t0.addingTimeInterval(60), limit: 10).map(\.key) == ["other"])
        let retried = try #require(try await store.outboxMessage(key: message.key))
        #expect(retried.attempts == 1 && retried.lastError == "451 try later" && retried.state == .queued)
        try await store.markOutboxSent(id: message.id, at: t0.addingTimeInterval(301))
        let sent = try #require(try await store.outboxMessage(key: message.key))
        #expect(sent.state == .sent && sent.attempts == 2 && sent.sentAt == t0.addingTimeInterval(301))
        #expect(try await store.dueOutboxMessages(now: t0.addingTimeInterval(1000), limit: 10).map(\.key) == ["other"])

        let other = try #require(try await store.outboxMessage(key: "other"))
        try await store.markOutboxFailed(id: other.id, error: "550 no such user")
        #expect(try await store.dueOutboxMessages(now: t0.addingTimeInterval(1000), limit: 10).isEmpty)
        #expect(try await store.outboxMessages(state: .failed).map(\.key) == ["other"])
        #expect(try await store.outboxMessages(state: nil).count == 2)
    }

    public func secretsAreGeneratedOnce() async throws {
        let store = try await make()
        let first = try await store.secret(named: "k") { Data([1, 2, 3]) }
        let second = try await store.secret(named: "k") { Data([9, 9, 9]) }
        #expect(first == Data([1, 2, 3]) && second == first)
    }

    public func settingsAreReadBackAndReplaced() async throws {
        let store = try await make()
        #expect(try await store.setting(named: StoreSetting.publicURL) == nil)
        try await store.setSetting(named: StoreSetting.publicURL, value: "http://127.0.0.1:8080")
        try await store.setSetting(named: StoreSetting.publicURL, value: "https://papers.example.org")
        #expect(try await store.setting(named: StoreSetting.publicURL) == "https://papers.example.org")
        #expect(try await store.setting(named: "other") == nil)
    }

    public static let checks: [StoreContractCheck] = [
        .init("DigestContract.subscriptionLifecycle") { try await DigestContract(make: $0).subscriptionLifecycle() },
        .init("DigestContract.bouncesSuspendAfterTheLimitAndConfirmationResetsThem") {
            try await DigestContract(make: $0).bouncesSuspendAfterTheLimitAndConfirmationResetsThem()
        },
        .init("DigestContract.outboxRecordsOncePerKeyAndTracksDelivery") {
            try await DigestContract(make: $0).outboxRecordsOncePerKeyAndTracksDelivery()
        },
        .init("DigestContract.secretsAreGeneratedOnce") {
            try await DigestContract(make: $0).secretsAreGeneratedOnce()
        },
        .init("DigestContract.settingsAreReadBackAndReplaced") {
            try await DigestContract(make: $0).settingsAreReadBackAndReplaced()
        },
    ]
}
