import ArgumentParser
import Foundation
import PaperStore
import PostgresStore
import Synchronization

struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Move the store between backends.",
        subcommands: [StoreCopyCommand.self])
}

struct StoreCopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy an SQLite store into an empty PostgreSQL database.",
        discussion: """
            Copies every table of DIR/paperboy.sqlite (papers, accounts, community, digests, embeddings, harvest \
            progress) into the PostgreSQL database at --to, which must be empty (a new database; the schema is \
            created), in one transaction: a failed copy leaves it empty. Counts are checked table by table and the \
            change sequence carries over. Stop `paperboy serve` on the data folder first: writes made during the \
            copy would be missed. Search indexes are not copied: each instance rebuilds its own from the store.
            """)

    @Option(name: .customLong("to"), help: "The PostgreSQL database: postgres://user:password@host:port/database.")
    var url: String

    @Option(
        name: .customLong("from-data-dir"),
        help: "Data folder of the SQLite store (default: $PAPERBOY_DATA_DIR or ./.paperboy).")
    var sourceDirectory: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = ProcessInfo.processInfo.environment["PAPERBOY_LOG_LEVEL"] ?? "warning"

    func run() async throws {
        let options = try StoreOptions.parse(
            ["--log-level", logLevel] + (sourceDirectory.map { ["--data-dir", $0] } ?? []))
        let directory = options.resolvedDataDirectory
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("paperboy.sqlite").path) else {
            throw CommandFailure("no store in \(directory.path) (no paperboy.sqlite there)")
        }
        let source = try SQLitePaperStore.open(directory: directory)
        let target: PostgresPaperStore
        do {
            target = try await PostgresPaperStore.connect(url: url, logger: options.makeLogger("paperboy.store-copy"))
        } catch let error as StoreError {
            throw CommandFailure(error.message)
        }
        let started = Date()
        let bars = TableProgress()
        let copied: [(table: String, rows: Int)]
        do {
            copied = try await target.copy(from: source) { table, done, total in
                bars.update(table: table, done: done, total: total)
            }
            bars.finish()
        } catch let error as StoreError {
            bars.finish()
            await target.close()
            throw CommandFailure("copy failed, nothing was copied: \(error.message)")
        }
        await target.close()
        for (table, rows) in copied where rows > 0 {
            print("  \(table.padding(toLength: 26, withPad: " ", startingAt: 0)) \(rows)")
        }
        print(
            "copied \(copied.reduce(0) { $0 + $1.rows }) rows of \(directory.path) to \(target.location) in "
                + String(format: "%.1f s", Date().timeIntervalSince(started)) + "; every table's count matches")
    }
}

/// One progress bar per table, the current one.
final class TableProgress: Sendable {
    private let current = Mutex<(table: String, bar: ProgressBar)?>(nil)

    func update(table: String, done: Int, total: Int) {
        current.withLock { current in
            if current?.table != table {
                current?.bar.finish()
                current = (table, ProgressBar(label: table, unit: .count))
            }
            current?.bar.update(done: Int64(done), total: Int64(total))
        }
    }

    func finish() {
        current.withLock { current in
            current?.bar.finish()
            current = nil
        }
    }
}
