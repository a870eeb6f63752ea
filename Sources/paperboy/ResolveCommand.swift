import ArgumentParser
import ArxivClient
import Foundation
import PaperModel
import PaperStore

/// Finds the arXiv records of listing papers (local `pb-` ids) by title.
struct ResolveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract:
            "Look up every unresolved listing paper on arXiv by title; when exactly one result has the same title, store it and resolve the listing paper to it."
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var arxiv: ArxivOptions

    @Option(name: .customLong("max-results"), help: "Results asked for per title.")
    var maxResults = 5

    func validate() throws {
        guard (1...100).contains(maxResults) else { throw ValidationError("--max-results must be 1 to 100") }
    }

    func run() async throws {
        _ = storeOptions.makeLogger("paperboy.resolve")
        let store = try await storeOptions.openStore(logger: storeOptions.makeLogger("paperboy.resolve")).store
        let papers = try await store.localPapers()
        let service = arxiv.makeService()
        let bar = ProgressBar(label: "resolve", unit: .count)
        var resolved = 0, unmatched = 0, ambiguous = 0, failed = 0
        for (index, local) in papers.enumerated() {
            defer { bar.update(done: Int64(index + 1), total: Int64(papers.count)) }
            do {
                let key = LocalPaperID.normalizedTitle(local.title)
                let page = try await service.search(title: local.title, maxResults: maxResults)
                let matches = page.entries.filter { LocalPaperID.normalizedTitle($0.paper.title) == key }
                // One result per arXiv id (a page may list a paper once per version).
                let ids = Set(matches.map(\.paper.id))
                guard ids.count == 1, let match = matches.first else {
                    if ids.isEmpty {
                        unmatched += 1
                    } else {
                        ambiguous += 1
                        FileHandle.standardError.write(
                            Data(
                                "\(local.id): \(ids.count) arXiv papers have the title \(local.title.debugDescription): \(ids.sorted().joined(separator: ", "))\n"
                                    .utf8))
                    }
                    continue
                }
                // Storing the record resolves the listing paper when nothing else matches; otherwise (another
                // stored paper with the same title, or a first author that differs) this search decides.
                try await store.upsert([match.paper])
                if try await store.alias(of: local.id) == nil {
                    try await store.resolveLocalPaper(localID: local.id, arxivID: match.paper.id)
                }
                resolved += 1
                bar.finish()
                print("\(local.id)\t\(match.paper.id)\t\(match.paper.title)")
            } catch {
                failed += 1
                FileHandle.standardError.write(Data("Error: \(local.id): \(error)\n".utf8))
            }
        }
        bar.finish()
        print(
            "\(papers.count) listing papers: \(resolved) resolved, \(unmatched) not found, \(ambiguous) ambiguous, \(failed) failed"
        )
        try? await service.shutdown()
        if failed > 0 { throw ExitCode.failure }
    }
}
