import Foundation
import Logging
import PaperModel
import PaperStore
import PostgresNIO

/// Moving an SQLite store into an empty PostgreSQL database (`paperboy store copy`).
extension PostgresPaperStore {
    /// Rows per statement: one multi-row insert (`jsonb_populate_recordset`) per batch.
    static let copyBatchSize = 1_000

    /// Columns whose SQLite text is JSON, kept as `jsonb` here.
    static let jsonColumns: Set<String> = [
        "paper.authors", "paper.categories", "paper.links", "subscriber.categories", "subscriber.saved_searches",
    ]

    /// Tables whose `id` is an identity column: their sequences continue after the copied ids.
    static let identityTables = ["account", "comment", "collection", "access_token", "subscriber", "outbox"]

    /// Copies every table of `source` into this store, which must be empty, in one transaction (a failure leaves
    /// it empty), batch by batch; then sets the change sequence and the identity sequences and checks that every
    /// table has as many rows as the source's. `progress` is told (table, rows copied, rows in the table) after
    /// each batch. Nothing must write to `source` meanwhile. Returns the rows copied per table (SQLite's names).
    public func copy(
        from source: SQLitePaperStore, progress: @Sendable (String, Int, Int) -> Void = { _, _, _ in }
    ) async throws -> [(table: String, rows: Int)] {
        var totals: [(table: String, rows: Int)] = []
        for table in SQLiteStoreWriter.copiedTables {
            totals.append((table, try await source.rowCount(of: table)))
        }
        let sequence = try await source.latestChangeSequence()
        let expected = totals
        try await write { c in
            // The paper writers' lock: nothing else writes papers while the copy runs.
            _ = try await c.value(Int64.self, "SELECT value FROM change_counter WHERE id = 1 FOR UPDATE", logger)
            for (table, _) in expected {
                let target = Self.postgresTable(table)
                if try await c.value(
                    Bool.self, PostgresQuery(unsafeSQL: "SELECT EXISTS (SELECT 1 FROM \(target))"), logger) == true
                {
                    throw StoreError(
                        .invalidInput,
                        "the PostgreSQL database is not empty (table \(target) has rows); copy into an empty one")
                }
            }
            for (table, total) in expected {
                var copied = 0
                progress(table, 0, total)
                while copied < total {
                    let batch = try await source.copyRows(of: table, offset: copied, limit: Self.copyBatchSize)
                    guard !batch.rows.isEmpty else { break }
                    try await Self.insert(batch.rows, columns: batch.columns, table: table, c, logger)
                    copied += batch.rows.count
                    progress(table, copied, total)
                }
            }
            for table in Self.identityTables {
                try await c.run(
                    PostgresQuery(
                        unsafeSQL: """
                            SELECT setval(pg_get_serial_sequence('\(table)', 'id'), COALESCE(MAX(id), 0) + 1, false)
                            FROM \(table)
                            """), logger)
            }
            try await c.run("UPDATE change_counter SET value = \(sequence) WHERE id = 1", logger)
            for (table, total) in expected {
                let target = Self.postgresTable(table)
                let count =
                    try await c.value(Int.self, PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(target)"), logger) ?? 0
                guard count == total else {
                    throw StoreError(.storage, "copied \(count) rows into \(target), but the source has \(total)")
                }
            }
        }
        return totals
    }

    static func postgresTable(_ sqliteTable: String) -> String { sqliteTable == "user" ? "account" : sqliteTable }

    /// One multi-row insert: the rows as one JSON array of objects, turned into rows of the table's own type by
    /// `jsonb_populate_recordset`, which converts each value to its column's type (0/1 to booleans, ISO 8601
    /// text to timestamps, `\x` hex to bytea).
    static func insert(
        _ rows: [[StoreValue]], columns: [String], table: String, _ c: PostgresConnection, _ logger: Logger
    ) async throws {
        let target = postgresTable(table)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var objects: [[String: Any]] = []
        objects.reserveCapacity(rows.count)
        for row in rows {
            var object: [String: Any] = [:]
            for (column, value) in zip(columns, row) {
                switch value {
                case .null: object[column] = NSNull()
                case .integer(let n): object[column] = NSNumber(value: n)
                case .real(let d): object[column] = NSNumber(value: d)
                case .date(let date): object[column] = formatter.string(from: date)
                case .blob(let data): object[column] = "\\x" + data.map { String(format: "%02x", $0) }.joined()
                case .text(let text):
                    if jsonColumns.contains("\(target).\(column)") {
                        object[column] = try JSONSerialization.jsonObject(
                            with: Data(text.utf8), options: [.fragmentsAllowed])
                    } else {
                        object[column] = text
                    }
                }
            }
            objects.append(object)
        }
        let payload = String(decoding: try JSONSerialization.data(withJSONObject: objects), as: UTF8.self)
        let list = columns.map { "\"\($0)\"" }.joined(separator: ", ")
        var query = PostgresQuery(
            unsafeSQL:
                "INSERT INTO \(target) (\(list)) SELECT \(list) FROM jsonb_populate_recordset(NULL::\(target), $1::jsonb)"
        )
        query.binds.append(payload)
        try await c.run(query, logger)
    }
}
