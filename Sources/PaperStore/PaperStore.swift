import Foundation
import PaperModel

/// The source of truth for papers and the community around them: one protocol per concern, composed.
///
/// A consumer asks for the concerns it uses (`any PaperCatalog & EmbeddingStore`, say); the composition root
/// holds a whole `PaperStore`. Every implementation (SQLite now, PostgreSQL later) passes the same contract
/// checks (the `StoreContract` library target, `Tests/StoreContract`). No database type appears in these interfaces.
public protocol PaperStore:
    PaperCatalog, PaperImportStore, HarvestStore, DailyFeedStore, EmbeddingStore, AccountStore, CommunityStore,
    ReaderSignalStore, SubscriptionStore, SettingsStore, LeaseStore, ThrottleStore
{}

/// Papers and their change feed: the source of truth that derived indexes follow.
public protocol PaperCatalog: Sendable {
    func status() async throws -> StoreStatus
    func paper(id: String) async throws -> Paper?
    func paperCount() async throws -> Int
    /// The stored papers among `ids`, in the order of `ids`.
    func papers(ids: [String]) async throws -> [Paper]
    /// Papers first published (`publishedAt`, UTC) on `day`, newest first, then by id; with `category`, only
    /// papers listing it. At most `limit`.
    func papersPublished(on day: Day, category: String?, limit: Int) async throws -> [Paper]
    /// The latest day on or before `day` (any day when nil) on which a stored paper was first published.
    func latestPublishedDay(onOrBefore day: Day?) async throws -> Day?
    /// The nearest days before and after `day` on which stored papers were first published.
    func neighbouringPublishedDays(of day: Day) async throws -> (previous: Day?, next: Day?)
    /// Inserts new papers and updates changed ones, in one transaction. A record with an older version than
    /// the stored one, or with identical content, changes nothing.
    @discardableResult func upsert(_ papers: [Paper]) async throws -> ImportSummary
    /// The stored papers among `ids`, and the listing ids among them that became an arXiv paper (`alias(of:)`):
    /// import records naming those apply to the arXiv paper.
    func existingPaperIDs(_ ids: [String]) async throws -> Set<String>
    /// When arXiv withdrew the paper (a deleted OAI record), nil when it did not.
    func withdrawal(paperID: String) async throws -> Date?
    // Storing an arXiv paper (upsert, batched import, harvest page) whose normalized title is that of exactly one
    // listing paper (`pb-` id; and the same first author when the listing paper has authors), and no other
    // arXiv paper's, turns the listing paper into it in the same transaction: submission, upvotes, comments,
    // collection items and claims move to the arXiv id, the listing paper is deleted (a `.deleted` change) and
    // its id becomes an alias. Several matches move nothing and are recorded as ambiguous.
    /// The arXiv id a listing paper's id became, nil when it did not.
    func alias(of id: String) async throws -> String?
    /// Listing papers matched with several papers, for curators.
    func ambiguousResolutions() async throws -> [AmbiguousResolution]
    /// Listing papers (`pb-` ids) still stored, i.e. not resolved, by id.
    func localPapers() async throws -> [Paper]
    /// Turns the listing paper `localID` into the stored arXiv paper `arxivID` (a curator's or `paperboy
    /// resolve`'s decision). `paperNotFound` when either is missing, `invalidInput` when `localID` is not a
    /// local id or `arxivID` is one.
    func resolveLocalPaper(localID: String, arxivID: String) async throws
    /// Writes a consistent copy of the whole store (a snapshot of one moment, taken while others keep
    /// writing) to `file`. Never overwrites: `invalidInput` when `file` exists. Nothing half-written is left at
    /// `file` when the copy fails.
    func backup(to file: URL) async throws
    /// Papers changed after `sequence` in change order, for derived indexes to catch up incrementally.
    ///
    /// The feed never skips: once a reader has been given a change with sequence n, no change with a sequence
    /// at or below n becomes visible later, so a follower that asks again from its last sequence misses nothing.
    /// (SQLite's one writer commits sequences in order; a backend with concurrent writers must hold back changes
    /// above the oldest uncommitted one.)
    func changes(after sequence: Int64, limit: Int) async throws -> [PaperChange]
    func latestChangeSequence() async throws -> Int64
    /// A number that grows with every write made through this store (and every copy of it), committed or not:
    /// caches of pages derived from the store are valid while it is unchanged. Writes by other processes to the
    /// same database are not counted.
    func writeGeneration() -> Int64
}

/// Imports: small sources all or nothing, large files in short journaled batches.
public protocol PaperImportStore: Sendable {
    /// Pulls every record out of `source` and applies them in ONE transaction: when the source throws, the
    /// store is left exactly as before. The write lock is held throughout, so this is for small sources; files
    /// go through the batched import below.
    func importRecords(from source: any ImportRecordSource) async throws -> ImportSummary
    // The importer validates the whole file first, then applies its records in short write transactions, each
    // of which also advances the file's entry in the import journal. An import cut off part-way (killed) is
    // finished by applying the rest from `importJournal(file:)`'s `recordsApplied` on.
    /// The unfinished import of `file`, nil when none is recorded.
    func importJournal(file: ImportFileIdentity) async throws -> ImportJournalEntry?
    /// Applies `records`, which are the file's records `offset...` in order, in one write transaction that also
    /// records the progress. Stops early (after at least one record) once `timeLimit` has passed, so the write
    /// lock is held briefly; the caller passes the rest again. The first batch (`offset` 0) starts a journal
    /// entry and forgets stale entries of the same path; a later batch whose `offset` is not the journal's
    /// count (another import of the same file running) is refused with `invalidInput`. A failing batch changes
    /// nothing.
    func applyImportBatch(
        _ records: [ImportRecord], file: ImportFileIdentity, offset: Int, timeLimit: Duration
    ) async throws -> ImportBatchResult
    /// Ends the import of `file`: removes its journal entry and returns the summary of all its batches (an
    /// empty summary when none was applied).
    func finishImport(file: ImportFileIdentity) async throws -> ImportSummary
}

/// arXiv harvests: pages applied with their progress (SQLitePaperStore+Harvest.swift).
public protocol HarvestStore: Sendable {
    // A harvest runs page by page; each page's papers, withdrawals and the harvest's progress are saved in one
    // transaction, so a harvest killed between pages continues from its saved token and applies nothing twice.
    /// The saved progress of one harvest (endpoint, set, metadata format), nil before its first page.
    func harvestState(_ key: HarvestKey) async throws -> HarvestState?
    /// Every harvest's progress, for /healthz and `paperboy stats`.
    func harvestStates() async throws -> [HarvestState]
    /// Applies one harvested page in one transaction: upserts `papers` (newer versions win, identical content
    /// changes nothing), marks the stored papers among `withdrawn` as withdrawn, and saves `state`.
    @discardableResult
    func applyHarvestPage(papers: [Paper], withdrawn: [String], state: HarvestState) async throws -> ImportSummary
    /// Records that a harvest failed (its progress is kept).
    func recordHarvestError(_ key: HarvestKey, message: String, at date: Date) async throws
}

/// The daily feed: submissions by day, week and month.
public protocol DailyFeedStore: Sendable {
    func dailyFeed(day: Day) async throws -> [FeedEntry]
    func latestFeedDay(onOrBefore day: Day?) async throws -> Day?
    /// The nearest days before and after `day` that have submissions.
    func neighbouringFeedDays(of day: Day) async throws -> (previous: Day?, next: Day?)
    func submission(paperID: String) async throws -> DailySubmission?
    func submit(
        paperID: String, day: Day, submitter: String, at date: Date, githubRepo: String?, projectPage: String?
    ) async throws -> DailySubmission
    /// Feed entries of the days `from...through`, most upvoted first, then earliest submitted.
    func feed(from: Day, through: Day, limit: Int, offset: Int) async throws -> [FeedEntry]
    /// Feed entries submitted at or after `since`: the candidates the trending ranking orders.
    func submittedSince(_ since: Date) async throws -> [FeedEntry]
    func submissions(by username: String) async throws -> [FeedEntry]
    /// Takes a paper off the daily feed (curators hiding spam); returns false when it was on none.
    @discardableResult func removeSubmission(paperID: String) async throws -> Bool
}

/// Embeddings, derived and kept with the identity of the model that produced them.
public protocol EmbeddingStore: Sendable {
    /// The change sequence up to which papers have vectors for `model` (0: none yet).
    func embeddingProgress(model: String) async throws -> Int64
    /// Stores vectors and advances the model's progress to `sequence`, atomically. Vectors of other models are
    /// removed: a model change means everything is embedded again. The model is the key up to its first `+`;
    /// what follows names a segmentation (`m+chunks160/120`, `m+sentences`), and one model's segmentations stay
    /// side by side.
    func saveEmbeddings(_ embeddings: [PaperEmbedding], model: String, throughSequence sequence: Int64) async throws
    /// Vectors of `model` saved for paper changes after `sequence`, in change order, a page at a time: vector
    /// indexes load and follow them incrementally.
    func embeddings(model: String, changedAfter sequence: Int64, limit: Int) async throws -> [EmbeddingChange]
    func embeddingCount(model: String) async throws -> Int
}

/// Accounts, sessions and personal access tokens.
public protocol AccountStore: Sendable {
    func createUser(username: String, displayName: String, role: UserRole, passwordHash: String?) async throws -> User
    func user(named username: String) async throws -> User?
    func setRole(username: String, role: UserRole) async throws
    func passwordHash(username: String) async throws -> String?
    /// Sets a new password hash, ends every other session of the user and revokes their access tokens.
    func setPasswordHash(username: String, hash: String, keepingSession tokenHash: String?) async throws
    func createSession(username: String, tokenHash: String, expiresAt: Date) async throws
    /// The user of a live session, nil when unknown or expired.
    func sessionUser(tokenHash: String, now: Date) async throws -> User?
    func deleteSession(tokenHash: String) async throws
    // Personal access tokens (write API); the caller hashes the secret, the store never sees it.
    func createAccessToken(username: String, name: String, tokenHash: String) async throws -> AccessToken
    func accessTokens(username: String) async throws -> [AccessToken]
    /// Deletes one of the user's tokens; `notFound` if it is not theirs.
    func deleteAccessToken(id: Int64, username: String) async throws
    /// The token's owner, recording the use; nil for an unknown token.
    func accessTokenUser(tokenHash: String, now: Date) async throws -> User?
}

/// The community: upvotes, comments, collections and author claims.
public protocol CommunityStore: Sendable {
    /// Upvote counts of the given papers (papers without upvotes are absent).
    func upvoteCounts(paperIDs: [String]) async throws -> [String: Int]
    /// Sets or clears one user's upvote on a paper; returns the paper's new upvote count.
    @discardableResult func setUpvote(paperID: String, username: String, upvoted: Bool) async throws -> Int
    /// Flips one user's upvote on a paper atomically; returns the new state and the paper's upvote count.
    func toggleUpvote(paperID: String, username: String) async throws -> (upvoted: Bool, count: Int)
    func upvoteCount(paperID: String) async throws -> Int
    func upvoters(paperID: String) async throws -> [String]
    func hasUpvoted(paperID: String, username: String) async throws -> Bool
    func upvotedPapers(by username: String) async throws -> [Paper]
    func addComment(
        paperID: String, author: String, parentID: Int64?, body: String, at date: Date
    ) async throws -> Comment
    func comments(paperID: String) async throws -> [Comment]
    /// The comment `id` (nil when there is none); a deleted comment has `isDeleted` and an empty body.
    func comment(id: Int64) async throws -> Comment?
    /// Replaces a live comment's text (`notFound` for a deleted or unknown one). Who may is decided above the
    /// store (`CommunityService`).
    func editComment(id: Int64, body: String, at date: Date) async throws -> Comment
    /// Deletes a comment; replies stay, shown as deleted.
    func deleteComment(id: Int64, at date: Date) async throws
    func createCollection(owner: String, name: String, isPublic: Bool) async throws -> PaperCollection
    func collections(owner: String) async throws -> [PaperCollection]
    func collection(id: Int64) async throws -> PaperCollection?
    /// Adds or removes a paper (`notFound` for an unknown collection, `paperNotFound` for an unknown paper).
    func setCollectionItem(collectionID: Int64, paperID: String, present: Bool) async throws
    func collectionPapers(id: Int64) async throws -> [Paper]
    func claimAuthorship(paperID: String, username: String, authorName: String) async throws
    func confirmClaim(paperID: String, username: String) async throws
    func claims(paperID: String) async throws -> [AuthorClaim]
    func pendingClaims() async throws -> [AuthorClaim]
}

/// What each reader tells the recommender beyond upvotes and collections: papers they are not interested in,
/// the authors and categories they follow, and the secret of their private recommendations feed
/// (SQLitePaperStore+Signals.swift).
public protocol ReaderSignalStore: Sendable {
    /// Marks a paper "Not interested" for a reader, or (`rejected` false) takes the mark back; marking twice or
    /// unmarking an unmarked paper changes nothing. `paperNotFound`, `userNotFound`.
    func setNotInterested(paperID: String, username: String, rejected: Bool, at date: Date) async throws
    /// Follows an author by name (matched by `AuthorName.key`), or unfollows; `invalidInput` for a name with no
    /// letters or digits or longer than 200 characters.
    func setAuthorFollow(username: String, authorName: String, following: Bool, at date: Date) async throws
    /// Follows an arXiv category, or unfollows; `invalidInput` for something that is not a category.
    func setCategoryFollow(username: String, category: String, following: Bool, at date: Date) async throws
    /// Records that the reader opened a paper's page (now the latest time they did); the recommender leaves seen
    /// papers out. `paperNotFound`, `userNotFound`.
    func markSeen(paperID: String, username: String, at date: Date) async throws
    /// Forgets every paper the reader opened; returns how many there were. `userNotFound`.
    @discardableResult func forgetSeen(username: String) async throws -> Int
    /// How many papers the reader has opened (all of them, not only the latest `ReaderSignals.seenLimit`).
    func seenCount(username: String) async throws -> Int
    /// Everything a reader has said: upvotes, collection items, confirmed authorship, "Not interested" marks
    /// (newest first), follows (oldest first) and the papers they opened (latest first, at most
    /// `ReaderSignals.seenLimit`).
    func readerSignals(username: String) async throws -> ReaderSignals
    /// Sets the SHA-256 of the reader's private recommendations-feed token (one per reader; a new one replaces
    /// the old) or, with nil, revokes it.
    func setRecommendationFeedToken(username: String, tokenHash: String?, at date: Date) async throws
    /// The reader whose private feed token hashes to `tokenHash`, nil when none (revoked or never made).
    func recommendationFeedUser(tokenHash: String) async throws -> User?
    /// Whether the reader has a private feed token now.
    func hasRecommendationFeedToken(username: String) async throws -> Bool
}

/// Digest subscriptions and the durable outbox (SQLitePaperStore+Digest.swift).
public protocol SubscriptionStore: Sendable {
    /// Creates a pending subscription, or returns the existing one for the address (compared case-insensitively).
    /// An unsubscribed or suspended address becomes pending again (it must confirm again); a confirmed one stays
    /// as it is. `username` links the subscription to an account.
    func subscribe(
        email: String, username: String?, frequency: DigestFrequency, at date: Date
    ) async throws -> Subscriber
    func subscriber(id: Int64) async throws -> Subscriber?
    func subscriber(email: String) async throws -> Subscriber?
    func subscriber(username: String) async throws -> Subscriber?
    /// Confirms a pending (or re-confirms a suspended) subscription; the bounce count starts again at 0.
    @discardableResult func confirmSubscriber(id: Int64, at date: Date) async throws -> Subscriber
    @discardableResult func setSubscriberStatus(id: Int64, status: SubscriberStatus) async throws -> Subscriber
    @discardableResult func updateSubscriberPreferences(
        id: Int64, frequency: DigestFrequency, categories: [String], savedSearches: [String]
    ) async throws -> Subscriber
    /// Subscribers with `status` (and `frequency` when given), by id: those with an id above `afterID` (all when
    /// nil), at most `limit` (all when nil). A batch pages through them, so it never holds every subscriber.
    func subscribers(
        status: SubscriberStatus, frequency: DigestFrequency?, afterID: Int64?, limit: Int?
    ) async throws -> [Subscriber]
    /// Counts one permanent delivery failure; at `suspendAfter` failures the subscriber is suspended.
    @discardableResult func recordBounce(subscriberID: Int64, suspendAfter: Int) async throws -> Subscriber
    /// Records a rendered message under its idempotency key, queued for delivery at `date`. Returns false (and
    /// changes nothing) when the key is already recorded.
    @discardableResult func enqueueOutbox(
        key: String, subscriberID: Int64?, recipient: String, payload: String, at date: Date
    ) async throws -> Bool
    func outboxMessage(key: String) async throws -> OutboxMessage?
    /// Queued messages whose next attempt is due at `now`, oldest first.
    func dueOutboxMessages(now: Date, limit: Int) async throws -> [OutboxMessage]
    /// Every message in `state` (all when nil), oldest first.
    func outboxMessages(state: OutboxState?) async throws -> [OutboxMessage]
    func markOutboxSent(id: Int64, at date: Date) async throws
    /// A transient failure: counts the attempt and queues the next one at `retryAt`.
    func markOutboxRetry(id: Int64, error: String, retryAt: Date) async throws
    /// A permanent failure: counts the attempt and never tries again.
    func markOutboxFailed(id: Int64, error: String) async throws
}

/// Secrets and settings the commands leave for each other.
public protocol SettingsStore: Sendable {
    /// A named secret kept in the store (signing keys): generated by `generate` the first time, the same ever
    /// after, so tokens signed with it survive restarts.
    func secret(named name: String, generate: @escaping @Sendable () -> Data) async throws -> Data
    /// A named setting one command leaves for the others (`StoreSetting` names them); nil when never set.
    func setting(named name: String) async throws -> String?
    func setSetting(named name: String, value: String) async throws
}

/// Named leases for background work that must run once across all instances sharing a database.
public protocol LeaseStore: Sendable {
    /// Takes `name` for `holder` until `now + duration` when it is free, expired at `now`, or already held by
    /// `holder` (a renewal). Returns whether `holder` holds it now. Atomic: two holders never both get true.
    func acquireLease(_ name: String, holder: String, duration: Duration, now: Date) async throws -> Bool
    /// Gives the lease up if `holder` holds it; otherwise does nothing.
    func releaseLease(_ name: String, holder: String) async throws
    /// The current holder and expiry, nil when free or expired at `now`.
    func leaseHolder(_ name: String, now: Date) async throws -> (holder: String, expiresAt: Date)?
}

/// Limits that must hold across all instances sharing a database (confirmation mails per address), where a
/// per-process bucket would allow one allowance per instance.
public protocol ThrottleStore: Sendable {
    /// Records one event of `key` at `now` and returns true when that keeps within both limits: no recorded event
    /// of `key` in the `spacing` before `now`, and fewer than `limit` in the `window` before `now`. Otherwise
    /// records nothing and returns false. Atomic: concurrent callers never together exceed a limit. Events older
    /// than their `window` may be forgotten.
    func recordThrottledEvent(
        _ key: String, now: Date, spacing: Duration, limit: Int, window: Duration
    ) async throws -> Bool
}

public struct PaperCollection: Sendable, Equatable {
    public var id: Int64
    public var owner: String
    public var name: String
    public var isPublic: Bool
    public var paperCount: Int
    public var createdAt: Date

    public init(id: Int64, owner: String, name: String, isPublic: Bool, paperCount: Int, createdAt: Date) {
        self.id = id
        self.owner = owner
        self.name = name
        self.isPublic = isPublic
        self.paperCount = paperCount
        self.createdAt = createdAt
    }
}

public struct AuthorClaim: Sendable, Equatable {
    public var paperID: String
    public var username: String
    public var authorName: String
    public var confirmed: Bool

    public init(paperID: String, username: String, authorName: String, confirmed: Bool) {
        self.paperID = paperID
        self.username = username
        self.authorName = authorName
        self.confirmed = confirmed
    }
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
    public enum Kind: Sendable, Equatable {
        /// The paper was inserted or updated; `paper` is the stored record.
        case stored
        /// The paper was removed (a listing paper that became an arXiv paper): derived indexes drop `paper.id`.
        /// `paper` carries only the id and title.
        case deleted
    }

    public var sequence: Int64
    public var paper: Paper
    public var kind: Kind

    public init(sequence: Int64, paper: Paper, kind: Kind = .stored) {
        self.sequence = sequence
        self.paper = paper
        self.kind = kind
    }

    public var isDeletion: Bool { kind == .deleted }
}

/// A listing paper whose title matches several papers (or whose arXiv title is shared by several listing
/// papers): nothing was moved, a curator decides (`resolveLocalPaper(localID:arxivID:)`).
public struct AmbiguousResolution: Sendable, Equatable {
    public var localID: String
    public var localTitle: String
    public var arxivID: String
    public var arxivTitle: String
    public var recordedAt: Date

    public init(localID: String, localTitle: String, arxivID: String, arxivTitle: String, recordedAt: Date) {
        self.localID = localID
        self.localTitle = localTitle
        self.arxivID = arxivID
        self.arxivTitle = arxivTitle
        self.recordedAt = recordedAt
    }
}

/// A paper's vectors: one per chunk of its text (long abstracts are embedded in overlapping windows), all of
/// the same dimension.
public struct PaperEmbedding: Sendable, Equatable {
    public var paperID: String
    public var vectors: [[Float]]

    public init(paperID: String, vectors: [[Float]]) {
        self.paperID = paperID
        self.vectors = vectors
    }

    public init(paperID: String, vector: [Float]) {
        self.init(paperID: paperID, vectors: [vector])
    }

    /// The first chunk's vector: the paper's title and the start of its abstract.
    public var vector: [Float] { vectors[0] }
}

public struct EmbeddingChange: Sendable, Equatable {
    public var sequence: Int64
    public var embedding: PaperEmbedding

    public init(sequence: Int64, embedding: PaperEmbedding) {
        self.sequence = sequence
        self.embedding = embedding
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

/// A pull-based stream of records, read inside the store's transaction (`importRecords(from:)`).
public protocol ImportRecordSource: AnyObject, Sendable {
    /// The next record, nil at the end; throws to abort the whole import.
    func next() throws -> ImportRecord?
}

/// Which import a journal entry belongs to: the file (its absolute path, size and SHA-256) and the settings
/// that shape its records (format, listing day, submitter...), so a resumed import yields the same records.
public struct ImportFileIdentity: Sendable, Hashable {
    public var path: String
    public var size: Int64
    public var sha256: String
    public var settings: String

    public init(path: String, size: Int64, sha256: String, settings: String) {
        self.path = path
        self.size = size
        self.sha256 = sha256
        self.settings = settings
    }
}

/// An import in progress: how many of the file's records are applied, and what they did.
public struct ImportJournalEntry: Sendable, Equatable {
    public var file: ImportFileIdentity
    public var recordsApplied: Int
    public var summary: ImportSummary
    public var startedAt: Date
    public var updatedAt: Date

    public init(file: ImportFileIdentity, recordsApplied: Int, summary: ImportSummary, startedAt: Date, updatedAt: Date)
    {
        self.file = file
        self.recordsApplied = recordsApplied
        self.summary = summary
        self.startedAt = startedAt
        self.updatedAt = updatedAt
    }
}

public struct ImportBatchResult: Sendable, Equatable {
    /// Records of this batch applied (its first `applied`); fewer than passed when the time limit was reached.
    public var applied: Int
    /// Records of the file applied so far, this batch included.
    public var recordsApplied: Int
    /// What the file's applied records did so far.
    public var summary: ImportSummary

    public init(applied: Int, recordsApplied: Int, summary: ImportSummary) {
        self.applied = applied
        self.recordsApplied = recordsApplied
        self.summary = summary
    }
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
        case forbidden = "forbidden"
        case notFound = "not_found"
        case storage = "storage_error"
        /// Another connection held the database lock longer than the busy timeout: retry later.
        case busy = "store_busy"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// Names of the settings commands leave in the store for each other.
public enum StoreSetting {
    /// The address `serve` was last reached at (`--public-url`, else its listening address): the default base of
    /// the links `digest send` writes.
    public static let publicURL = "public_url"
}

/// People's text as the store keeps it: trimmed, 1 to `maximum` characters (Unicode scalars, as SQLite counts
/// them), and no control characters other than tab and line breaks (SQLite's `length()` stops at a NUL, so a
/// NUL would pass here and fail the schema's check, and no one types the others). Public for the other backends,
/// which keep text by the same rules.
public enum StoredText {
    public static func validated(_ text: String, _ what: String, maximum: Int) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let count = trimmed.unicodeScalars.count
        guard count >= 1, count <= maximum else {
            throw StoreError(.invalidInput, "\(what) must have 1 to \(grouped(maximum)) characters")
        }
        guard
            !trimmed.unicodeScalars.contains(where: {
                ($0.value < 0x20 && !"\t\n\r".unicodeScalars.contains($0)) || $0.value == 0x7F
            })
        else {
            throw StoreError(.invalidInput, "\(what) must not contain control characters")
        }
        return trimmed
    }

    /// 20000 as "20,000".
    static func grouped(_ n: Int) -> String {
        let digits = String(n)
        return digits.enumerated().map { i, c in (i > 0 && (digits.count - i) % 3 == 0 ? "," : "") + String(c) }
            .joined()
    }
}

/// Which harvest: an OAI-PMH endpoint, a set (`cs`, `physics:hep-th`; empty for all of it) and a metadata format.
public struct HarvestKey: Hashable, Sendable, CustomStringConvertible {
    public var endpoint: String
    public var set: String
    public var metadataPrefix: String

    public init(endpoint: String, set: String?, metadataPrefix: String) {
        self.endpoint = endpoint
        self.set = set ?? ""
        self.metadataPrefix = metadataPrefix
    }

    public var description: String { "\(endpoint) set=\(set.isEmpty ? "(all)" : set) \(metadataPrefix)" }
}

/// A harvest's progress: what is fully applied, and the list in flight (its resumption token and bounds).
public struct HarvestState: Sendable, Equatable {
    public var key: HarvestKey
    /// The last datestamp of a list harvested to its end: the next harvest starts there (`from` is inclusive,
    /// and records seen again change nothing).
    public var lastDatestamp: Day?
    /// The list in flight: the token of its next page, the `from`/`until` it was started with, and the latest
    /// datestamp among its records so far.
    public var resumptionToken: String?
    public var harvestFrom: Day?
    public var harvestUntil: Day?
    public var seenUpTo: Day?
    /// Records (papers and withdrawals) applied over all harvests.
    public var recordsHarvested: Int
    public var lastSuccessAt: Date?
    public var lastError: String?
    public var lastErrorAt: Date?

    public init(
        key: HarvestKey, lastDatestamp: Day? = nil, resumptionToken: String? = nil, harvestFrom: Day? = nil,
        harvestUntil: Day? = nil, seenUpTo: Day? = nil, recordsHarvested: Int = 0, lastSuccessAt: Date? = nil,
        lastError: String? = nil, lastErrorAt: Date? = nil
    ) {
        self.key = key
        self.lastDatestamp = lastDatestamp
        self.resumptionToken = resumptionToken
        self.harvestFrom = harvestFrom
        self.harvestUntil = harvestUntil
        self.seenUpTo = seenUpTo
        self.recordsHarvested = recordsHarvested
        self.lastSuccessAt = lastSuccessAt
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
    }
}

extension SubscriptionStore {
    /// Every subscriber with `status` (and `frequency` when given), by id.
    public func subscribers(status: SubscriberStatus, frequency: DigestFrequency?) async throws -> [Subscriber] {
        try await subscribers(status: status, frequency: frequency, afterID: nil, limit: nil)
    }
}
