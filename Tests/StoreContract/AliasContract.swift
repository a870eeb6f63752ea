import Foundation
import PaperModel
import PaperStore
import Testing

/// Listing papers (local `pb-` ids) resolved to their arXiv records, for every store.
/// Store contract: listing papers resolved to arXiv.
public struct AliasContract: Sendable {
    let make: StoreFactory

    let day = Day("2026-05-30")!

    func listingPaper(_ title: String, authors: [String] = []) -> Paper {
        Paper(id: LocalPaperID.make(title: title), title: title, abstract: "A listing abstract.", authors: authors)
    }

    func users(_ store: any PaperStore, _ names: String...) async throws {
        for name in names {
            _ = try await store.createUser(username: name, displayName: name, role: .member, passwordHash: nil)
        }
    }

    public func anImportedRecordTakesOverTheListingPapersCommunity() async throws {
        let store = try await make()
        let local = listingPaper("Attention Is All You Need", authors: ["Ada Lovelace"])
        try await store.upsert([local])
        try await users(store, "ada", "bob")
        _ = try await store.submit(
            paperID: local.id, day: day, submitter: "ada", at: day.startDate, githubRepo: nil, projectPage: nil)
        try await store.setUpvote(paperID: local.id, username: "ada", upvoted: true)
        try await store.setUpvote(paperID: local.id, username: "bob", upvoted: true)
        _ = try await store.addComment(paperID: local.id, author: "bob", parentID: nil, body: "Nice.", at: Date())
        let reading = try await store.createCollection(owner: "ada", name: "Reading", isPublic: true)
        try await store.setCollectionItem(collectionID: reading.id, paperID: local.id, present: true)
        try await store.claimAuthorship(paperID: local.id, username: "ada", authorName: "Ada Lovelace")
        let before = try await store.latestChangeSequence()

        // The arXiv record: same title up to case and spacing, same first author.
        let arxiv = samplePaper("2501.00001", title: "Attention  is all you need")
        let file = ImportFileIdentity(path: "/data/a.jsonl", size: 1, sha256: "ab", settings: "format=kaggle")
        let result = try await store.applyImportBatch([.paper(arxiv)], file: file, offset: 0, timeLimit: .seconds(10))
        #expect(result.summary == ImportSummary(inserted: 1))

        #expect(try await store.paper(id: local.id) == nil)
        #expect(try await store.alias(of: local.id) == "2501.00001")
        #expect(try await store.alias(of: "2501.00001") == nil)
        #expect(try await store.upvoteCount(paperID: "2501.00001") == 2)
        #expect(try await store.upvoters(paperID: "2501.00001").sorted() == ["ada", "bob"])
        #expect(try await store.comments(paperID: "2501.00001").map(\.body) == ["Nice."])
        let submission = try #require(try await store.submission(paperID: "2501.00001"))
        #expect(submission.day == day)
        #expect(submission.submitter == "ada")
        #expect(try await store.dailyFeed(day: day).map(\.paper.id) == ["2501.00001"])
        #expect(try await store.collectionPapers(id: reading.id).map(\.id) == ["2501.00001"])
        #expect(try await store.claims(paperID: "2501.00001").map(\.username) == ["ada"])
        #expect(try await store.localPapers().isEmpty)
        #expect(try await store.ambiguousResolutions().isEmpty)

        // The change feed: the arXiv paper stored, the listing paper deleted.
        let changes = try await store.changes(after: before, limit: 10)
        #expect(changes.map(\.paper.id) == ["2501.00001", local.id])
        #expect(changes.map(\.kind) == [.stored, .deleted])
        #expect(changes.map(\.sequence) == changes.map(\.sequence).sorted())
        #expect(try await store.changes(after: before, limit: 1).map(\.paper.id) == ["2501.00001"])

        // Importing either record again changes nothing.
        let after = try await store.latestChangeSequence()
        let again = ImportFileIdentity(path: "/data/b.jsonl", size: 1, sha256: "cd", settings: "format=kaggle")
        let second = try await store.applyImportBatch(
            [
                .paper(arxiv), .paper(local),
                .dailySubmission(paperID: local.id, day: Day("2026-06-01")!, submitter: "ada"),
            ],
            file: again, offset: 0, timeLimit: .seconds(10))
        #expect(second.summary == ImportSummary(unchanged: 2))
        #expect(try await store.latestChangeSequence() == after)
        #expect(try await store.paper(id: local.id) == nil)
        #expect(try await store.submission(paperID: "2501.00001")?.day == day)
        #expect(try await store.upvoteCount(paperID: "2501.00001") == 2)
        // Importers checking submissions see the old id as stored.
        #expect(try await store.existingPaperIDs([local.id, "2501.00001", "2501.00002"]) == [local.id, "2501.00001"])
    }

    public func anAmbiguousTitleMovesNothingAndIsListed() async throws {
        let store = try await make()
        let local = listingPaper("Deep Learning")
        try await store.upsert([local])
        try await users(store, "ada")
        try await store.setUpvote(paperID: local.id, username: "ada", upvoted: true)

        let state = HarvestState(key: HarvestKey(endpoint: "http://oai.test", set: nil, metadataPrefix: "arXiv"))
        try await store.applyHarvestPage(
            papers: [
                samplePaper("2501.00001", title: "Deep learning"), samplePaper("2501.00002", title: "DEEP LEARNING"),
            ],
            withdrawn: [], state: state)

        #expect(try await store.paper(id: local.id) != nil)
        #expect(try await store.alias(of: local.id) == nil)
        #expect(try await store.upvoteCount(paperID: local.id) == 1)
        #expect(try await store.upvoteCount(paperID: "2501.00001") == 0)
        let ambiguous = try await store.ambiguousResolutions()
        #expect(ambiguous.map(\.localID) == [local.id, local.id])
        #expect(ambiguous.map(\.arxivID) == ["2501.00001", "2501.00002"])
        #expect(ambiguous.first?.localTitle == "Deep Learning")
        #expect(try await store.localPapers().map(\.id) == [local.id])

        // Harvesting the same page again records nothing new.
        try await store.applyHarvestPage(
            papers: [
                samplePaper("2501.00001", title: "Deep learning"), samplePaper("2501.00002", title: "DEEP LEARNING"),
            ],
            withdrawn: [], state: state)
        #expect(try await store.ambiguousResolutions().count == 2)

        // A curator's decision resolves it.
        try await store.resolveLocalPaper(localID: local.id, arxivID: "2501.00002")
        #expect(try await store.alias(of: local.id) == "2501.00002")
        #expect(try await store.upvoteCount(paperID: "2501.00002") == 1)
        #expect(try await store.ambiguousResolutions().isEmpty)
        // Again is a no-op; an arXiv id as the local side is refused.
        try await store.resolveLocalPaper(localID: local.id, arxivID: "2501.00002")
        await #expect(throws: StoreError.self) {
            try await store.resolveLocalPaper(localID: "2501.00001", arxivID: "2501.00002")
        }
    }

    public func aDifferentFirstAuthorIsNoMatch() async throws {
        let store = try await make()
        let local = listingPaper("A paper", authors: ["Grace Hopper"])
        try await store.upsert([local])
        try await store.upsert([samplePaper("2501.00001", title: "A paper")])  // first author Ada Lovelace
        #expect(try await store.paper(id: local.id) != nil)
        #expect(try await store.alias(of: local.id) == nil)
        #expect(try await store.ambiguousResolutions().isEmpty)
    }

    public func resolvingMergesWithWhatTheArxivPaperHas() async throws {
        let store = try await make()
        let local = listingPaper("Listing title")
        try await store.upsert([local, samplePaper("2501.00001", title: "Another title")])
        try await users(store, "ada", "bob")
        let early = day.startDate, late = day.startDate.addingTimeInterval(86_400)
        _ = try await store.submit(
            paperID: local.id, day: day, submitter: "bob", at: early, githubRepo: nil, projectPage: nil)
        _ = try await store.submit(
            paperID: "2501.00001", day: Day("2026-05-31")!, submitter: "ada", at: late, githubRepo: nil,
            projectPage: nil)
        try await store.setUpvote(paperID: local.id, username: "ada", upvoted: true)
        try await store.setUpvote(paperID: local.id, username: "bob", upvoted: true)
        try await store.setUpvote(paperID: "2501.00001", username: "ada", upvoted: true)

        try await store.resolveLocalPaper(localID: local.id, arxivID: "2501.00001")
        // One upvote per user; the earlier submission stays.
        #expect(try await store.upvoters(paperID: "2501.00001").sorted() == ["ada", "bob"])
        let submission = try #require(try await store.submission(paperID: "2501.00001"))
        #expect(submission.day == day)
        #expect(submission.submitter == "bob")
        #expect(try await store.dailyFeed(day: Day("2026-05-31")!).isEmpty)
        #expect(try await store.paper(id: local.id) == nil)
        await #expect(throws: StoreError.self) {
            try await store.resolveLocalPaper(localID: LocalPaperID.make(title: "missing"), arxivID: "2501.00001")
        }
    }

    public static let checks: [StoreContractCheck] = [
        .init("AliasContract.anImportedRecordTakesOverTheListingPapersCommunity") {
            try await AliasContract(make: $0).anImportedRecordTakesOverTheListingPapersCommunity()
        },
        .init("AliasContract.anAmbiguousTitleMovesNothingAndIsListed") {
            try await AliasContract(make: $0).anAmbiguousTitleMovesNothingAndIsListed()
        },
        .init("AliasContract.aDifferentFirstAuthorIsNoMatch") {
            try await AliasContract(make: $0).aDifferentFirstAuthorIsNoMatch()
        },
        .init("AliasContract.resolvingMergesWithWhatTheArxivPaperHas") {
            try await AliasContract(make: $0).resolvingMergesWithWhatTheArxivPaperHas()
        },
    ]
}
