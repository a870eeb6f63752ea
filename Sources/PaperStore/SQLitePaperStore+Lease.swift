import Foundation
import GRDB

extension SQLitePaperStore {
    // MARK: Leases

    // SQLite has one writer: reading the row and writing it in one write transaction is atomic across every
    // connection and process on the database file.
    public func acquireLease(_ name: String, holder: String, duration: Duration, now: Date) async throws -> Bool {
        let expiresAt = now.addingTimeInterval(try LeaseInput.check(name: name, holder: holder, duration: duration))
        return try await writeUnseenByPages { db in
            if let row = try Row.fetchOne(
                db, sql: "SELECT holder, expires_at FROM lease WHERE name = ?", arguments: [name])
            {
                let current: String = row["holder"]
                let currentExpiry: Date = row["expires_at"]
                guard current == holder || currentExpiry <= now else { return false }
                // A renewal keeps the time it was first taken; a takeover starts a new one.
                try db.execute(
                    sql: """
                        UPDATE lease SET holder = ?, expires_at = ?,
                          acquired_at = CASE WHEN holder = ? THEN acquired_at ELSE ? END
                        WHERE name = ?
                        """,
                    arguments: [holder, expiresAt, holder, now, name])
            } else {
                try db.execute(
                    sql: "INSERT INTO lease (name, holder, expires_at, acquired_at) VALUES (?, ?, ?, ?)",
                    arguments: [name, holder, expiresAt, now])
            }
            return true
        }
    }

    public func releaseLease(_ name: String, holder: String) async throws {
        try await writeUnseenByPages { db in
            try db.execute(sql: "DELETE FROM lease WHERE name = ? AND holder = ?", arguments: [name, holder])
        }
    }

    public func leaseHolder(_ name: String, now: Date) async throws -> (holder: String, expiresAt: Date)? {
        let row = try await read { db in
            try Row.fetchOne(db, sql: "SELECT holder, expires_at FROM lease WHERE name = ?", arguments: [name])
                .map { (holder: $0["holder"] as String, expiresAt: $0["expires_at"] as Date) }
        }
        guard let row, row.expiresAt > now else { return nil }
        return row
    }

    /// A write that no page shows (leases, throttle events): it leaves `writeGeneration()` alone, so that an
    /// instance renewing its leases every few seconds does not empty the page caches each time.
    func writeUnseenByPages<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await writer.write(body)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw Self.storeError(error)
        }
    }

    // MARK: Throttles

    public func recordThrottledEvent(
        _ key: String, now: Date, spacing: Duration, limit: Int, window: Duration
    ) async throws -> Bool {
        try LeaseInput.check(throttleKey: key)
        guard limit > 0 else { return false }
        let windowStart = now.addingTimeInterval(-window.inSeconds)
        let spacingStart = now.addingTimeInterval(-spacing.inSeconds)
        return try await writeUnseenByPages { db in
            try db.execute(sql: "DELETE FROM throttle_event WHERE expires_at <= ?", arguments: [now])
            let latest = try Date.fetchOne(
                db, sql: "SELECT MAX(happened_at) FROM throttle_event WHERE key = ?", arguments: [key])
            if spacing > .zero, let latest, latest > spacingStart { return false }
            let recent =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM throttle_event WHERE key = ? AND happened_at > ?",
                    arguments: [key, windowStart]) ?? 0
            guard recent < limit else { return false }
            try db.execute(
                sql: "INSERT INTO throttle_event (key, happened_at, expires_at) VALUES (?, ?, ?)",
                arguments: [key, now, now.addingTimeInterval(max(window, spacing).inSeconds)])
            return true
        }
    }
}
