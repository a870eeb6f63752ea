import Foundation
import PaperModel

/// The source of truth for papers and the community around them.
///
/// Every implementation (SQLite now, PostgreSQL later) passes the same contract tests
/// (`Tests/PaperStoreTests/StoreContractTests.swift`). No database type appears in this interface.
public protocol PaperStore: Sendable {
    // MARK: Status
    func status() async throws -> StoreStatus

    // MARK: Papers
    func paper(id: String) async throws -> Paper?
    func paperCount() async throws -> Int
    /// The stored papers among `ids`, in the order of `ids`.
    func papers(ids: [String]) async throws -> [Paper]
    /// Upvote counts of the given papers (papers without upvotes are absent).
    func upvoteCounts(paperIDs: [String]) async throws -> [String: Int]
    /// Inserts new papers and updates changed ones, in one transaction. A record with an older version than
    /// the stored one, or with identical content, changes nothing.
    @discardableResult func upsert(_ papers: [Paper]) async throws -> ImportSummary
    /// Pulls every record out of `source` and applies them in ONE transaction: when the source throws, the
    /// store is left exactly as before.
    func importRecords(from source: any ImportRecordSource) async throws -> ImportSummary
    /// Papers changed after `sequence` in change order, for derived indexes to catch up incrementally.
    func changes(after sequence: Int64, limit: Int) async throws -> [PaperChange]
    func latestChangeSequence() async throws -> Int64

    // MARK: Daily feed
    func dailyFeed(day: Day) async throws -> [FeedEntry]
    func latestFeedDay(onOrBefore day: Day?) async throws -> Day?
    /// The nearest days before and after `day` that have submissions.
    func neighbouringFeedDays(of day: Day) async throws -> (previous: Day?, next: Day?)
    func submission(paperID: String) async throws -> DailySubmission?
    func submit(paperID: String, day: Day, submitter: String, at date: Date) async throws -> DailySubmission

    // MARK: Embeddings (derived, kept with the model identity that produced them)
    /// The change sequence up to which papers have vectors for `model` (0: none yet).
    func embeddingProgress(model: String) async throws -> Int64
    /// Stores vectors and advances the model's progress to `sequence`, atomically. Vectors of other models are
    /// removed: a model change means everything is embedded again.
    func saveEmbeddings(_ embeddings: [PaperEmbedding], model: String, throughSequence sequence: Int64) async throws
    /// Vectors of `model` ordered by paper id, a page at a time (`after`: the last paper id of the previous page).
    func embeddings(model: String, after paperID: String?, limit: Int) async throws -> [PaperEmbedding]
    func embeddingCount(model: String) async throws -> Int

    // MARK: Users, upvotes, comments
    func createUser(username: String, displayName: String, role: UserRole, passwordHash: String?) async throws -> User
    func user(named username: String) async throws -> User?
    /// Sets or clears one user's upvote on a paper; returns the paper's new upvote count.
    @discardableResult func setUpvote(paperID: String, username: String, upvoted: Bool) async throws -> Int
    func upvoteCount(paperID: String) async throws -> Int
    func addComment(paperID: String, author: String, parentID: Int64?, body: String, at date: Date) async throws -> Comment
    func comments(paperID: String) async throws -> [Comment]
}

public struct StoreStatus: Sendable, Equatable {
    public var backend: String
    public var schemaVersion: String
    public var paperCount: Int
    public var latestChangeSequence: Int64

    public init(backend: String, schemaVersion: String, paperCount: Int, latestChangeSequence: Int64) {
        self.backend = backend
        self.schemaVersion = schemaVersion
        self.paperCount = paperCount
        self.latestChangeSequence = latestChangeSequence
    }
}

/// One change to a paper, numbered by the store's monotonically increasing change sequence.
public struct PaperChange: Sendable, Equatable {
    public var sequence: Int64
    public var paper: Paper

    public init(sequence: Int64, paper: Paper) {
        self.sequence = sequence
        self.paper = paper
    }
}

public struct PaperEmbedding: Sendable, Equatable {
    public var paperID: String
    public var vector: [Float]

    public init(paperID: String, vector: [Float]) {
        self.paperID = paperID
        self.vector = vector
    }
}

/// A card of the daily feed.
public struct FeedEntry: Sendable, Equatable {
    public var paper: Paper
    public var submission: DailySubmission
    public var upvotes: Int
    public var commentCount: Int

    public init(paper: Paper, submission: DailySubmission, upvotes: Int, commentCount: Int) {
        self.paper = paper
        self.submission = submission
        self.upvotes = upvotes
        self.commentCount = commentCount
    }
}

/// What an importer hands the store.
public enum ImportRecord: Sendable, Equatable {
    case paper(Paper)
    /// Put a paper (imported earlier in the same source or already stored) on a day's feed. A paper that is
    /// already on a feed keeps its first submission, so re-imports change nothing.
    case dailySubmission(paperID: String, day: Day, submitter: String)
}

/// A pull-based stream of records, read inside the store's transaction.
public protocol ImportRecordSource: AnyObject, Sendable {
    /// The next record, nil at the end; throws to abort the whole import.
    func next() throws -> ImportRecord?
}

public struct ImportSummary: Sendable, Equatable {
    public var inserted = 0
    public var updated = 0
    public var unchanged = 0
    public var submissionsAdded = 0

    public init(inserted: Int = 0, updated: Int = 0, unchanged: Int = 0, submissionsAdded: Int = 0) {
        self.inserted = inserted
        self.updated = updated
        self.unchanged = unchanged
        self.submissionsAdded = submissionsAdded
    }

    public var papersSeen: Int { inserted + updated + unchanged }
}

/// Errors the store reports to its callers, with stable codes for APIs and tests.
public struct StoreError: Error, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case paperNotFound = "paper_not_found"
        case userNotFound = "user_not_found"
        case usernameTaken = "username_taken"
        case invalidUsername = "invalid_username"
        case alreadySubmitted = "already_submitted"
        case invalidInput = "invalid_input"
        case storage = "storage_error"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
