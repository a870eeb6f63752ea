import ArgumentParser
import Foundation
import Ingest
import PaperModel
import PaperStore

extension ImportFormat: ExpressibleByArgument {}

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import papers from listing pages or arXiv metadata snapshots.",
        discussion: """
            Formats: listing (a saved Hugging Face Papers page), kaggle (arXiv metadata snapshot JSON lines, \
            .gz accepted), submissions (day<TAB>paper id<TAB>submitter lines). Each file is imported in one \
            transaction: a malformed file changes nothing (or use --skip-invalid). Re-importing is idempotent.
            """)

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Files to import, in order.")
    var files: [String]

    @Option(help: "auto, listing, kaggle or submissions.")
    var format: ImportFormat = .auto

    @Option(help: "Day of a listing page, YYYY-MM-DD (default: the latest such date not in the future).")
    var date: String?

    @Option(help: "Account that listing papers are submitted by (created as a curator if missing).")
    var submitter = "curator"

    @Flag(help: "Import the valid records and report the invalid ones instead of failing.")
    var skipInvalid = false

    func validate() throws {
        if let date, Day(date) == nil { throw ValidationError("--date must be YYYY-MM-DD, got \(date.debugDescription)") }
        guard User.isValidUsername(submitter) else {
            throw ValidationError("--submitter must be 1-39 letters, digits, '-' or '_'")
        }
        for file in files where !FileManager.default.isReadableFile(atPath: file) {
            throw ValidationError("cannot read \(file)")
        }
    }

    func run() async throws {
        let store = try SQLitePaperStore.open(directory: storeOptions.resolvedDataDirectory)
        var options = ImportOptions()
        options.format = format
        options.listingDay = date.flatMap(Day.init)
        options.submitter = submitter
        options.skipInvalid = skipInvalid
        let importer = Importer(store: store, options: options)
        for file in files {
            let bar = ProgressBar(label: (file as NSString).lastPathComponent)
            let report: ImportReport
            do {
                report = try await importer.importFile(file) { done, total in bar.update(done: done, total: total) }
                bar.finish()
            } catch {
                bar.finish()
                throw CommandFailure("\(error)\nNothing from \(file) was imported.")
            }
            let s = report.summary
            let rate = report.seconds > 0 ? Double(s.papersSeen) / report.seconds : 0
            print(
                "\(file): \(report.format.rawValue), \(s.inserted) new, \(s.updated) updated, \(s.unchanged) unchanged, "
                    + "\(s.submissionsAdded) daily submissions added, \(report.skipped.count) skipped "
                    + String(format: "(%.1f s, %.0f papers/s)", report.seconds, rate))
            for skipped in report.skipped {
                FileHandle.standardError.write(Data("  skipped \(file):\(skipped.line): \(skipped.reason)\n".utf8))
            }
        }
    }
}
