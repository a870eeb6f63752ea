import ArgumentParser
import ArxivClient
import Foundation
import Intake
import PaperModel
import PaperStore

/// Where and how politely to reach arXiv; shared by `harvest` and `fetch` (and `serve`'s intake).
struct ArxivOptions: ParsableArguments {
    @Option(name: .customLong("oai-url"), help: "The OAI-PMH endpoint (a mirror, or a test server).")
    var oaiURL = ArxivClientConfiguration.defaultOAIBaseURL

    @Option(name: .customLong("api-url"), help: "The arXiv query API (Atom) endpoint.")
    var apiURL = ArxivClientConfiguration.defaultQueryBaseURL

    @Option(help: "Seconds between requests to arXiv (arXiv asks for 3).")
    var delay: Double = 3

    @Option(
        help:
            "Attempts per request before giving up: 5xx answers, resets, timeouts and malformed pages are retried with exponential backoff (5 s, doubling, at most 2 min)."
    )
    var attempts = 5

    @Option(help: "A contact address for the User-Agent, as arXiv asks of harvesters.")
    var contact: String = ProcessInfo.processInfo.environment["PAPERBOY_ARXIV_CONTACT"] ?? ""

    func validate() throws {
        for (flag, url) in [("--oai-url", oaiURL), ("--api-url", apiURL)] {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil
            else {
                throw ValidationError("\(flag) must be an http(s) address, got \(url.debugDescription)")
            }
        }
        guard delay >= 0, delay <= 3600 else { throw ValidationError("--delay must be 0 to 3600 seconds") }
        guard (1...20).contains(attempts) else { throw ValidationError("--attempts must be 1 to 20") }
    }

    func makeService() -> LiveArxivService {
        LiveArxivService(
            configuration: ArxivClientConfiguration(
                oaiBaseURL: oaiURL, queryBaseURL: apiURL, contact: contact,
                politeness: PolitenessPolicy(delay: delay, maxAttempts: attempts)))
    }
}

struct HarvestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "harvest",
        abstract:
            "Take in arXiv's records over OAI-PMH, page by page; without --from, continue where the last harvest ended."
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var arxiv: ArxivOptions

    @Option(
        name: .customLong("set"),
        help: "An OAI set (cs, stat, math, physics:hep-th); repeat for several. Default: all of arXiv.")
    var sets: [String] = []

    @Option(help: "First datestamp, YYYY-MM-DD (default: where the last harvest ended; the first time, 7 days ago).")
    var from: String?

    @Option(help: "Last datestamp, YYYY-MM-DD (default: up to now).")
    var until: String?

    @Option(name: .customLong("metadata-prefix"), help: "arXiv (current metadata) or arXivRaw (full version history).")
    var metadataPrefix = "arXiv"

    func validate() throws {
        if let from, Day(from) == nil {
            throw ValidationError("--from must be YYYY-MM-DD, got \(from.debugDescription)")
        }
        if let until, Day(until) == nil {
            throw ValidationError("--until must be YYYY-MM-DD, got \(until.debugDescription)")
        }
        if let from, let until, let a = Day(from), let b = Day(until), a > b {
            throw ValidationError("--from \(from) is after --until \(until)")
        }
        guard OAIMetadataPrefix(rawValue: metadataPrefix) != nil else {
            throw ValidationError("--metadata-prefix must be arXiv or arXivRaw, got \(metadataPrefix.debugDescription)")
        }
        for set in sets where set.isEmpty || set.contains(where: { $0.isWhitespace }) {
            throw ValidationError("--set must be an OAI set such as cs or physics:hep-th, got \(set.debugDescription)")
        }
    }

    func run() async throws {
        let logger = storeOptions.makeLogger("paperboy.harvest")
        let store = try await storeOptions.openStore(logger: logger).store
        let service = arxiv.makeService()
        let harvester = Harvester(store: store, service: service, logger: logger)
        var failed = false
        for set in sets.isEmpty ? [nil] : sets.map(Optional.some) {
            let options = HarvestOptions(
                endpoint: arxiv.oaiURL, set: set, metadataPrefix: OAIMetadataPrefix(rawValue: metadataPrefix)!,
                from: from.flatMap(Day.init), until: until.flatMap(Day.init))
            let bar = ProgressBar(label: "harvest \(set ?? "arXiv")", unit: .count)
            let started = Date()
            do {
                let report = try await harvester.run(options) { progress in
                    // Records on a TTY; the list's size when the server says it.
                    let total =
                        progress.completeListSize.map(Int64.init) ?? Int64(progress.records + progress.withdrawals)
                    bar.update(done: Int64(progress.records + progress.withdrawals), total: max(total, 1))
                }
                bar.finish()
                let seconds = Date().timeIntervalSince(started)
                let s = report.summary
                print(
                    "\(set ?? "all of arXiv"): \(report.progress.pages) pages, \(report.progress.records) records"
                        + " (\(s.inserted) new, \(s.updated) updated, \(s.unchanged) unchanged), "
                        + "\(report.progress.withdrawals) withdrawn, \(report.skipped.count) skipped"
                        + (report.resumed ? ", continued an interrupted harvest" : "")
                        + (report.restarts > 0 ? ", restarted \(report.restarts)x after an expired token" : "")
                        + String(format: " in %.1f s", seconds)
                        + "; next harvest from \(report.state.lastDatestamp?.description ?? "the same start")")
                for skipped in report.skipped {
                    FileHandle.standardError.write(Data("skipped \(skipped)\n".utf8))
                }
            } catch {
                bar.finish()
                failed = true
                FileHandle.standardError.write(
                    Data(
                        "Error: harvesting \(set ?? "arXiv") failed: \(error)\n  What was applied stays applied; run the same command to continue.\n"
                            .utf8))
            }
        }
        try? await service.shutdown()
        if failed { throw ExitCode.failure }
    }
}

struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch", abstract: "Add or refresh papers from arXiv's query API by id or abs/pdf URL.")

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var arxiv: ArxivOptions

    @Argument(help: "arXiv ids (2210.14199, 2210.14199v2, hep-th/9901001) or arxiv.org abs/pdf URLs.")
    var ids: [String]

    func validate() throws {
        guard !ids.isEmpty else { throw ValidationError("name at least one arXiv id") }
        for raw in ids where ArxivID.parse(raw) == nil {
            throw ValidationError("\(raw.debugDescription) is not an arXiv id or arxiv.org URL")
        }
    }

    func run() async throws {
        _ = storeOptions.makeLogger("paperboy.fetch")
        let store = try await storeOptions.openStore(logger: storeOptions.makeLogger("paperboy.harvest")).store
        let service = arxiv.makeService()
        let fetcher = PaperFetcher(store: store, service: service)
        var failed = false
        for (raw, result) in await fetcher.fetch(ids) {
            switch result {
            case .success(let paper): print("\(paper.id)v\(paper.version)\t\(paper.title)")
            case .failure(let error):
                failed = true
                FileHandle.standardError.write(Data("Error: \(raw): \(error)\n".utf8))
            }
        }
        try? await service.shutdown()
        if failed { throw ExitCode.failure }
    }
}
