import ArgumentParser
import Foundation
import Logging

@main
struct Paperboy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paperboy",
        abstract: "Paperboy: a self-hosted research-paper discovery service.",
        discussion: """
            Data lives in a data folder: --data-dir, else $PAPERBOY_DATA_DIR, else ./.paperboy.
            Start with `paperboy serve`: an empty data folder gets the demo corpus.
            """,
        version: "0.1.0",
        subcommands: [
            ServeCommand.self, ImportCommand.self, StatsCommand.self, SearchCommand.self, ReindexCommand.self,
            EvalCommand.self, EmbedCommand.self, BenchCommand.self, UserCommand.self, DigestCommand.self,
            BackupCommand.self, HarvestCommand.self, FetchCommand.self, ResolveCommand.self,
            StoreCommand.self,
        ]
    )
}

/// Options every command that touches the store shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data folder (default: $PAPERBOY_DATA_DIR or ./.paperboy).")
    var dataDirectory: String?

    @Option(
        name: .customLong("database-url"),
        help:
            "A PostgreSQL database to keep the store in, shared by several instances: postgres://user:pass@host:5432/db (default: $PAPERBOY_DATABASE_URL; none: SQLite in the data folder)."
    )
    var databaseURL: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = ProcessInfo.processInfo.environment["PAPERBOY_LOG_LEVEL"] ?? "info"

    var resolvedDataDirectory: URL {
        let path = dataDirectory ?? ProcessInfo.processInfo.environment["PAPERBOY_DATA_DIR"] ?? ".paperboy"
        return URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
    }

    func validate() throws {
        guard Logger.Level(rawValue: logLevel.lowercased()) != nil else {
            throw ValidationError("unknown log level \(logLevel.debugDescription)")
        }
        if let url = resolvedDatabaseURL {
            guard let parsed = URLComponents(string: url), ["postgres", "postgresql"].contains(parsed.scheme ?? ""),
                parsed.host?.isEmpty == false
            else {
                throw ValidationError(
                    "--database-url (or PAPERBOY_DATABASE_URL) must look like postgres://user:pass@host:5432/db")
            }
        }
    }

    func makeLogger(_ label: String) -> Logger {
        LoggingBootstrap.once
        var logger = Logger(label: label)
        logger.logLevel = Logger.Level(rawValue: logLevel.lowercased()) ?? .info
        return logger
    }
}

enum LoggingBootstrap {
    /// Logs go to stderr so that command output on stdout stays clean for pipes.
    static let once: Void = LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
}

/// A failure to report to the user: printed as "Error: <message>", exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
