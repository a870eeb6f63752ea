import DemoCorpus
import Foundation
import Hummingbird
import HummingbirdTesting
import Ingest
import PaperModel
import PaperStore
import PaperWeb

/// A store with the founding listing (May 30, 2026) and a few arXiv papers on May 29 and June 2.
public func makeFixtureStore() async throws -> SQLitePaperStore {
    let store = try SQLitePaperStore.inMemory()
    var options = ImportOptions()
    options.listingDay = DemoCorpus.listingDay
    _ = try await Importer(store: store, options: options)
        .importFile(DemoCorpus.dataDirectory.appendingPathComponent("hf-papers-listing.txt").path)
    try await store.upsert([
        Paper(
            id: "2605.00001", version: 2, title: "An <i>escaped</i> paper", abstract: "See https://github.com/o/r.",
            authors: ["Ada Lovelace"], categories: ["cs.CL"], publishedAt: Day("2026-05-28")!.startDate),
        Paper(id: "hep-th/9901001", title: "Old style", abstract: "Strings.", categories: ["hep-th"]),
        Paper(id: "2606.00001", title: "June paper", abstract: "Later."),
    ])
    _ = try await store.createUser(username: "ada", displayName: "Ada", role: .member, passwordHash: nil)
    _ = try await store.submit(
        paperID: "2605.00001", day: Day("2026-05-29")!, submitter: "ada", at: Date(), githubRepo: nil, projectPage: nil)
    _ = try await store.submit(
        paperID: "2606.00001", day: Day("2026-06-02")!, submitter: "ada", at: Date(), githubRepo: nil, projectPage: nil)
    return store
}

public func withApp(
    _ store: any PaperStore, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
) async throws {
    let router = try await buildRouter(store: store)
    let app = Application(router: router)
    try await app.test(.router, body)
}
