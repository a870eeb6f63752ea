import ArgumentParser
import Foundation
import PaperStore

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the store into a folder, safely while `paperboy serve` runs.",
        discussion: """
            Writes DIR/paperboy.sqlite: a consistent snapshot of the whole store (papers, accounts, community, \
            digests) taken at one moment while the server keeps reading and writing. An existing file is never \
            overwritten. Search indexes are not copied: they are rebuilt from the store. To restore, stop the \
            server and put the copy in an empty data folder as paperboy.sqlite. With --database-url (PostgreSQL), use \
            pg_dump instead.
            """)

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Folder to write paperboy.sqlite into (created if missing).")
    var directory: String

    func run() async throws {
        if let url = storeOptions.resolvedDatabaseURL {
            // A database server has its own tools for consistent copies; Paperboy's would only be a slower one.
            throw CommandFailure(
                "the store is the PostgreSQL database \(StoreOptions.redacted(url)): back it up with PostgreSQL's own tools, e.g. pg_dump --format=custom --file=paperboy.dump '<database-url>' (restore with pg_restore into an empty database). Search indexes need no backup: they are rebuilt from the store."
            )
        }
        let source = storeOptions.resolvedDataDirectory
        let target = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL
        guard target.resolvingSymlinksInPath().path != source.resolvingSymlinksInPath().path else {
            throw CommandFailure("the backup folder is the data folder itself; choose another folder")
        }
        guard FileManager.default.fileExists(atPath: source.appendingPathComponent("paperboy.sqlite").path) else {
            throw CommandFailure("no store in \(source.path) (no paperboy.sqlite there)")
        }
        let file = target.appendingPathComponent("paperboy.sqlite")
        let store = try await storeOptions.openStore(logger: storeOptions.makeLogger("paperboy.backup")).store
        let started = Date()
        do {
            try await store.backup(to: file)
        } catch let error as StoreError {
            throw CommandFailure("backup failed: \(error.message)")
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int64) ?? 0
        print(
            "backed up \(source.path) to \(file.path) ("
                + ByteCountFormatter.string(fromByteCount: bytes, countStyle: .file)
                + String(format: ", %.1f s)", Date().timeIntervalSince(started)))
    }
}
