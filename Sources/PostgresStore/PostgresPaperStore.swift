import Foundation
import Logging
import NIOSSL
import PaperModel
import PaperStore
import PaperSupport
import PostgresNIO
import Synchronization

/// The store on PostgreSQL, for several Paperboy processes sharing one database: the same contract as
/// `SQLitePaperStore` (Tests/StoreContract), over PostgresNIO's connection pool.
///
/// `connect(url:)` starts the pool (its `run()` in a task the store owns), applies the migrations under an
/// advisory lock and returns the store; `close()` ends the pool. A CLI command connects, works and closes; `serve`
/// does the same around its service group (no PostgresNIO type appears in this interface, so the pool is not
/// handed to ServiceLifecycle itself). Every public write is one transaction.
public final class PostgresPaperStore: PaperStore {
    let client: PostgresClient
    private let runner: Task<Void, Never>
    let logger: Logger
    let clock: WallClock
    /// Counts the writes made through this store, for `writeGeneration()`.
    private let writes = Mutex<Int64>(0)
    /// Where the store is, without the password: for messages.
    public let location: String

    private init(client: PostgresClient, location: String, logger: Logger, clock: WallClock) {
        self.client = client
        self.location = location
        self.logger = logger
        self.clock = clock
        runner = Task { await client.run() }
    }

    /// Connects to `url` (`postgres://user:password@host:port/database[?sslmode=disable|prefer|require]`), applies
    /// the migrations not yet applied (under an advisory lock: two processes starting at once apply them once)
    /// and returns the store. `sslmode` defaults to `disable` on a loopback host and `prefer` elsewhere. A server
    /// that cannot be reached within `connectTimeout` is a `storage` error (the pool would otherwise keep trying).
    public static func connect(
        url: String, logger: Logger = Logger(label: "paperboy.postgres"), clock: WallClock = .system,
        maximumConnections: Int = 10, connectTimeout: Duration = .seconds(15)
    ) async throws -> PostgresPaperStore {
        let settings = try PostgresURL(url)
        do {
            try await probe(settings, timeout: connectTimeout, logger: logger)
        } catch {
            throw Self.storeError(error, "cannot reach PostgreSQL at \(settings.redacted)")
        }
        var configuration = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password,
            database: settings.database, tls: settings.tls.clientTLS)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = connectTimeout
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let store = PostgresPaperStore(client: client, location: settings.redacted, logger: logger, clock: clock)
        do {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await client.withConnection { connection in
                        try await PostgresSchema.migrate(connection, logger: logger)
                    }
                    return true
                }
                group.addTask {
                    // Waiting for another process's migrations (the advisory lock) is not a connection failure:
                    // the clock is for reaching the server, so it allows the migrations a generous multiple.
                    try await Task.sleep(for: connectTimeout * 8)
                    return false
                }
                let migrated = try await group.next()!
                group.cancelAll()
                if !migrated {
                    throw StoreError(.storage, "no answer from the server within \(connectTimeout * 8)")
                }
            }
        } catch {
            await store.close()
            let context = "cannot open PostgreSQL store \(settings.redacted)"
            if let error = error as? StoreError { throw StoreError(error.code, "\(context): \(error.message)") }
            throw Self.storeError(error, context)
        }
        return store
    }

    /// One direct connection before the pool starts: the pool retries a refused, unresolvable or misconfigured
    /// server until its circuit breaker trips (about a minute) and then names only that, where a single attempt
    /// fails at once with the server's reason (connection refused, password authentication failed, no database).
    static func probe(_ settings: PostgresURL, timeout: Duration, logger: Logger) async throws {
        var configuration = PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password,
            database: settings.database, tls: try settings.tls.connectionTLS())
        configuration.options.connectTimeout = .seconds(max(1, timeout.components.seconds))
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        try await connection.close()
    }

    /// The newest migration: what `status().schemaVersion` says once a store is open.
    public static var currentSchemaVersion: String { PostgresSchema.currentVersion }

    /// Every migration's version, oldest first: what `schema_migrations` holds once a store is open.
    public static var schemaVersions: [String] { PostgresSchema.migrations.map(\.version) }

    /// Ends the connection pool. The store must not be used afterwards.
    public func close() async {
        runner.cancel()
        await runner.value
    }

    deinit { runner.cancel() }

    public func writeGeneration() -> Int64 { writes.withLock { $0 } }

    // MARK: Running statements

    /// One connection for `body`'s statements, outside a transaction: for reads of one statement (one snapshot).
    func read<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { connection in try await body(connection) }
        } catch let error where Self.isDatabaseError(error) {
            throw Self.storeError(error, "database error")
        }
        // Anything else (a StoreError, or what an import source threw) reaches the caller as it was thrown.
    }

    /// Several reads that must see one snapshot (a read-only repeatable-read transaction).
    func snapshot<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await read { connection in
            try await Self.transaction(connection, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger) {
                try await body(connection)
            }
        }
    }

    /// One read-committed write transaction.
    @discardableResult
    func write<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        // Counted once the transaction has ended (committed or rolled back), so that a reader who sees the new
        // generation also sees the new data.
        defer { writes.withLock { $0 += 1 } }
        return try await read { connection in
            try await Self.transaction(connection, begin: "BEGIN", logger) { try await body(connection) }
        }
    }

    /// A write transaction that no page shows (leases, throttle events): it leaves `writeGeneration()` alone, so
    /// that an instance renewing its leases every few seconds does not empty the page caches each time.
    func writeUnseenByPages<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await read { connection in
            try await Self.transaction(connection, begin: "BEGIN", logger) { try await body(connection) }
        }
    }

    private static func transaction<T>(
        _ connection: PostgresConnection, begin: String, _ logger: Logger, _ body: () async throws -> T
    ) async throws -> T {
        _ = try await connection.query(PostgresQuery(unsafeSQL: begin), logger: logger).collect()
        let result: T
        do {
            result = try await body()
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger).collect()
            throw error
        }
        _ = try await connection.query("COMMIT", logger: logger).collect()
        return result
    }

    /// A PostgreSQL error as a `StoreError` (no PostgresNIO type leaves the module): the server's own message
    /// when it sent one.
    static func storeError(_ error: any Error, _ context: String) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? PostgresTransactionError {
            if let inner = error.closureError ?? error.beginError ?? error.commitError {
                return storeError(inner, context)
            }
        }
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                let code = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return StoreError(.storage, "\(context): \(message)\(code)")
            }
            return StoreError(.storage, "\(context): \(error.code)\(error.underlying.map { ": \($0)" } ?? "")")
        }
        return StoreError(.storage, "\(context): \(error)")
    }

    /// Errors of PostgresNIO's, which become `StoreError`s so that none of its types leaves the module.
    static func isDatabaseError(_ error: any Error) -> Bool {
        error is PSQLError || error is PostgresTransactionError || error is PostgresDecodingError
    }
}

// MARK: Statement helpers

extension PostgresConnection {
    /// Every row of `query`.
    func rows(_ query: PostgresQuery, _ logger: Logger) async throws -> [PostgresRandomAccessRow] {
        var rows: [PostgresRandomAccessRow] = []
        for try await row in try await self.query(query, logger: logger) { rows.append(row.makeRandomAccess()) }
        return rows
    }

    func firstRow(_ query: PostgresQuery, _ logger: Logger) async throws -> PostgresRandomAccessRow? {
        try await rows(query, logger).first
    }

    /// The first column of the first row, nil when there is no row (or it is NULL).
    func value<T: PostgresDecodable>(_ type: T.Type, _ query: PostgresQuery, _ logger: Logger) async throws -> T? {
        for try await row in try await self.query(query, logger: logger) {
            let cell = row.makeRandomAccess()[0]
            return cell.bytes == nil ? nil : try cell.decode(T.self)
        }
        return nil
    }

    func values<T: PostgresDecodable>(_ type: T.Type, _ query: PostgresQuery, _ logger: Logger) async throws -> [T] {
        var values: [T] = []
        for try await row in try await self.query(query, logger: logger) {
            values.append(try row.makeRandomAccess()[0].decode(T.self))
        }
        return values
    }

    /// Runs a statement; returns the number of rows it returned (`RETURNING 1` counts the rows it changed).
    @discardableResult
    func run(_ query: PostgresQuery, _ logger: Logger) async throws -> Int {
        var count = 0
        for try await _ in try await self.query(query, logger: logger) { count += 1 }
        return count
    }
}

extension PostgresRandomAccessRow {
    func get<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try self[column].decode(T.self)
    }
}

// MARK: URLs

/// A `postgres://` URL taken apart.
struct PostgresURL {
    enum TLSMode: String {
        case disable, prefer, require

        var clientTLS: PostgresClient.Configuration.TLS {
            switch self {
            case .disable: return .disable
            case .prefer: return .prefer(.makeClientConfiguration())
            case .require: return .require(.makeClientConfiguration())
            }
        }

        func connectionTLS() throws -> PostgresConnection.Configuration.TLS {
            switch self {
            case .disable: return .disable
            case .prefer: return .prefer(try .init(configuration: .makeClientConfiguration()))
            case .require: return .require(try .init(configuration: .makeClientConfiguration()))
            }
        }
    }

    var host: String
    var port: Int
    var username: String
    var password: String?
    var database: String
    var tls: TLSMode

    init(_ text: String) throws {
        func bad(_ why: String) -> StoreError {
            StoreError(
                .invalidInput,
                "not a PostgreSQL URL (\(why)); expected postgres://user:password@host:port/database")
        }
        guard let components = URLComponents(string: text) else { throw bad("cannot parse it") }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw bad("the scheme must be postgres://")
        }
        guard let host = components.host, !host.isEmpty else { throw bad("no host") }
        guard let user = components.user, !user.isEmpty else { throw bad("no user name") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw bad("no database name after the host") }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw bad("port \(port) is out of range") }
        username = components.user.flatMap { $0.removingPercentEncoding } ?? user
        password = components.password.flatMap { $0.removingPercentEncoding ?? $0 }
        self.database = database.removingPercentEncoding ?? database
        let loopback = ["localhost", "127.0.0.1", "::1"].contains(self.host) || self.host.hasPrefix("127.")
        var mode: TLSMode = loopback ? .disable : .prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw bad("sslmode must be disable, prefer or require")
                }
                mode = value
            default:
                throw bad("unknown parameter \(item.name)")
            }
        }
        tls = mode
    }

    /// The URL without its password.
    var redacted: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(username)@\(shownHost):\(port)/\(database)"
    }
}

extension Optional {
    /// The row a statement of the same transaction has just written or found. Missing means the database broke an
    /// invariant (or a concurrent schema change): a `storage` error for the caller, not a trap in the server.
    func written(_ what: @autoclosure () -> String) throws -> Wrapped {
        guard let self else { throw StoreError(.storage, "\(what()) was written but cannot be read back") }
        return self
    }
}
