import Foundation
import Logging
import PaperModel
import PaperStore
import PostgresNIO

/// Digest subscriptions, the durable outbox, secrets and settings.
extension PostgresPaperStore {
    static let subscriberColumns = """
        s.id, s.email, s.status, s.frequency, s.categories::text AS categories,
        s.saved_searches::text AS saved_searches, s.created_at, s.confirmed_at, s.bounce_count,
        (SELECT username FROM account a WHERE a.id = s.user_id) AS username
        """

    static func subscriber(from row: PostgresRandomAccessRow) throws -> Subscriber {
        Subscriber(
            id: try row.get("id"), email: try row.get("email"), username: try row.get("username"),
            status: SubscriberStatus(rawValue: try row.get("status")) ?? .pending,
            frequency: DigestFrequency(rawValue: try row.get("frequency")) ?? .daily,
            categories: try decode([String].self, try row.get("categories"), column: "subscriber.categories"),
            savedSearches: try decode(
                [String].self, try row.get("saved_searches"), column: "subscriber.saved_searches"),
            createdAt: try row.get("created_at"), confirmedAt: try row.get("confirmed_at"),
            bounceCount: Int(try row.get("bounce_count", as: Int32.self)))
    }

    static func subscriber(id: Int64, _ c: PostgresConnection, _ logger: Logger) async throws -> Subscriber? {
        try await c.firstRow("SELECT \(unescaped: subscriberColumns) FROM subscriber s WHERE s.id = \(id)", logger)
            .map(subscriber(from:))
    }

    static func subscriber(email: String, _ c: PostgresConnection, _ logger: Logger) async throws -> Subscriber? {
        try await c.firstRow(
            "SELECT \(unescaped: subscriberColumns) FROM subscriber s WHERE lower(s.email) = lower(\(email))", logger
        ).map(subscriber(from:))
    }

    static func existingSubscriber(_ id: Int64, _ c: PostgresConnection, _ logger: Logger) async throws -> Subscriber {
        guard let found = try await subscriber(id: id, c, logger) else {
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
        return try await write { c in
            var userID: Int64?
            if let username { userID = try await Self.userID(username, c, logger) }
            // Inserted unless the address is known (two instances subscribing it at once make one row).
            if let id = try await c.value(
                Int64.self,
                """
                INSERT INTO subscriber (email, user_id, status, frequency, created_at)
                VALUES (\(email), \(userID), 'pending', \(frequency.rawValue), \(date))
                ON CONFLICT DO NOTHING RETURNING id
                """, logger)
            {
                return try await Self.existingSubscriber(id, c, logger)
            }
            guard let existing = try await Self.subscriber(email: email, c, logger) else {
                throw StoreError(.storage, "subscriber \(email) vanished while subscribing")
            }
            if existing.status == .unsubscribed || existing.status == .suspended {
                try await c.run(
                    "UPDATE subscriber SET status = 'pending', frequency = \(frequency.rawValue) WHERE id = \(existing.id)",
                    logger)
            }
            if let userID, existing.username == nil {
                try await c.run("UPDATE subscriber SET user_id = \(userID) WHERE id = \(existing.id)", logger)
            }
            return try await Self.existingSubscriber(existing.id, c, logger)
        }
    }

    public func subscriber(id: Int64) async throws -> Subscriber? {
        try await read { c in try await Self.subscriber(id: id, c, logger) }
    }

    public func subscriber(email: String) async throws -> Subscriber? {
        try await read { c in
            try await Self.subscriber(email: email.trimmingCharacters(in: .whitespaces), c, logger)
        }
    }

    public func subscriber(username: String) async throws -> Subscriber? {
        try await read { c in
            try await c.firstRow(
                """
                SELECT \(unescaped: Self.subscriberColumns) FROM subscriber s
                WHERE s.user_id = (SELECT id FROM account WHERE lower(username) = lower(\(username)))
                ORDER BY s.id LIMIT 1
                """, logger
            ).map(Self.subscriber(from:))
        }
    }

    @discardableResult
    public func confirmSubscriber(id: Int64, at date: Date) async throws -> Subscriber {
        try await write { c in
            let current = try await Self.existingSubscriber(id, c, logger)
            guard current.status != .confirmed else { return current }
            try await c.run(
                "UPDATE subscriber SET status = 'confirmed', confirmed_at = \(date), bounce_count = 0 WHERE id = \(id)",
                logger)
            return try await Self.existingSubscriber(id, c, logger)
        }
    }

    @discardableResult
    public func setSubscriberStatus(id: Int64, status: SubscriberStatus) async throws -> Subscriber {
        try await write { c in
            _ = try await Self.existingSubscriber(id, c, logger)
            try await c.run("UPDATE subscriber SET status = \(status.rawValue) WHERE id = \(id)", logger)
            return try await Self.existingSubscriber(id, c, logger)
        }
    }

    @discardableResult
    public func updateSubscriberPreferences(
        id: Int64, frequency: DigestFrequency, categories: [String], savedSearches: [String]
    ) async throws -> Subscriber {
        try await write { c in
            _ = try await Self.existingSubscriber(id, c, logger)
            try await c.run(
                """
                UPDATE subscriber SET frequency = \(frequency.rawValue), categories = \(Self.json(categories))::jsonb,
                  saved_searches = \(Self.json(savedSearches))::jsonb
                WHERE id = \(id)
                """, logger)
            return try await Self.existingSubscriber(id, c, logger)
        }
    }

    public func subscribers(
        status: SubscriberStatus, frequency: DigestFrequency?, afterID: Int64?, limit: Int?
    ) async throws -> [Subscriber] {
        try await read { c in
            try await c.rows(
                """
                SELECT \(unescaped: Self.subscriberColumns) FROM subscriber s
                WHERE s.status = \(status.rawValue) AND (\(frequency?.rawValue)::text IS NULL OR s.frequency = \(frequency?.rawValue))
                  AND s.id > \(afterID ?? Int64.min)
                ORDER BY s.id
                LIMIT \(limit.map { Int64(max(0, $0)) })
                """, logger
            ).map(Self.subscriber(from:))
        }
    }

    @discardableResult
    public func recordBounce(subscriberID: Int64, suspendAfter: Int) async throws -> Subscriber {
        try await write { c in
            _ = try await Self.existingSubscriber(subscriberID, c, logger)
            try await c.run(
                """
                UPDATE subscriber SET bounce_count = bounce_count + 1,
                  status = CASE WHEN bounce_count + 1 >= \(suspendAfter) AND status = 'confirmed' THEN 'suspended'
                                ELSE status END
                WHERE id = \(subscriberID)
                """, logger)
            return try await Self.existingSubscriber(subscriberID, c, logger)
        }
    }

    // MARK: Outbox

    static func outboxMessage(from row: PostgresRandomAccessRow) throws -> OutboxMessage {
        OutboxMessage(
            id: try row.get("id"), key: try row.get("idempotency_key"), subscriberID: try row.get("subscriber_id"),
            recipient: try row.get("recipient"), payload: try row.get("payload"),
            state: OutboxState(rawValue: try row.get("state")) ?? .queued,
            attempts: Int(try row.get("attempts", as: Int32.self)), nextAttemptAt: try row.get("next_attempt_at"),
            lastError: try row.get("last_error"), createdAt: try row.get("created_at"), sentAt: try row.get("sent_at")
        )
    }

    @discardableResult
    public func enqueueOutbox(
        key: String, subscriberID: Int64?, recipient: String, payload: String, at date: Date
    ) async throws -> Bool {
        try await write { c in
            try await c.run(
                """
                INSERT INTO outbox (idempotency_key, subscriber_id, recipient, payload, state, next_attempt_at, created_at)
                VALUES (\(key), \(subscriberID), \(recipient), \(payload), 'queued', \(date), \(date))
                ON CONFLICT (idempotency_key) DO NOTHING RETURNING 1
                """, logger) > 0
        }
    }

    public func outboxMessage(key: String) async throws -> OutboxMessage? {
        try await read { c in
            try await c.firstRow("SELECT * FROM outbox WHERE idempotency_key = \(key)", logger)
                .map(Self.outboxMessage(from:))
        }
    }

    public func dueOutboxMessages(now: Date, limit: Int) async throws -> [OutboxMessage] {
        try await read { c in
            try await c.rows(
                """
                SELECT * FROM outbox WHERE state = 'queued' AND next_attempt_at <= \(now)
                ORDER BY next_attempt_at, id LIMIT \(max(0, limit))
                """, logger
            ).map(Self.outboxMessage(from:))
        }
    }

    public func outboxMessages(state: OutboxState?) async throws -> [OutboxMessage] {
        try await read { c in
            try await c.rows(
                "SELECT * FROM outbox WHERE \(state?.rawValue)::text IS NULL OR state = \(state?.rawValue) ORDER BY id",
                logger
            ).map(Self.outboxMessage(from:))
        }
    }

    private func updateOutbox(_ id: Int64, _ query: PostgresQuery) async throws {
        try await write { c in
            guard try await c.run(query, logger) > 0 else { throw StoreError(.notFound, "no outbox message \(id)") }
        }
    }

    public func markOutboxSent(id: Int64, at date: Date) async throws {
        try await updateOutbox(
            id,
            """
            UPDATE outbox SET state = 'sent', attempts = attempts + 1, sent_at = \(date), last_error = NULL
            WHERE id = \(id) RETURNING 1
            """)
    }

    public func markOutboxRetry(id: Int64, error: String, retryAt: Date) async throws {
        try await updateOutbox(
            id,
            """
            UPDATE outbox SET state = 'queued', attempts = attempts + 1, last_error = \(error),
              next_attempt_at = \(retryAt)
            WHERE id = \(id) RETURNING 1
            """)
    }

    public func markOutboxFailed(id: Int64, error: String) async throws {
        try await updateOutbox(
            id,
            """
            UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = \(error)
            WHERE id = \(id) RETURNING 1
            """)
    }

    // MARK: Secrets and settings

    public func secret(named name: String, generate: @escaping @Sendable () -> Data) async throws -> Data {
        if let existing = try await read({ c in
            try await c.value(Data.self, "SELECT value FROM secret WHERE name = \(name)", logger)
        }) {
            return existing
        }
        let fresh = generate()
        return try await write { c in
            // Two first callers (or instances) race: the first insert wins and both return it.
            try await c.run(
                "INSERT INTO secret (name, value) VALUES (\(name), \(fresh)) ON CONFLICT DO NOTHING", logger)
            return try await c.value(Data.self, "SELECT value FROM secret WHERE name = \(name)", logger)
                .written("secret \(name)")
        }
    }

    public func setting(named name: String) async throws -> String? {
        try await read { c in try await c.value(String.self, "SELECT value FROM setting WHERE name = \(name)", logger) }
    }

    public func setSetting(named name: String, value: String) async throws {
        let now = clock.now()
        try await write { c in
            try await c.run(
                """
                INSERT INTO setting (name, value, updated_at) VALUES (\(name), \(value), \(now))
                ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """, logger)
        }
    }

    // MARK: Backups

    /// Writes an SQLite store file (what `paperboy backup` makes of an SQLite store, openable as one) from one
    /// snapshot of the database; under a temporary name, linked into place at the end, so a failed backup leaves
    /// nothing at `file` and an existing file is never replaced.
    public func backup(to file: URL) async throws {
        let manager = FileManager.default
        let target = file.standardizedFileURL
        if manager.fileExists(atPath: target.path) {
            throw StoreError(.invalidInput, "\(target.path) already exists; a backup never overwrites a file")
        }
        let directory = target.deletingLastPathComponent()
        do {
            try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.storage, "cannot create \(directory.path): \(error.localizedDescription)")
        }
        let partial = directory.appendingPathComponent(".\(target.lastPathComponent).partial-\(UUID().uuidString)")
        defer {
            for suffix in ["", "-journal", "-wal", "-shm"] { try? manager.removeItem(atPath: partial.path + suffix) }
        }
        let copy = try SQLiteStoreWriter.create(file: partial)
        do {
            try await snapshot { c in
                for table in SQLiteStoreWriter.copiedTables {
                    try await Self.copy(table: table, from: c, to: copy, logger)
                }
                try await copy.setChangeSequence(
                    try await c.value(Int64.self, "SELECT value FROM change_counter WHERE id = 1", logger) ?? 0)
            }
            try copy.close()
        } catch {
            try? copy.close()
            throw error
        }
        guard link(partial.path, target.path) == 0 else {
            let code = errno
            if code == EEXIST {
                throw StoreError(.invalidInput, "\(target.path) already exists; a backup never overwrites a file")
            }
            throw StoreError(.storage, "cannot create \(target.path): \(String(cString: strerror(code)))")
        }
    }

    /// Copies one table's rows, in key order, in batches, by column name (the schemas name columns alike; SQLite's
    /// `user` is `account` here).
    static func copy(
        table: String, from c: PostgresConnection, to copy: SQLiteStoreWriter, _ logger: Logger
    ) async throws {
        let columns = try await copy.columns(of: table)
        let source = table == "user" ? "account" : table
        // Parents before children within a table too (comment replies), and submissions in their first order.
        let order = table == "daily_submission" ? " ORDER BY seq" : columns.contains("id") ? " ORDER BY id" : ""
        let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
        var batch: [[StoreValue]] = []
        for try await row in try await c.query(
            PostgresQuery(unsafeSQL: "SELECT \(list) FROM \(source)\(order)"), logger: logger)
        {
            batch.append(try row.makeRandomAccess().map(Self.storeValue))
            if batch.count == 500 {
                try await copy.insert(into: table, columns: columns, rows: batch)
                batch = []
            }
        }
        try await copy.insert(into: table, columns: columns, rows: batch)
    }

    static func storeValue(_ cell: PostgresCell) throws -> StoreValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .timestamptz, .timestamp: return .date(try cell.decode(Date.self))
        case .bytea: return .blob(try cell.decode(Data.self))
        default: return .text(try cell.decode(String.self))
        }
    }
}
