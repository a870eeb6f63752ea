import Foundation
import Logging
import PaperStore
import PostgresNIO

/// Leases and shared limits (`LeaseStore`, `ThrottleStore`): the state several instances on one database agree on.
extension PostgresPaperStore {
    // MARK: Leases

    // One statement decides: the insert takes a free name; on conflict the update happens only when the row is the
    // holder's own or expired, and the row lock that ON CONFLICT takes makes a concurrent caller wait for this one
    // and then see its row. So two holders never both get a row back.
    public func acquireLease(_ name: String, holder: String, duration: Duration, now: Date) async throws -> Bool {
        let expiresAt = now.addingTimeInterval(try LeaseInput.check(name: name, holder: holder, duration: duration))
        return try await writeUnseenByPages { c in
            // A renewal keeps the time it was first taken; a takeover starts a new one.
            try await c.run(
                """
                INSERT INTO lease AS l (name, holder, expires_at, acquired_at)
                VALUES (\(name), \(holder), \(expiresAt), \(now))
                ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at,
                  acquired_at = CASE WHEN l.holder = EXCLUDED.holder THEN l.acquired_at ELSE EXCLUDED.acquired_at END
                WHERE l.holder = EXCLUDED.holder OR l.expires_at <= \(now)
                RETURNING 1
                """, logger) == 1
        }
    }

    public func releaseLease(_ name: String, holder: String) async throws {
        try await writeUnseenByPages { c in
            try await c.run("DELETE FROM lease WHERE name = \(name) AND holder = \(holder)", logger)
        }
    }

    public func leaseHolder(_ name: String, now: Date) async throws -> (holder: String, expiresAt: Date)? {
        let row = try await read { c in
            try await c.firstRow("SELECT holder, expires_at FROM lease WHERE name = \(name)", logger).map {
                (holder: try $0.get("holder", as: String.self), expiresAt: try $0.get("expires_at", as: Date.self))
            }
        }
        guard let row, row.expiresAt > now else { return nil }
        return row
    }

    // MARK: Throttles

    public func recordThrottledEvent(
        _ key: String, now: Date, spacing: Duration, limit: Int, window: Duration
    ) async throws -> Bool {
        try LeaseInput.check(throttleKey: key)
        guard limit > 0 else { return false }
        let windowStart = now.addingTimeInterval(-LeaseInput.seconds(window))
        let spacingStart = now.addingTimeInterval(-LeaseInput.seconds(spacing))
        let keep = now.addingTimeInterval(max(LeaseInput.seconds(window), LeaseInput.seconds(spacing)))
        return try await writeUnseenByPages { c in
            // Read committed lets two transactions count the same events; a transaction-scoped advisory lock per
            // key makes callers of one key take turns (it ends with the transaction), so together they never
            // exceed the limit. Other keys do not wait.
            try await c.run("SELECT pg_advisory_xact_lock(hashtextextended(\(key), 0))", logger)
            try await c.run("DELETE FROM throttle_event WHERE expires_at <= \(now)", logger)
            let latest = try await c.value(
                Date.self, "SELECT MAX(happened_at) FROM throttle_event WHERE key = \(key)", logger)
            if spacing > .zero, let latest, latest > spacingStart { return false }
            let recent =
                try await c.value(
                    Int64.self,
                    "SELECT COUNT(*) FROM throttle_event WHERE key = \(key) AND happened_at > \(windowStart)", logger)
                ?? 0
            guard recent < Int64(limit) else { return false }
            try await c.run(
                "INSERT INTO throttle_event (key, happened_at, expires_at) VALUES (\(key), \(now), \(keep))", logger)
            return true
        }
    }
}
