import Foundation
import Logging
import PaperStore
import PostgresNIO
import PostgresStore
import Synchronization
import Testing

/// The PostgreSQL server the tests use: `PAPERBOY_TEST_POSTGRES_URL` (scripts/test starts one and sets it;
/// locally `export PAPERBOY_TEST_POSTGRES_URL=$(scripts/postgres-test-server.sh start)`). Every test makes
/// databases of its own on it, named `paperboy_test_...`, and drops them at the end.
enum TestPostgres {
    static let serverURL = ProcessInfo.processInfo.environment["PAPERBOY_TEST_POSTGRES_URL"].flatMap {
        $0.isEmpty ? nil : $0
    }
    static let skipReason: Testing.Comment =
        "PAPERBOY_TEST_POSTGRES_URL is not set: start a server with scripts/postgres-test-server.sh start (scripts/test does)"
    /// Warnings only: the pool logs every connection attempt at `info`.
    static let logger: Logger = {
        var logger = Logger(label: "paperboy.test.postgres")
        logger.logLevel = .warning
        return logger
    }()

    /// `serverURL` with another database.
    static func url(database: String) -> String {
        var components = URLComponents(string: serverURL!)!
        components.path = "/" + database
        return components.string!
    }

    /// Runs `body` on one connection to the server's maintenance database (the URL's own).
    static func admin<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await connection(database: String(URLComponents(string: serverURL!)!.path.dropFirst()), body)
    }

    /// A new, empty database; returns its name.
    static func createDatabase() async throws -> String {
        let name = "paperboy_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await admin { c in
            _ = try await c.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger).collect()
        }
        return name
    }

    static func dropDatabase(_ name: String) async throws {
        try await admin { c in
            _ = try await c.query(
                PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger
            )
            .collect()
        }
    }

    /// Runs `body` on one connection to database `name`.
    static func connection<T: Sendable>(
        database name: String, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let components = URLComponents(string: serverURL!)!
        let configuration = PostgresConnection.Configuration(
            host: components.host!, port: components.port ?? 5432, username: components.user!,
            password: components.password, database: name, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 2, logger: logger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

/// The stores a test opened, each on a fresh database: closed and dropped by `withFreshStores`.
final class FreshStores: Sendable {
    private let opened = Mutex<[(store: PostgresPaperStore, database: String)]>([])

    /// A store on a new, empty (then migrated) database.
    func make() async throws -> PostgresPaperStore { try await makeWithURL().store }

    /// A store on a new database, and the database's URL (for more stores on it).
    func makeWithURL() async throws -> (store: PostgresPaperStore, url: String) {
        let database = try await TestPostgres.createDatabase()
        let url = TestPostgres.url(database: database)
        let store = try await PostgresPaperStore.connect(url: url, logger: TestPostgres.logger, maximumConnections: 4)
        opened.withLock { $0.append((store, database)) }
        return (store, url)
    }

    func closeAll() async {
        let all = opened.withLock { list in
            defer { list = [] }
            return list
        }
        for (store, database) in all {
            await store.close()
            try? await TestPostgres.dropDatabase(database)
        }
    }
}

func withFreshStores<T: Sendable>(_ body: (FreshStores) async throws -> T) async throws -> T {
    let stores = FreshStores()
    do {
        let result = try await body(stores)
        await stores.closeAll()
        return result
    } catch {
        await stores.closeAll()
        throw error
    }
}
