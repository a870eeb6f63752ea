import Foundation
import Logging
import PaperStore
import PostgresStore

/// The store a command works on: SQLite in the data folder, or the PostgreSQL database `--database-url` names.
struct OpenedStore: Sendable {
    let store: any PaperStore
    /// `sqlite` or `postgresql`, as `/healthz` and `stats` say it.
    let backend: String
    /// Where the store is, for logs and `stats`: the SQLite file, or the database URL without its password.
    let location: String
    /// Ends what runs beside the command for as long as it uses the store (PostgreSQL's connection pool), nil
    /// when nothing does.
    let closeStore: (@Sendable () async -> Void)?

    /// Whether other instances may share this store (a database server, not a file in this data folder).
    var isShared: Bool { backend != "sqlite" }

    /// Closes the store once the command is done with it.
    func close() async { await closeStore?() }
}

extension StoreOptions {
    /// The database URL from `--database-url` or `PAPERBOY_DATABASE_URL` (an empty value is none).
    var resolvedDatabaseURL: String? {
        let url = databaseURL ?? ProcessInfo.processInfo.environment["PAPERBOY_DATABASE_URL"]
        guard let url, !url.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        return url
    }

    /// Opens the store; every command that touches the store comes through here.
    func openStore(logger: Logger) async throws -> OpenedStore {
        guard let url = resolvedDatabaseURL else {
            let directory = resolvedDataDirectory
            let store = try SQLitePaperStore.open(directory: directory)
            return OpenedStore(
                store: store, backend: "sqlite", location: directory.appendingPathComponent("paperboy.sqlite").path,
                closeStore: nil)
        }
        // Connecting applies the migrations (under an advisory lock, so instances starting at once do not race).
        let store = try await PostgresPaperStore.connect(url: url, logger: logger)
        return OpenedStore(
            store: store, backend: "postgresql", location: store.location, closeStore: { await store.close() })
    }

    /// `url` without its password, for logs.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}

/// The folder of a data folder's lexical index, made sure to belong to `store`.
///
/// The index remembers the last change sequence it applied, and sequences are a store's own: an index built from
/// another store (the data folder pointed at a new database, a database recreated, a copy restored in place) would
/// skip that many of this store's changes. So the index folder records the store's identity (a random secret the
/// store keeps) and is emptied, to be rebuilt from the change feed, when it names another store. A folder without
/// the record beside a SQLite store is that store's own index (from before the record existed) and is kept.
func lexicalIndexDirectory(
    store: any PaperStore, sharedStore: Bool, dataDirectory: URL, logger: Logger
) async throws -> URL {
    let index = dataDirectory.appendingPathComponent("index", isDirectory: true)
    let lexical = index.appendingPathComponent("lexical", isDirectory: true)
    let record = index.appendingPathComponent("store-identity")
    let identity = try await store.secret(named: "store-identity") {
        Data((0..<16).map { _ in UInt8.random(in: .min ... .max) })
    }
    .map { String(format: "%02x", $0) }.joined()
    let recorded = (try? String(contentsOf: record, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    guard recorded != identity else { return lexical }
    if recorded != nil || sharedStore, FileManager.default.fileExists(atPath: lexical.path) {
        logger.notice(
            "the search index in the data folder was built from another store: rebuilding it from this one",
            metadata: ["index": "\(lexical.path)"])
        try FileManager.default.removeItem(at: lexical)
    }
    try FileManager.default.createDirectory(at: index, withIntermediateDirectories: true)
    try Data((identity + "\n").utf8).write(to: record, options: .atomic)
    return lexical
}
