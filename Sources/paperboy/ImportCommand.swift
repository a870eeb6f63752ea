import ArgumentParser
import Foundation
import Ingest
import PaperModel
import PaperStore
import Synchronization

extension ImportFormat: ExpressibleByArgument {}

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import papers from listing pages or arXiv metadata snapshots.",
        discussion: """
            Formats: listing (a saved Hugging Face Papers page), kaggle (arXiv metadata snapshot JSON lines, \
            .gz accepted), submissions (day<TAB>paper id<TAB>submitter lines). Each file is read and checked \
            whole first: a malformed file changes nothing (or use --skip-invalid). Then its records are applied \
            in short transactions, so a running `paperboy serve` keeps taking writes; an import that is cut off \
            part-way is finished by running the same command again. Re-importing is idempotent.
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
        if let date, Day(date) == nil {
            throw ValidationError("--date must be YYYY-MM-DD, got \(date.debugDescription)")
        }
        guard User.isValidUsername(submitter) else {
            throw ValidationError("--submitter must be 1-39 letters, digits, '-' or '_'")
        }
        for file in files where !FileManager.default.isReadableFile(atPath: file) {
            throw ValidationError("cannot read \(file)")
        }
    }

    func run() async throws {
        let store = try await storeOptions.openStore(logger: storeOptions.makeLogger("paperboy.import")).store
        var options = ImportOptions()
        options.format = format
        options.listingDay = date.flatMap(Day.init)
        options.submitter = submitter
        options.skipInvalid = skipInvalid
        let importer = Importer(store: store, options: options)
        for file in files {
            let bars = PhaseBars(file: (file as NSString).lastPathComponent)
            let report: ImportReport
            do {
                report = try await importer.importFile(file) { bars.update($0) }
                bars.finish()
            } catch let error as ImportIncomplete {
                bars.finish()
                throw CommandFailure("\(error)")
            } catch {
                bars.finish()
                throw CommandFailure("\(error)\nNothing from \(file) was imported.")
            }
            let s = report.summary
            let rate = report.seconds > 0 ? Double(s.papersSeen) / report.seconds : 0
            if report.resumedAt > 0 {
                print("\(file): continued an interrupted import after record \(report.resumedAt) of \(report.records)")
            }
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

/// One progress bar per import pass ("checking", then "importing"), each with its own rate and ETA.
final class PhaseBars: Sendable {
    private struct State {
        var phase: ImportPhase?
        var bar: ProgressBar?
    }

    private let file: String
    private let state = Mutex(State())

    init(file: String) { self.file = file }

    func update(_ progress: ImportProgress) {
        let bar = state.withLock { state in
            if state.phase != progress.phase {
                state.bar?.finish()
                state.phase = progress.phase
                state.bar = ProgressBar(label: "\(file) \(progress.phase == .checking ? "checking" : "importing")")
            }
            return state.bar
        }
        bar?.update(done: progress.bytesRead, total: progress.totalBytes)
    }

    func finish() {
        state.withLock { $0.bar?.finish() }
    }
}
