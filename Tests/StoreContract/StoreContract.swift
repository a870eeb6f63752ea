import Foundation
import PaperModel
import PaperStore
import Testing

public func samplePaper(_ id: String = "2210.14199", version: Int = 1, title: String = "A paper") -> Paper {
    Paper(
        id: id, version: version, title: title, abstract: "We study things. Code: https://github.com/o/r.",
        authors: ["Ada Lovelace", "Alan Turing"], categories: ["cs.CL", "cs.LG"],
        publishedAt: Date(timeIntervalSince1970: 1_700_000_000), comments: "10 pages")
}

public final class ArraySource: ImportRecordSource, @unchecked Sendable {
    var records: [ImportRecord]
    let failAfter: Int?
    public private(set) var served = 0

    public init(_ records: [ImportRecord], failAfter: Int? = nil) {
        self.records = records.reversed()
        self.failAfter = failAfter
    }

    public struct Boom: Error {}

    public func next() throws -> ImportRecord? {
        if let failAfter, served == failAfter { throw Boom() }
        served += 1
        return records.popLast()
    }
}

/// Store contract.
public struct CoreContract: Sendable {
    let make: StoreFactory

    public func upsertInsertsUpdatesAndIgnoresOlderVersions() async throws {
        let store = try await make()
        var summary = try await store.upsert([samplePaper(version: 2)])
        #expect(summary.inserted == 1)
        let stored = try #require(try await store.paper(id: "2210.14199"))
        #expect(stored == samplePaper(version: 2))
        #expect(stored.codeURL == "https://github.com/o/r")

        summary = try await store.upsert([samplePaper(version: 2)])
        #expect(summary.unchanged == 1)
        summary = try await store.upsert([samplePaper(version: 1, title: "Older title")])
        #expect(summary.unchanged == 1)
        #expect(try await store.paper(id: "2210.14199")?.title == "A paper")
        summary = try await store.upsert([samplePaper(version: 3, title: "Newer title")])
        #expect(summary.updated == 1)
        #expect(try await store.paper(id: "2210.14199")?.title == "Newer title")
        #expect(try await store.paperCount() == 1)
        #expect(try await store.paper(id: "9999.99999") == nil)
    }

    public func papersByIDsKeepTheRequestedOrder() async throws {
        let store = try await make()
        let ids = (1...700).map { String(format: "2501.%05d", $0) }
        try await store.upsert(ids.map { samplePaper($0) })
        let wanted = ["2501.00700", "2501.09999", "2501.00001", "2501.00350"]
        #expect(try await store.papers(ids: wanted).map(\.id) == ["2501.00700", "2501.00001", "2501.00350"])
        #expect(try await store.papers(ids: ids.reversed()).count == 700)
        _ = try await store.createUser(username: "ada", displayName: "Ada", role: .member, passwordHash: nil)
        try await store.setUpvote(paperID: "2501.00001", username: "ada", upvoted: true)
        #expect(try await store.upvoteCounts(paperIDs: ["2501.00001", "2501.00002"]) == ["2501.00001": 1])
    }

    public func changeSequenceIsMonotonicAndOnlyMovesOnRealChanges() async throws {
        let store = try await make()
        #expect(try await store.latestChangeSequence() == 0)
        try await store.upsert([samplePaper("2501.00001"), samplePaper("2501.00002")])
        try await store.upsert([samplePaper("2501.00001")])  // unchanged: no new sequence
        #expect(try await store.latestChangeSequence() == 2)
        try await store.upsert([samplePaper("2501.00001", version: 2, title: "Revised")])
        let changes = try await store.changes(after: 0, limit: 10)
        #expect(changes.map(\.paper.id) == ["2501.00002", "2501.00001"])
        #expect(changes.map(\.sequence) == [2, 3])
        #expect(try await store.changes(after: 2, limit: 10).map(\.paper.title) == ["Revised"])
        #expect(try await store.changes(after: 3, limit: 10).isEmpty)
        #expect(try await store.changes(after: 0, limit: 1).count == 1)
    }

    public func importIsOneTransaction() async throws {
        let store = try await make()
        try await store.upsert([samplePaper("2501.00001")])
        let before = try await store.status()
        let day = Day("2026-05-30")!
        let failing = ArraySource(
            [
                .paper(samplePaper("2501.00002")),
                .dailySubmission(paperID: "2501.00002", day: day, submitter: "curator"),
                .paper(samplePaper("2501.00003")),
            ],
            failAfter: 2)
        await #expect(throws: ArraySource.Boom.self) { try await store.importRecords(from: failing) }
        #expect(try await store.status() == before)
        #expect(try await store.paper(id: "2501.00002") == nil)
        #expect(try await store.user(named: "curator") == nil)

        let ok = ArraySource([
            .paper(samplePaper("2501.00002")), .dailySubmission(paperID: "2501.00002", day: day, submitter: "curator"),
        ])
        let summary = try await store.importRecords(from: ok)
        #expect(summary == ImportSummary(inserted: 1, submissionsAdded: 1))
        #expect(try await store.user(named: "curator")?.role == .curator)
        #expect(try await store.dailyFeed(day: day).map(\.paper.id) == ["2501.00002"])
    }

    public func submissionForUnknownPaperAbortsImport() async throws {
        let store = try await make()
        let source = ArraySource([
            .paper(samplePaper("2501.00001")),
            .dailySubmission(paperID: "2501.99999", day: Day("2026-05-30")!, submitter: "curator"),
        ])
        await #expect(throws: StoreError.self) { try await store.importRecords(from: source) }
        #expect(try await store.paperCount() == 0)
    }

    public func dailyFeedOrderAndNavigation() async throws {
        let store = try await make()
        try await store.upsert(["2501.00001", "2501.00002", "2501.00003", "2501.00004"].map { samplePaper($0) })
        _ = try await store.createUser(username: "ada", displayName: "Ada", role: .member, passwordHash: nil)
        _ = try await store.createUser(username: "bob", displayName: "Bob", role: .member, passwordHash: nil)
        let may29 = Day("2026-05-29")!, may30 = Day("2026-05-30")!, jun2 = Day("2026-06-02")!
        let t0 = Date(timeIntervalSince1970: 1_780_000_000)
        _ = try await store.submit(
            paperID: "2501.00001", day: may30, submitter: "ada", at: t0, githubRepo: nil, projectPage: nil)
        _ = try await store.submit(
            paperID: "2501.00002", day: may30, submitter: "bob", at: t0.addingTimeInterval(60), githubRepo: nil,
            projectPage: nil)
        _ = try await store.submit(
            paperID: "2501.00003", day: may29, submitter: "bob", at: t0, githubRepo: nil, projectPage: nil)
        _ = try await store.submit(
            paperID: "2501.00004", day: jun2, submitter: "ada", at: t0, githubRepo: nil, projectPage: nil)

        // Ties in upvotes: earlier submission first; more upvotes first.
        #expect(try await store.dailyFeed(day: may30).map(\.paper.id) == ["2501.00001", "2501.00002"])
        try await store.setUpvote(paperID: "2501.00002", username: "ada", upvoted: true)
        let feed = try await store.dailyFeed(day: may30)
        #expect(feed.map(\.paper.id) == ["2501.00002", "2501.00001"])
        #expect(feed.first?.upvotes == 1)
        #expect(feed.first?.submission.submitter == "bob")

        #expect(try await store.latestFeedDay(onOrBefore: nil) == jun2)
        #expect(try await store.latestFeedDay(onOrBefore: Day("2026-06-01")!) == may30)
        let (previous, next) = try await store.neighbouringFeedDays(of: may30)
        #expect(previous == may29)
        #expect(next == jun2)
        #expect(try await store.neighbouringFeedDays(of: may29).previous == nil)
        #expect(try await store.dailyFeed(day: Day("2026-05-31")!).isEmpty)
    }

    public func duplicateSubmissionIsRefusedWithTheFirstSubmitter() async throws {
        let store = try await make()
        try await store.upsert([samplePaper("2501.00001")])
        _ = try await store.createUser(username: "ada", displayName: "Ada", role: .member, passwordHash: nil)
        _ = try await store.submit(
            paperID: "2501.00001", day: Day("2026-05-30")!, submitter: "ada", at: Date(), githubRepo: nil,
            projectPage: nil)
        do {
            _ = try await store.submit(
                paperID: "2501.00001", day: Day("2026-05-31")!, submitter: "ada", at: Date(), githubRepo: nil,
                projectPage: nil)
            Issue.record("second submission was accepted")
        } catch let error as StoreError {
            #expect(error.code == .alreadySubmitted)
            #expect(error.message.contains("2026-05-30"))
            #expect(error.message.contains("ada"))
        }
        await #expect(throws: StoreError(.paperNotFound, "paper 2501.09999 is not in the store")) {
            try await store.submit(
                paperID: "2501.09999", day: Day("2026-05-30")!, submitter: "ada", at: Date(), githubRepo: nil,
                projectPage: nil)
        }
    }

    public func upvotesAreOnePerUserAndToggle() async throws {
        let store = try await make()
        try await store.upsert([samplePaper("2501.00001")])
        _ = try await store.createUser(username: "ada", displayName: "Ada", role: .member, passwordHash: nil)
        _ = try await store.createUser(username: "bob", displayName: "Bob", role: .member, passwordHash: nil)
        #expect(try await store.setUpvote(paperID: "2501.00001", username: "ada", upvoted: true) == 1)
        #expect(try await store.setUpvote(paperID: "2501.00001", username: "ada", upvoted: true) == 1)
        #expect(try await store.setUpvote(paperID: "2501.00001", username: "bob", upvoted: true) == 2)
        #expect(try await store.setUpvote(paperID: "2501.00001", username: "ada", upvoted: false) == 1)
        #expect(try await store.upvoteCount(paperID: "2501.00001") == 1)
        await #expect(throws: StoreError.self) {
            try await store.setUpvote(paperID: "2501.00001", username: "nobody", upvoted: true)
        }
    }

    public func usersAndComments() async throws {
        let store = try await make()
        try await store.upsert([samplePaper("2501.00001"), samplePaper("2501.00002")])
        let ada = try await store.createUser(username: "ada", displayName: "Ada L.", role: .admin, passwordHash: "x")
        #expect(try await store.user(named: "ada") == ada)
        await #expect(throws: StoreError.self) {
            try await store.createUser(username: "ADA", displayName: "", role: .member, passwordHash: nil)
        }
        await #expect(throws: StoreError.self) {
            try await store.createUser(username: "<script>", displayName: "", role: .member, passwordHash: nil)
        }
        let root = try await store.addComment(
            paperID: "2501.00001", author: "ada", parentID: nil, body: " Nice! ", at: Date())
        #expect(root.body == "Nice!")
        let reply = try await store.addComment(
            paperID: "2501.00001", author: "ada", parentID: root.id, body: "+1", at: Date())
        #expect(reply.parentID == root.id)
        #expect(try await store.comments(paperID: "2501.00001").map(\.body) == ["Nice!", "+1"])
        await #expect(throws: StoreError.self) {
            try await store.addComment(paperID: "2501.00002", author: "ada", parentID: root.id, body: "x", at: Date())
        }
        await #expect(throws: StoreError.self) {
            try await store.addComment(paperID: "2501.00001", author: "ada", parentID: nil, body: "   ", at: Date())
        }
    }

    public func embeddingsAdvanceProgressAtomicallyAndResetOnModelChange() async throws {
        let store = try await make()
        try await store.upsert(["2501.00001", "2501.00002", "2501.00003"].map { samplePaper($0) })
        #expect(try await store.embeddingProgress(model: "m1") == 0)
        try await store.saveEmbeddings(
            [
                PaperEmbedding(paperID: "2501.00001", vector: [0.6, 0.8]),
                PaperEmbedding(paperID: "2501.00002", vector: [1, 0]),
            ],
            model: "m1", throughSequence: 2)
        #expect(try await store.embeddingProgress(model: "m1") == 2)
        #expect(try await store.embeddingCount(model: "m1") == 2)
        let page = try await store.embeddings(model: "m1", changedAfter: 0, limit: 1)
        #expect(
            page == [
                EmbeddingChange(sequence: 1, embedding: PaperEmbedding(paperID: "2501.00001", vector: [0.6, 0.8]))
            ])
        #expect(
            try await store.embeddings(model: "m1", changedAfter: 1, limit: 10).map(\.embedding.paperID) == [
                "2501.00002"
            ])

        // A failing batch changes nothing, progress included.
        await #expect(throws: StoreError.self) {
            try await store.saveEmbeddings(
                [
                    PaperEmbedding(paperID: "2501.00003", vector: [1, 0]),
                    PaperEmbedding(paperID: "2501.09999", vector: [1, 0]),
                ],
                model: "m1", throughSequence: 3)
        }
        #expect(try await store.embeddingProgress(model: "m1") == 2)
        #expect(try await store.embeddingCount(model: "m1") == 2)
        await #expect(throws: StoreError.self) {
            try await store.saveEmbeddings(
                [PaperEmbedding(paperID: "2501.00003", vector: [.nan])], model: "m1", throughSequence: 3)
        }

        // Another segmentation of the same model lives beside it.
        try await store.saveEmbeddings(
            [PaperEmbedding(paperID: "2501.00001", vectors: [[1, 0], [0, 1]])], model: "m1+sentences",
            throughSequence: 1)
        #expect(try await store.embeddingCount(model: "m1") == 2)
        #expect(try await store.embeddingCount(model: "m1+sentences") == 1)
        try await store.saveEmbeddings(
            [PaperEmbedding(paperID: "2501.00002", vector: [1, 0])], model: "m1", throughSequence: 2)
        #expect(try await store.embeddingCount(model: "m1+sentences") == 1)

        // Another model starts from zero and replaces the old vectors, every segmentation of them.
        try await store.saveEmbeddings(
            [PaperEmbedding(paperID: "2501.00003", vector: [0, 1])], model: "m2", throughSequence: 3)
        #expect(try await store.embeddingCount(model: "m1") == 0)
        #expect(try await store.embeddingProgress(model: "m1") == 0)
        #expect(try await store.embeddingCount(model: "m1+sentences") == 0)
        #expect(try await store.embeddingProgress(model: "m1+sentences") == 0)
        #expect(try await store.embeddingProgress(model: "m2") == 3)
    }

    public static let checks: [StoreContractCheck] = [
        .init("CoreContract.upsertInsertsUpdatesAndIgnoresOlderVersions") {
            try await CoreContract(make: $0).upsertInsertsUpdatesAndIgnoresOlderVersions()
        },
        .init("CoreContract.papersByIDsKeepTheRequestedOrder") {
            try await CoreContract(make: $0).papersByIDsKeepTheRequestedOrder()
        },
        .init("CoreContract.changeSequenceIsMonotonicAndOnlyMovesOnRealChanges") {
            try await CoreContract(make: $0).changeSequenceIsMonotonicAndOnlyMovesOnRealChanges()
        },
        .init("CoreContract.importIsOneTransaction") { try await CoreContract(make: $0).importIsOneTransaction() },
        .init("CoreContract.submissionForUnknownPaperAbortsImport") {
            try await CoreContract(make: $0).submissionForUnknownPaperAbortsImport()
        },
        .init("CoreContract.dailyFeedOrderAndNavigation") {
            try await CoreContract(make: $0).dailyFeedOrderAndNavigation()
        },
        .init("CoreContract.duplicateSubmissionIsRefusedWithTheFirstSubmitter") {
            try await CoreContract(make: $0).duplicateSubmissionIsRefusedWithTheFirstSubmitter()
        },
        .init("CoreContract.upvotesAreOnePerUserAndToggle") {
            try await CoreContract(make: $0).upvotesAreOnePerUserAndToggle()
        },
        .init("CoreContract.usersAndComments") { try await CoreContract(make: $0).usersAndComments() },
        .init("CoreContract.embeddingsAdvanceProgressAtomicallyAndResetOnModelChange") {
            try await CoreContract(make: $0).embeddingsAdvanceProgressAtomicallyAndResetOnModelChange()
        },
    ]
}
