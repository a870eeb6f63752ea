import Foundation
import GRDB

/// A plain value of a stored row, for copying a store between backends without either's database types.
public enum StoreValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
    case date(Date)

    var databaseValue: DatabaseValue {
        switch self {
        case .null: return .null
        case .integer(let value): return value.databaseValue
        case .real(let value): return value.databaseValue
        case .text(let value): return value.databaseValue
        case .blob(let value): return value.databaseValue
        case .date(let value): return value.databaseValue
        }
    }
}

/// A new SQLite store file filled table by table with rows read elsewhere (a PostgreSQL store's `backup(to:)`):
/// the file gets the whole current schema first, then the rows as given, then the change sequence.
public final class SQLiteStoreWriter: Sendable {
    let store: SQLitePaperStore

    /// The tables a copy carries, parents before children so that foreign keys hold at every insert (SQLite's
    /// names: the accounts table is `user`).
    public static let copiedTables = [
        "paper", "user", "daily_submission", "upvote", "comment", "paper_embedding", "embedding_progress", "session",
        "collection", "collection_item", "author_claim", "access_token", "subscriber", "outbox", "secret",
        "import_journal", "setting", "harvest_state", "paper_withdrawal", "paper_alias", "paper_resolution_conflict",
        "paper_deletion", "paper_rejection", "author_follow", "category_follow", "recommendation_feed_token",
        "paper_view",
    ]

    /// Creates (and migrates) a new store file at `file`, which must not exist.
    public static func create(file: URL) throws -> SQLiteStoreWriter {
        guard !FileManager.default.fileExists(atPath: file.path) else {
            throw StoreError(.invalidInput, "\(file.path) already exists")
        }
        do {
            let queue = try DatabaseQueue(path: file.path, configuration: SQLitePaperStore.configuration())
            return SQLiteStoreWriter(store: try SQLitePaperStore(writer: queue, location: file.path))
        } catch let error as DatabaseError {
            throw SQLitePaperStore.storeError(error)
        }
    }

    init(store: SQLitePaperStore) { self.store = store }

    /// The columns of `table`, in the schema's order.
    public func columns(of table: String) async throws -> [String] {
        try await store.read { db in try db.columns(in: table).map(\.name) }
    }

    /// Inserts `rows` (values in the order of `columns`) in one transaction.
    public func insert(into table: String, columns: [String], rows: [[StoreValue]]) async throws {
        guard !rows.isEmpty else { return }
        let sql =
            "INSERT INTO \(table.quotedDatabaseIdentifier) (\(columns.map(\.quotedDatabaseIdentifier).joined(separator: ", "))) "
            + "VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
        try await store.write { db in
            let statement = try db.makeStatement(sql: sql)
            for row in rows {
                guard row.count == columns.count else {
                    throw StoreError(
                        .invalidInput, "a row of \(table) has \(row.count) values for \(columns.count) columns")
                }
                try statement.execute(arguments: StatementArguments(row.map(\.databaseValue)))
            }
        }
    }

    /// Sets the change sequence (the last one given out), once the rows are in.
    public func setChangeSequence(_ value: Int64) async throws {
        try await store.write { db in
            try db.execute(sql: "UPDATE change_sequence SET value = ?", arguments: [value])
        }
    }

    /// Closes the file; the writer must not be used afterwards.
    public func close() throws {
        do {
            try store.writer.close()
        } catch let error as DatabaseError {
            throw SQLitePaperStore.storeError(error)
        }
    }
}

/// Reading a store table by table, for copies into another backend (`paperboy store copy`).
extension SQLitePaperStore {
    /// The number of rows of `table` (one of `SQLiteStoreWriter.copiedTables`).
    public func rowCount(of table: String) async throws -> Int {
        try await read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.quotedDatabaseIdentifier)") ?? 0
        }
    }

    /// Up to `limit` rows of `table` from `offset` on, in insertion order (rowid) or, for tables without rowid, key
    /// order; values in the order of `columns`, dates (DATETIME columns) as `.date`. The caller keeps writers away
    /// while it pages through a table.
    public func copyRows(
        of table: String, offset: Int, limit: Int
    ) async throws -> (
        columns: [String], rows: [[StoreValue]]
    ) {
        try await read { db in
            let columns = try db.columns(in: table)
            let definition =
                try String.fetchOne(
                    db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [table])
                ?? ""
            let order: String
            if definition.uppercased().contains("WITHOUT ROWID") {
                let key = try db.primaryKey(table).columns
                order = key.map(\.quotedDatabaseIdentifier).joined(separator: ", ")
            } else {
                order = "rowid"
            }
            let names = columns.map(\.name)
            let dates = columns.map { $0.type.uppercased() == "DATETIME" }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(names.map(\.quotedDatabaseIdentifier).joined(separator: ", "))
                    FROM \(table.quotedDatabaseIdentifier) ORDER BY \(order) LIMIT ? OFFSET ?
                    """,
                arguments: [limit, offset]
            ).map { row in
                try (0..<names.count).map { i -> StoreValue in
                    let value: DatabaseValue = row[i]
                    switch value.storage {
                    case .null: return .null
                    case .int64(let n): return .integer(n)
                    case .double(let d): return .real(d)
                    case .blob(let data): return .blob(data)
                    case .string(let text):
                        guard dates[i] else { return .text(text) }
                        guard let date = Date.fromDatabaseValue(value) else {
                            throw StoreError(
                                .storage, "\(table).\(names[i]) holds \(text.debugDescription), not a date")
                        }
                        return .date(date)
                    }
                }
            }
            return (names, rows)
        }
    }
}
