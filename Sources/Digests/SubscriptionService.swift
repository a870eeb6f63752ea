import Foundation
import Logging
import Mail
import PaperModel
import PaperStore
import PaperSupport

/// Subscribing, confirming, unsubscribing and preferences: what the web pages call.
///
/// Double opt-in: `subscribe` only records a pending subscriber and mails a confirmation link (signed, valid
/// 7 days); digests go to confirmed subscribers only. Every link in a mail carries a signed token, so
/// unsubscribing and changing preferences need no login.
public struct SubscriptionService: Sendable {
    public let store: any PaperStore
    public let transport: any MailTransport
    public let from: MailAddress
    public let tokens: SubscriptionTokens
    let logger: Logger
    let clock: @Sendable () -> Date
    let library: DigestRendererCache
    /// Confirmation mails per address: a subscribe form must not become a way to flood someone's inbox.
    let confirmationThrottle: ConfirmationThrottle

    public init(
        store: any PaperStore, transport: any MailTransport, from: MailAddress, tokens: SubscriptionTokens,
        logger: Logger = Logger(label: "paperboy.subscriptions"), clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.transport = transport
        self.from = from
        self.tokens = tokens
        self.logger = logger
        self.clock = clock
        self.library = DigestRendererCache(from: from)
        self.confirmationThrottle = ConfirmationThrottle(store: store)
    }

    public enum SubscribeResult: Sendable, Equatable {
        /// A confirmation mail went out.
        case confirmationSent(Subscriber)
        /// Already confirmed: nothing sent.
        case alreadyConfirmed(Subscriber)
    }

    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case invalidAddress(String)
        case invalidToken
        case expiredToken
        case unknownSubscriber
        case deliveryFailed(String)

        public var description: String {
            switch self {
            case .invalidAddress(let reason): "That is not a usable email address (\(reason))."
            case .invalidToken: "This link is not valid. Copy the whole link from the mail."
            case .expiredToken: "This confirmation link has expired. Subscribe again to get a new one."
            case .unknownSubscriber: "This subscription no longer exists."
            case .deliveryFailed(let reason): "The confirmation mail could not be sent (\(reason)). Try again later."
            }
        }
    }

    /// Validates an address the way mail headers need it (no CR/LF, one @, sane length).
    public static func address(_ text: String) throws(Failure) -> MailAddress {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.count <= 254 else { throw .invalidAddress("too long") }
        do {
            return try MailAddress(trimmed)
        } catch let error as MailError {
            throw .invalidAddress(error.message)
        } catch {
            throw .invalidAddress("\(error)")
        }
    }

    public func subscribe(
        email: String, username: String?, frequency: DigestFrequency = .daily, baseURL: String
    ) async throws -> SubscribeResult {
        let address = try Self.address(email)
        let subscriber = try await store.subscribe(
            email: address.address, username: username, frequency: frequency, at: clock())
        if subscriber.status == .confirmed { return .alreadyConfirmed(subscriber) }
        // A repeat within the throttle window answers as if sent (the mail from a moment ago is still valid);
        // nothing tells a stranger whether the address is subscribed.
        guard try await confirmationThrottle.allow(address.address, now: clock()) else {
            logger.notice("confirmation mail throttled", metadata: ["subscriber": "\(subscriber.id)"])
            return .confirmationSent(subscriber)
        }
        let renderer = try await library.renderer(baseURL: baseURL)
        let mail = try renderer.confirmation(to: address, subscriber: subscriber, tokens: tokens, date: clock())
        do {
            try await transport.send(mail)
        } catch let error as DeliveryError {
            logger.warning("confirmation mail not sent", metadata: ["error": "\(error.message)"])
            throw Failure.deliveryFailed(error.replyCode.map { "\($0) \(error.message)" } ?? error.message)
        } catch {
            logger.warning("confirmation mail not sent", metadata: ["error": "\(error)"])
            throw Failure.deliveryFailed("\(error)")
        }
        logger.info("confirmation mail sent", metadata: ["subscriber": "\(subscriber.id)"])
        return .confirmationSent(subscriber)
    }

    func subscriber(_ token: String, _ purpose: SubscriptionTokens.Purpose) async throws -> Subscriber {
        let id: Int64
        do {
            id = try tokens.verify(token, purpose, now: clock())
        } catch .expired {
            throw Failure.expiredToken
        } catch {
            throw Failure.invalidToken
        }
        guard let subscriber = try await store.subscriber(id: id) else { throw Failure.unknownSubscriber }
        return subscriber
    }

    public func confirm(token: String) async throws -> Subscriber {
        let subscriber = try await subscriber(token, .confirm)
        guard subscriber.status != .confirmed else { return subscriber }
        return try await store.confirmSubscriber(id: subscriber.id, at: clock())
    }

    /// The subscriber an unsubscribe or preferences token names (for the pages that show before a POST).
    public func subscriber(token: String, purpose: SubscriptionTokens.Purpose) async throws -> Subscriber {
        try await subscriber(token, purpose)
    }

    /// Unsubscribes with an unsubscribe or a preferences token.
    public func unsubscribe(token: String) async throws -> Subscriber {
        let subscriber: Subscriber
        do {
            subscriber = try await self.subscriber(token, .unsubscribe)
        } catch Failure.invalidToken {
            subscriber = try await self.subscriber(token, .preferences)
        }
        guard subscriber.status != .unsubscribed else { return subscriber }
        logger.info("unsubscribed", metadata: ["subscriber": "\(subscriber.id)"])
        return try await store.setSubscriberStatus(id: subscriber.id, status: .unsubscribed)
    }

    public func updatePreferences(
        token: String, frequency: DigestFrequency, categories: [String], savedSearches: [String]
    ) async throws -> Subscriber {
        let subscriber = try await subscriber(token, .preferences)
        let categories = Array(Self.cleanList(categories, maxLength: 40).prefix(20))
        let searches = Array(Self.cleanList(savedSearches, maxLength: 200).prefix(10))
        return try await store.updateSubscriberPreferences(
            id: subscriber.id, frequency: frequency, categories: categories, savedSearches: searches)
    }

    public func preferencesToken(for subscriber: Subscriber) -> String {
        tokens.make(.preferences, subscriberID: subscriber.id, now: clock())
    }

    public func unsubscribeToken(for subscriber: Subscriber) -> String {
        tokens.make(.unsubscribe, subscriberID: subscriber.id, now: clock())
    }

    static func cleanList(_ items: [String], maxLength: Int) -> [String] {
        var seen = Set<String>()
        return items.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty && $0.count <= maxLength && !$0.contains(where: { $0.isNewline }) }
            .filter { seen.insert($0.lowercased()).inserted }
    }
}

/// Renderers by base URL (the web layer may only know it per request).
actor DigestRendererCache {
    let from: MailAddress
    var renderers: [String: DigestRenderer] = [:]

    init(from: MailAddress) {
        self.from = from
    }

    func renderer(baseURL: String) async throws -> DigestRenderer {
        if let cached = renderers[baseURL] { return cached }
        let renderer = try await DigestRenderer(from: from, links: DigestLinks(baseURL: baseURL))
        if renderers.count < 16 { renderers[baseURL] = renderer }
        return renderer
    }
}

/// At most one confirmation mail per address every `interval`, and `dailyLimit` in any 24 hours. Counted in the
/// store, not in memory: every instance serving the same database (and a restarted one) sees the same count, so
/// the limit is the site's, not one allowance per process.
struct ConfirmationThrottle: Sendable {
    let store: any ThrottleStore
    let interval: Duration
    let dailyLimit: Int

    init(store: any ThrottleStore, interval: Duration = .seconds(10 * 60), dailyLimit: Int = 5) {
        self.store = store
        self.interval = interval
        self.dailyLimit = dailyLimit
    }

    /// Counts a mail to `address` (case-insensitive) and returns true when it may go out.
    func allow(_ address: String, now: Date) async throws -> Bool {
        try await store.recordThrottledEvent(
            "confirmation-mail:" + address.lowercased(), now: now, spacing: interval, limit: dailyLimit,
            window: .seconds(86_400))
    }
}
