import Foundation
import Logging
import PaperStore

/// The store a command works on: SQLite in the data folder, or the PostgreSQL database `--database-url` names.
struct OpenedStore: Sendable {
    let store: any PaperStore
    /// `sqlite` or `postgresql`, as `/healthz` and `stats` say it.
    let backend: String
    /// Where the store is, for logs and `stats`: the SQLite file, or the database URL without its password.
    let location: String
    /// What runs beside the command for as long as it uses the store (a connection pool), nil when nothing does.
    let companion: Task<Void, any Error>?

    /// Whether other instances may share this store (a database server, not a file in this data folder).
    var isShared: Bool { backend != "sqlite" }

    /// Stops the companion once the command is done with the store.
    func close() async {
        companion?.cancel()
        _ = await companion?.result
    }
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
                companion: nil)
        }
        throw CommandFailure(
            "this build has no PostgreSQL store: --database-url / PAPERBOY_DATABASE_URL (\(Self.redacted(url))) cannot be used yet; leave it unset to use SQLite in the data folder"
        )
    }

    /// `url` without its password, for logs.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}
