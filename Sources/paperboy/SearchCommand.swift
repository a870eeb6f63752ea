import ArgumentParser
import Foundation
import LexicalIndex
import Logging
import PaperModel
import PaperServices
import PaperStore

/// Opens the search engine of a data folder, caught up with its store.
func openSearchEngine(
    store: any PaperStore, sharedStore: Bool, dataDirectory: URL, model: ModelOptions, needModel: Bool,
    logger: Logger
) async throws -> PaperSearchEngine {
    let encoder = needModel && model.resolvedDirectory != nil ? try model.load() : nil
    let engine = try PaperSearchEngine(
        store: store,
        directory: try await lexicalIndexDirectory(
            store: store, sharedStore: sharedStore, dataDirectory: dataDirectory, logger: logger),
        embedder: encoder, logger: logger)
    try await engine.catchUp()
    return engine
}

struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search the papers of a data folder.",
        discussion: """
            Query syntax: words, "exact phrase", -excluded, and field prefixes ti: au: abs: cat:. \
            Hybrid search is the default when a model is available and the papers are embedded.
            """)

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var model: ModelOptions

    @Argument(help: "The query.")
    var query: String

    @Option(help: "lexical, semantic or hybrid.")
    var mode: SearchMode?

    @Option(help: "Number of results.")
    var limit = 10

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be 1-1000") }
    }

    func run() async throws {
        let logger = storeOptions.makeLogger("paperboy")
        let opened = try await storeOptions.openStore(logger: logger)
        let store = opened.store
        let engine = try await openSearchEngine(
            store: store, sharedStore: opened.isShared, dataDirectory: storeOptions.resolvedDataDirectory,
            model: model, needModel: mode != .lexical, logger: logger)
        let response: SearchResponse
        do {
            response = try await engine.search(SearchRequest(query: query, mode: mode, limit: limit))
        } catch let error as SearchRequestError {
            throw CommandFailure(error.description)
        }
        let papers = try await store.papers(ids: response.hits.map(\.paperID))
        if json {
            let object: [String: Any] = [
                "mode": response.mode.rawValue,
                "results": zip(response.hits, papers).map { hit, paper in
                    [
                        "id": paper.id, "title": paper.title, "score": Double(hit.score), "authors": paper.authors,
                        "published": paper.publishedAt.map { Day($0).description } ?? NSNull(),
                    ] as [String: Any]
                },
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        if papers.isEmpty {
            print("No results (\(response.mode.rawValue) search).")
            return
        }
        print("\(papers.count) results (\(response.mode.rawValue) search)")
        for (rank, (hit, paper)) in zip(response.hits, papers).enumerated() {
            let authors = paper.authors.prefix(3).joined(separator: ", ") + (paper.authors.count > 3 ? " et al." : "")
            print(String(format: "%2d. %@  [%.3f]", rank + 1, paper.id, hit.score))
            print("    \(paper.title)")
            if !authors.isEmpty { print("    \(authors)") }
        }
    }
}

struct ReindexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex", abstract: "Rebuild the search index of a data folder from its store.")

    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        let logger = storeOptions.makeLogger("paperboy")
        let directory = storeOptions.resolvedDataDirectory
        let opened = try await storeOptions.openStore(logger: logger)
        let store = opened.store
        let indexDirectory = try await lexicalIndexDirectory(
            store: store, sharedStore: opened.isShared, dataDirectory: directory, logger: logger)
        // The index is derived: removing it and catching up from sequence 0 rebuilds it exactly.
        try? FileManager.default.removeItem(at: indexDirectory)
        let started = Date()
        let engine = try PaperSearchEngine(store: store, directory: indexDirectory, embedder: nil, logger: logger)
        let count = try await engine.catchUp()
        print(String(format: "reindexed %d papers in %.1f s", count, Date().timeIntervalSince(started)))
    }
}
