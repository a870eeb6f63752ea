import Foundation
import GRDB
import PaperModel

/// Digest subscriptions, the durable outbox and named secrets.
extension SQLitePaperStore {
    static let subscriberColumns = """
        s.*, (SELECT username FROM user WHERE user.id = s.user_id) AS username
        """

    static func subscriber(from row: Row) throws -> Subscriber {
        Subscriber(
            id: row["id"], email: row["email"], username: row["username"],
            status: SubscriberStatus(rawValue: row["status"]) ?? .pending,
            frequency: DigestFrequency(rawValue: row["frequency"]) ?? .daily,
            categories: try decode([String].self, row["categories"], column: "subscriber.categories"),
            savedSearches: try decode([String].self, row["saved_searches"], column: "subscriber.saved_searches"),
            createdAt: row["created_at"], confirmedAt: row["confirmed_at"], bounceCount: row["bounce_count"])
    }

    static func subscriber(
        _ db: Database, where condition: String, _ arguments: StatementArguments
    ) throws -> Subscriber? {
        try Row.fetchOne(
            db, sql: "SELECT \(subscriberColumns) FROM subscriber s WHERE \(condition)", arguments: arguments
        )
        .map(subscriber(from:))
    }

    static func existingSubscriber(_ id: Int64, _ db: Database) throws -> Subscriber {
        guard let found = try subscriber(db, where: "s.id = ?", [id]) else {
            throw StoreError(.notFound, "no subscriber \(id)")
        }
        return found
    }

    public func subscribe(
        email: String, username: String?, frequency: DigestFrequency, at date: Date
    ) async throws -> Subscriber {
        let email = email.trimmingCharacters(in: .whitespaces)
        guard (3...254).contains(email.count), email.contains("@"),
            !email.contains(where: { $0.isNewline || $0 == "\0" })
        else { throw StoreError(.invalidInput, "not an email address: \(email.debugDescription)") }
        return try await write { db in
            let userID = try username.map { try Self.userID($0, db) }
            if var existing = try Self.subscriber(db, where: "s.email = ?", [email]) {
                if existing.status == .unsubscribed || existing.status == .suspended {
                    try db.execute(
                        sql: "UPDATE subscriber SET status = 'pending', frequency = ? WHERE id = ?",
                        arguments: [frequency.rawValue, existing.id])
                }
                if let userID, existing.username == nil {
                    try db.execute(
                        sql: "UPDATE subscriber SET user_id = ? WHERE id = ?", arguments: [userID, existing.id])
                }
                existing = try Self.existingSubscriber(existing.id, db)
                return existing
            }
            try db.execute(
                sql: """
                    INSERT INTO subscriber (email, user_id, status, frequency, created_at)
                    VALUES (?, ?, 'pending', ?, ?)
                    """,
                arguments: [email, userID, frequency.rawValue, date])
            return try Self.existingSubscriber(db.lastInsertedRowID, db)
        }
    }

    public func subscriber(id: Int64) async throws -> Subscriber? {
        try await read { db in try Self.subscriber(db, where: "s.id = ?", [id]) }
    }

    public func subscriber(email: String) async throws -> Subscriber? {
        try await read { db in
            try Self.subscriber(db, where: "s.email = ?", [email.trimmingCharacters(in: .whitespaces)])
        }
    }

    public func subscriber(username: String) async throws -> Subscriber? {
        try await read { db in
            try Self.subscriber(
                db, where: "s.user_id = (SELECT id FROM user WHERE username = ?) ORDER BY s.id LIMIT 1", [username])
        }
    }

    public func confirmSubscriber(id: Int64, at date: Date) async throws -> Subscriber {
        try await write { db in
            let current = try Self.existingSubscriber(id, db)
            guard current.status != .confirmed else { return current }
            try db.execute(
                sql: "UPDATE subscriber SET status = 'confirmed', confirmed_at = ?, bounce_count = 0 WHERE id = ?",
                arguments: [date, id])
            return try Self.existingSubscriber(id, db)
        }
    }

    public func setSubscriberStatus(id: Int64, status: SubscriberStatus) async throws -> Subscriber {
        try await write { db in
            _ = try Self.existingSubscriber(id, db)
            try db.execute(sql: "UPDATE subscriber SET status = ? WHERE id = ?", arguments: [status.rawValue, id])
            return try Self.existingSubscriber(id, db)
        }
    }

    public func updateSubscriberPreferences(
        id: Int64, frequency: DigestFrequency, categories: [String], savedSearches: [String]
    ) async throws -> Subscriber {
        try await write { db in
            _ = try Self.existingSubscriber(id, db)
            try db.execute(
                sql: "UPDATE subscriber SET frequency = ?, categories = ?, saved_searches = ? WHERE id = ?",
                arguments: [frequency.rawValue, Self.json(categories), Self.json(savedSearches), id])
            return try Self.existingSubscriber(id, db)
        }
    }

    public func subscribers(
        status: SubscriberStatus, frequency: DigestFrequency?, afterID: Int64?, limit: Int?
    ) async throws -> [Subscriber] {
        try await read { db in
            var sql = "SELECT \(Self.subscriberColumns) FROM subscriber s WHERE s.status = ?"
            var arguments: StatementArguments = [status.rawValue]
            if let frequency {
                sql += " AND s.frequency = ?"
                arguments += [frequency.rawValue]
            }
            if let afterID {
                sql += " AND s.id > ?"
                arguments += [afterID]
            }
            sql += " ORDER BY s.id"
            if let limit {
                sql += " LIMIT ?"
                arguments += [max(0, limit)]
            }
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.subscriber(from:))
        }
    }

    public func recordBounce(subscriberID: Int64, suspendAfter: Int) async throws -> Subscriber {
        try await write { db in
            _ = try Self.existingSubscriber(subscriberID, db)
            try db.execute(
                sql: """
                    UPDATE subscriber SET bounce_count = bounce_count + 1,
                      status = CASE WHEN bounce_count + 1 >= ? AND status = 'confirmed' THEN 'suspended' ELSE status END
                    WHERE id = ?
                    """,
                arguments: [suspendAfter, subscriberID])
            return try Self.existingSubscriber(subscriberID, db)
        }
    }

    // MARK: Outbox

    static func outboxMessage(from row: Row) -> OutboxMessage {
        OutboxMessage(
            id: row["id"], key: row["idempotency_key"], subscriberID: row["subscriber_id"], recipient: row["recipient"],
            payload: row["payload"], state: OutboxState(rawValue: row["state"]) ?? .queued, attempts: row["attempts"],
            nextAttemptAt: row["next_attempt_at"], lastError: row["last_error"], createdAt: row["created_at"],
            sentAt: row["sent_at"])
    }

    public func enqueueOutbox(
        key: String, subscriberID: Int64?, recipient: String, payload: String, at date: Date
    ) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO outbox (idempotency_key, subscriber_id, recipient, payload, state, next_attempt_at, created_at)
                    VALUES (?, ?, ?, ?, 'queued', ?, ?) ON CONFLICT(idempotency_key) DO NOTHING
                    """,
                arguments: [key, subscriberID, recipient, payload, date, date])
            return db.changesCount > 0
        }
    }

    public func outboxMessage(key: String) async throws -> OutboxMessage? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM outbox WHERE idempotency_key = ?", arguments: [key])
                .map(Self.outboxMessage(from:))
        }
    }

    public func dueOutboxMessages(now: Date, limit: Int) async throws -> [OutboxMessage] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT * FROM outbox WHERE state = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
                arguments: [now, limit]
            ).map(Self.outboxMessage(from:))
        }
    }

    public func outboxMessages(state: OutboxState?) async throws -> [OutboxMessage] {
        try await read { db in
            if let state {
                return try Row.fetchAll(
                    db, sql: "SELECT * FROM outbox WHERE state = ? ORDER BY id", arguments: [state.rawValue]
                )
                .map(Self.outboxMessage(from:))
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM outbox ORDER BY id").map(Self.outboxMessage(from:))
        }
    }

    func updateOutbox(_ id: Int64, sql: String, _ arguments: StatementArguments) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE outbox SET \(sql) WHERE id = ?", arguments: arguments + [id])
            guard db.changesCount > 0 else { throw StoreError(.notFound, "no outbox message \(id)") }
        }
    }

    public func markOutboxSent(id: Int64, at date: Date) async throws {
        try await updateOutbox(
            id, sql: "state = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL", [date])
    }

    public func markOutboxRetry(id: Int64, error: String, retryAt: Date) async throws {
        try await updateOutbox(
            id, sql: "state = 'queued', attempts = attempts + 1, last_error = ?, next_attempt_at = ?", [error, retryAt])
    }

    public func markOutboxFailed(id: Int64, error: String) async throws {
        try await updateOutbox(id, sql: "state = 'failed', attempts = attempts + 1, last_error = ?", [error])
    }

    // MARK: Secrets

    public func secret(named name: String, generate: @escaping @Sendable () -> Data) async throws -> Data {
        if let existing = try await read({ db in
            try Data.fetchOne(db, sql: "SELECT value FROM secret WHERE name = ?", arguments: [name])
        }) {
            return existing
        }
        let fresh = generate()
        return try await write { db in
            // Two first callers race: the first insert wins and both return it.
            try db.execute(
                sql: "INSERT INTO secret (name, value) VALUES (?, ?) ON CONFLICT(name) DO NOTHING",
                arguments: [name, fresh])
            return try Data.fetchOne(db, sql: "SELECT value FROM secret WHERE name = ?", arguments: [name])!
        }
    }

    // MARK: Settings

    public func setting(named name: String) async throws -> String? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT value FROM setting WHERE name = ?", arguments: [name])
        }
    }

    public func setSetting(named name: String, value: String) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO setting (name, value, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                    """,
                arguments: [name, value, clock.now()])
        }
    }
}
