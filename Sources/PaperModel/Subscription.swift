import Foundation

/// Where a digest subscription stands. Only `confirmed` subscribers get digests: double opt-in means nothing is
/// sent before the address owner clicked the confirmation link.
public enum SubscriberStatus: String, Sendable, Codable, CaseIterable {
    case pending, confirmed, unsubscribed, suspended
}

/// How often a subscriber gets the digest: every weekday, or once a week (Mondays).
public enum DigestFrequency: String, Sendable, Codable, CaseIterable {
    case daily, weekly
}

/// A person who asked for the digest by mail.
public struct Subscriber: Sendable, Equatable {
    public var id: Int64
    /// The address as given (unique, compared case-insensitively).
    public var email: String
    /// The account that subscribed, when logged in.
    public var username: String?
    public var status: SubscriberStatus
    public var frequency: DigestFrequency
    /// arXiv categories (`cs.CL`) whose papers personalize the digest.
    public var categories: [String]
    /// Search queries whose hits in the period personalize the digest.
    public var savedSearches: [String]
    public var createdAt: Date
    public var confirmedAt: Date?
    /// Permanent delivery failures since the last successful delivery or confirmation.
    public var bounceCount: Int

    public init(
        id: Int64, email: String, username: String? = nil, status: SubscriberStatus, frequency: DigestFrequency,
        categories: [String] = [], savedSearches: [String] = [], createdAt: Date, confirmedAt: Date? = nil,
        bounceCount: Int = 0
    ) {
        self.id = id
        self.email = email
        self.username = username
        self.status = status
        self.frequency = frequency
        self.categories = categories
        self.savedSearches = savedSearches
        self.createdAt = createdAt
        self.confirmedAt = confirmedAt
        self.bounceCount = bounceCount
    }
}

public enum OutboxState: String, Sendable, Codable, CaseIterable {
    case queued, sent, failed
}

/// One message of the durable outbox: rendered once, recorded under an idempotency key, then delivered.
public struct OutboxMessage: Sendable, Equatable {
    public var id: Int64
    /// Unique: `digest:<subscriber id>:<period>` for digests. Recording the same key twice records nothing.
    public var key: String
    public var subscriberID: Int64?
    public var recipient: String
    /// The rendered message, opaque to the store (the mail layer's serialized form).
    public var payload: String
    public var state: OutboxState
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var createdAt: Date
    public var sentAt: Date?

    public init(
        id: Int64, key: String, subscriberID: Int64?, recipient: String, payload: String, state: OutboxState,
        attempts: Int, nextAttemptAt: Date, lastError: String?, createdAt: Date, sentAt: Date?
    ) {
        self.id = id
        self.key = key
        self.subscriberID = subscriberID
        self.recipient = recipient
        self.payload = payload
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.createdAt = createdAt
        self.sentAt = sentAt
    }
}
