import Foundation
import GRDB
import PaperModel
import PaperSupport
import Synchronization

/// The embedded store: SQLite through GRDB, in WAL mode, in a data folder.
///
/// One struct owns the database writer and the migrator (the shape of GRDB's `AppDatabase`); every public
/// write is one invariant-keeping transaction.
public struct SQLitePaperStore: PaperStore {
    let writer: any DatabaseWriter
    let location: String
    /// Counts the writes made through this store (shared by its copies), for `writeGeneration()`.
    let writes = WriteCounter()
    /// What "now" is for the timestamps this store writes.
    let clock: WallClock

    /// Opens (creating and migrating when needed) `paperboy.sqlite` in `directory`. A write waits up to
    /// `busyTimeout` seconds for another connection's write lock (a CLI import while serving), then fails
    /// with `busy`.
    public static func open(
        directory: URL, busyTimeout: TimeInterval = 10, clock: WallClock = .system
    ) throws -> SQLitePaperStore {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError(.storage, "cannot create data folder \(directory.path): \(error.localizedDescription)")
        }
        let path = directory.appendingPathComponent("paperboy.sqlite").path
        do {
            let pool = try DatabasePool(path: path, configuration: configuration(busyTimeout: busyTimeout))
            return try SQLitePaperStore(writer: pool, location: path, clock: clock)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError where isBusy(error) {
            throw StoreError(.busy, "database \(path) is busy: \(error.message ?? error.description)")
        } catch {
            throw StoreError(.storage, "cannot open database \(path): \(error)")
        }
    }

    /// A private in-memory database, for tests and throwaway evaluation runs.
    public static func inMemory(clock: WallClock = .system) throws -> SQLitePaperStore {
        try SQLitePaperStore(writer: DatabaseQueue(configuration: configuration()), location: ":memory:", clock: clock)
    }

    init(writer: any DatabaseWriter, location: String, clock: WallClock = .system) throws {
        self.writer = writer
        self.location = location
        self.clock = clock
        try Self.migrator.migrate(writer)
    }

    static func configuration(busyTimeout: TimeInterval = 10) -> Configuration {
        var config = Configuration()
        config.foreignKeysEnabled = true
        // Concurrent writers (CLI import while serving) wait instead of failing at once. They try again every
        // 2 ms, where SQLite's own busy handler backs off to 100 ms: a batched import leaves the lock free for
        // short moments only, and a writer that sleeps through them waits far longer than it needs to.
        let interval: UInt32 = 2_000  // microseconds
        let attempts = Int((busyTimeout * 1_000_000 / Double(interval)).rounded(.up))
        config.busyMode = .callback { tries in
            guard tries < attempts else { return false }
            usleep(interval)
            return true
        }
        return config
    }

    // MARK: Status

    public func status() async throws -> StoreStatus {
        try await read { db in
            let applied = try Self.migrator.appliedIdentifiers(db)
            return StoreStatus(
                backend: "sqlite",
                schemaVersion: Self.migrator.migrations.last { applied.contains($0) } ?? "none",
                paperCount: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM paper") ?? 0,
                latestChangeSequence: try Self.currentSequence(db)
            )
        }
    }

    // MARK: Papers

    public func paper(id: String) async throws -> Paper? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM paper WHERE id = ?", arguments: [id]).map(Self.paper(from:))
        }
    }

    public func papers(ids: [String]) async throws -> [Paper] {
        guard !ids.isEmpty else { return [] }
        return try await read { db in
            var byID: [String: Paper] = [:]
            // SQLite limits host parameters per statement; chunk.
            for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min(ids.count, $0 + 500)]) }) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                for row in try Row.fetchAll(
                    db, sql: "SELECT * FROM paper WHERE id IN (\(marks))", arguments: StatementArguments(chunk))
                {
                    let paper = try Self.paper(from: row)
                    byID[paper.id] = paper
                }
            }
            return ids.compactMap { byID[$0] }
        }
    }

    public func papersPublished(on day: Day, category: String?, limit: Int) async throws -> [Paper] {
        guard limit > 0 else { return [] }
        return try await read { db in
            var sql = "SELECT * FROM paper WHERE published_at >= ? AND published_at < ?"
            var arguments: StatementArguments = [day.startDate, Self.endOf(day)]
            if let category {
                sql += " AND EXISTS (SELECT 1 FROM json_each(paper.categories) WHERE json_each.value = ?)"
                arguments += [category]
            }
            sql += " ORDER BY published_at DESC, id LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.paper(from:))
        }
    }

    public func latestPublishedDay(onOrBefore day: Day?) async throws -> Day? {
        try await read { db in
            let latest: Date?
            if let day {
                latest = try Date.fetchOne(
                    db, sql: "SELECT MAX(published_at) FROM paper WHERE published_at < ?",
                    arguments: [Self.endOf(day)])
            } else {
                latest = try Date.fetchOne(db, sql: "SELECT MAX(published_at) FROM paper")
            }
            return latest.map(Day.init)
        }
    }

    public func neighbouringPublishedDays(of day: Day) async throws -> (previous: Day?, next: Day?) {
        try await read { db in
            let previous = try Date.fetchOne(
                db, sql: "SELECT MAX(published_at) FROM paper WHERE published_at < ?", arguments: [day.startDate])
            let next = try Date.fetchOne(
                db, sql: "SELECT MIN(published_at) FROM paper WHERE published_at >= ?", arguments: [Self.endOf(day)])
            return (previous.map(Day.init), next.map(Day.init))
        }
    }

    public func upvoteCounts(paperIDs: [String]) async throws -> [String: Int] {
        guard !paperIDs.isEmpty else { return [:] }
        return try await read { db in
            var counts: [String: Int] = [:]
            for chunk in stride(from: 0, to: paperIDs.count, by: 500).map({
                Array(paperIDs[$0..<min(paperIDs.count, $0 + 500)])
            }) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                for row in try Row.fetchAll(
                    db,
                    sql: "SELECT paper_id, COUNT(*) AS n FROM upvote WHERE paper_id IN (\(marks)) GROUP BY paper_id",
                    arguments: StatementArguments(chunk))
                {
                    counts[row["paper_id"]] = row["n"]
                }
            }
            return counts
        }
    }

    public func paperCount() async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM paper") ?? 0 }
    }

    public func upsert(_ papers: [Paper]) async throws -> ImportSummary {
        try await write { db in
            var summary = ImportSummary()
            var titles: Set<String> = []
            let now = clock.now()
            for paper in papers { try Self.upsert(paper, db, &summary, &titles, now: now) }
            try Self.resolveListingPapers(titles: titles, db, now: now)
            return summary
        }
    }

    public func importRecords(from source: any ImportRecordSource) async throws -> ImportSummary {
        try await write { db in
            var summary = ImportSummary()
            var submitterIDs: [String: Int64] = [:]
            var titles: Set<String> = []
            let now = clock.now()
            while let record = try source.next() {
                try Self.apply(record, db, &summary, &submitterIDs, &titles, now: now)
            }
            try Self.resolveListingPapers(titles: titles, db, now: now)
            return summary
        }
    }

    /// Applies one import record; `submitterIDs` caches the accounts submissions are made by.
    static func apply(
        _ record: ImportRecord, _ db: Database, _ summary: inout ImportSummary, _ submitterIDs: inout [String: Int64],
        _ titles: inout Set<String>, now: Date
    ) throws {
        switch record {
        case .paper(let paper):
            try upsert(paper, db, &summary, &titles, now: now)
        case .dailySubmission(let submittedID, let day, let submitter):
            let paperID = try aliasTarget(submittedID, db) ?? submittedID
            guard try paperExists(paperID, db) else {
                throw StoreError(.paperNotFound, "paper \(paperID) is not in the store")
            }
            let userID: Int64
            if let known = submitterIDs[submitter] {
                userID = known
            } else {
                userID = try ensureCurator(submitter, db, now: now)
                submitterIDs[submitter] = userID
            }
            try db.cachedStatement(
                sql: """
                    INSERT INTO daily_submission (paper_id, day, submitter_id, submitted_at)
                    VALUES (?, ?, ?, ?) ON CONFLICT(paper_id) DO NOTHING
                    """
            ).execute(arguments: [paperID, day.description, userID, day.startDate])
            summary.submissionsAdded += db.changesCount
        }
    }

    public func changes(after sequence: Int64, limit: Int) async throws -> [PaperChange] {
        try await read { db in
            let limit = max(0, limit)
            let stored = try Row.fetchAll(
                db, sql: "SELECT * FROM paper WHERE change_seq > ? ORDER BY change_seq LIMIT ?",
                arguments: [sequence, limit]
            ).map { PaperChange(sequence: $0["change_seq"], paper: try Self.paper(from: $0)) }
            // Deleted papers (listing papers that became arXiv papers) have their own rows in the sequence.
            let deleted = try Row.fetchAll(
                db,
                sql:
                    "SELECT paper_id, title, change_seq FROM paper_deletion WHERE change_seq > ? ORDER BY change_seq LIMIT ?",
                arguments: [sequence, limit]
            ).map {
                PaperChange(
                    sequence: $0["change_seq"], paper: Paper(id: $0["paper_id"], title: $0["title"], abstract: ""),
                    kind: .deleted)
            }
            if deleted.isEmpty { return stored }
            return Array((stored + deleted).sorted { $0.sequence < $1.sequence }.prefix(limit))
        }
    }

    public func latestChangeSequence() async throws -> Int64 {
        try await read { db in try Self.currentSequence(db) }
    }

    public func writeGeneration() -> Int64 { writes.value }

    // MARK: Daily feed

    public func dailyFeed(day: Day) async throws -> [FeedEntry] {
        try await read { db in try Self.feedEntries(db, where: "s.day = ?", [day.description]) }
    }

    public func feed(from: Day, through: Day, limit: Int, offset: Int) async throws -> [FeedEntry] {
        try await read { db in
            try Self.feedEntries(
                db, where: "s.day BETWEEN ? AND ?", [from.description, through.description], limit: limit,
                offset: offset)
        }
    }

    public func submittedSince(_ since: Date) async throws -> [FeedEntry] {
        try await read { db in try Self.feedEntries(db, where: "s.submitted_at >= ?", [since]) }
    }

    public func submissions(by username: String) async throws -> [FeedEntry] {
        try await read { db in
            try Self.feedEntries(db, where: "u.username = ?", [username], order: "s.day DESC, s.submitted_at DESC")
        }
    }

    /// Feed cards with their counts; the one query behind every feed.
    static func feedEntries(
        _ db: Database, where condition: String, _ arguments: StatementArguments,
        order: String = "upvotes DESC, s.submitted_at ASC, s.rowid ASC", limit: Int = -1, offset: Int = 0
    ) throws -> [FeedEntry] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT paper.*, s.day AS s_day, s.submitted_at AS s_submitted_at, s.github_repo AS s_github_repo,
                       s.project_page AS s_project_page, u.username AS s_submitter,
                       (SELECT COUNT(*) FROM upvote v WHERE v.paper_id = paper.id) AS upvotes,
                       (SELECT COUNT(*) FROM comment c WHERE c.paper_id = paper.id AND c.deleted_at IS NULL)
                         AS comment_count
                FROM daily_submission s
                JOIN paper ON paper.id = s.paper_id
                JOIN user u ON u.id = s.submitter_id
                WHERE \(condition)
                ORDER BY \(order)
                LIMIT ? OFFSET ?
                """,
            arguments: arguments + [limit, max(0, offset)])
        return try rows.map { row in
            let paper = try Self.paper(from: row)
            return FeedEntry(
                paper: paper,
                submission: DailySubmission(
                    paperID: paper.id, day: Day(row["s_day"] as String)!, submitter: row["s_submitter"],
                    submittedAt: row["s_submitted_at"], githubRepo: row["s_github_repo"],
                    projectPage: row["s_project_page"]),
                upvotes: row["upvotes"], commentCount: row["comment_count"])
        }
    }

    public func latestFeedDay(onOrBefore day: Day?) async throws -> Day? {
        try await read { db in
            let text: String?
            if let day {
                text = try String.fetchOne(
                    db, sql: "SELECT MAX(day) FROM daily_submission WHERE day <= ?", arguments: [day.description])
            } else {
                text = try String.fetchOne(db, sql: "SELECT MAX(day) FROM daily_submission")
            }
            return text.flatMap(Day.init)
        }
    }

    public func neighbouringFeedDays(of day: Day) async throws -> (previous: Day?, next: Day?) {
        try await read { db in
            let previous = try String.fetchOne(
                db, sql: "SELECT MAX(day) FROM daily_submission WHERE day < ?", arguments: [day.description])
            let next = try String.fetchOne(
                db, sql: "SELECT MIN(day) FROM daily_submission WHERE day > ?", arguments: [day.description])
            return (previous.flatMap(Day.init), next.flatMap(Day.init))
        }
    }

    public func submission(paperID: String) async throws -> DailySubmission? {
        try await read { db in try Self.submission(paperID, db) }
    }

    public func submit(
        paperID: String, day: Day, submitter: String, at date: Date, githubRepo: String?, projectPage: String?
    ) async throws -> DailySubmission {
        try await write { db in
            guard try Self.paperExists(paperID, db) else {
                throw StoreError(.paperNotFound, "paper \(paperID) is not in the store")
            }
            let userID = try Self.userID(submitter, db)
            if let existing = try Self.submission(paperID, db) {
                throw StoreError(
                    .alreadySubmitted,
                    "paper \(paperID) is already on the daily feed of \(existing.day), submitted by \(existing.submitter)"
                )
            }
            try db.execute(
                sql: """
                    INSERT INTO daily_submission (paper_id, day, submitter_id, submitted_at, github_repo, project_page)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [paperID, day.description, userID, date, githubRepo, projectPage])
            return try Self.submission(paperID, db)!
        }
    }

    // MARK: Embeddings

    public func embeddingProgress(model: String) async throws -> Int64 {
        try await read { db in
            try Int64.fetchOne(
                db, sql: "SELECT last_sequence FROM embedding_progress WHERE model = ?", arguments: [model]) ?? 0
        }
    }

    public func saveEmbeddings(
        _ embeddings: [PaperEmbedding], model: String, throughSequence sequence: Int64
    ) async throws {
        try await write { db in
            // Vectors of another model go; other segmentations of this model (`model+tag`) stay.
            let identity = String(model.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false)[0])
            let otherModel =
                "(CASE WHEN instr(model, '+') > 0 THEN substr(model, 1, instr(model, '+') - 1) ELSE model END) <> ?"
            try db.execute(sql: "DELETE FROM paper_embedding WHERE \(otherModel)", arguments: [identity])
            try db.execute(sql: "DELETE FROM embedding_progress WHERE \(otherModel)", arguments: [identity])
            for embedding in embeddings {
                let dimension = embedding.vectors.first?.count ?? 0
                guard dimension > 0,
                    embedding.vectors.allSatisfy({ $0.count == dimension && $0.allSatisfy(\.isFinite) })
                else {
                    throw StoreError(.invalidInput, "embedding of \(embedding.paperID) is empty or not finite")
                }
                let seq = try Int64.fetchOne(
                    db, sql: "SELECT change_seq FROM paper WHERE id = ?", arguments: [embedding.paperID])
                guard let seq else {
                    throw StoreError(.paperNotFound, "paper \(embedding.paperID) is not in the store")
                }
                try db.execute(
                    sql: """
                        INSERT INTO paper_embedding (model, paper_id, vector, chunks, change_seq) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT(model, paper_id) DO UPDATE SET vector = excluded.vector, chunks = excluded.chunks,
                          change_seq = excluded.change_seq
                        """,
                    arguments: [
                        model, embedding.paperID, Self.blob(embedding.vectors.flatMap { $0 }), embedding.vectors.count,
                        seq,
                    ])
            }
            try db.execute(
                sql: """
                    INSERT INTO embedding_progress (model, last_sequence) VALUES (?, ?)
                    ON CONFLICT(model) DO UPDATE SET last_sequence = max(last_sequence, excluded.last_sequence)
                    """,
                arguments: [model, sequence])
        }
    }

    public func embeddings(model: String, changedAfter sequence: Int64, limit: Int) async throws -> [EmbeddingChange] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT paper_id, vector, chunks, change_seq FROM paper_embedding
                    WHERE model = ? AND change_seq > ? ORDER BY change_seq LIMIT ?
                    """,
                arguments: [model, sequence, max(0, limit)]
            ).map {
                EmbeddingChange(
                    sequence: $0["change_seq"],
                    embedding: PaperEmbedding(
                        paperID: $0["paper_id"], vectors: Self.chunked(Self.floats($0["vector"]), $0["chunks"])))
            }
        }
    }

    public func embeddingCount(model: String) async throws -> Int {
        try await read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM paper_embedding WHERE model = ?", arguments: [model]) ?? 0
        }
    }

    /// Little-endian float32, the layout of every platform Paperboy runs on.
    static func blob(_ vector: [Float]) -> Data {
        vector.withUnsafeBufferPointer { Data(buffer: $0) }
    }

    static func chunked(_ floats: [Float], _ chunks: Int) -> [[Float]] {
        let width = floats.count / max(1, chunks)
        return (0..<max(1, chunks)).map { Array(floats[($0 * width)..<(($0 + 1) * width)]) }
    }

    static func floats(_ data: Data) -> [Float] {
        data.withUnsafeBytes { raw in Array(raw.bindMemory(to: Float.self)) }
    }

    // MARK: Users, upvotes, comments

    public func createUser(
        username: String, displayName: String, role: UserRole, passwordHash: String?
    ) async throws -> User {
        guard User.isValidUsername(username) else {
            throw StoreError(
                .invalidUsername, "username must be 1-39 letters, digits, '-' or '_' (got \(username.debugDescription))"
            )
        }
        return try await write { db in
            if try Int64.fetchOne(db, sql: "SELECT id FROM user WHERE username = ?", arguments: [username]) != nil {
                throw StoreError(.usernameTaken, "username \(username) is taken")
            }
            let now = clock.now()
            try db.execute(
                sql:
                    "INSERT INTO user (username, display_name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [username, displayName, role.rawValue, passwordHash, now])
            // Read back what was stored, so callers see the same (millisecond) timestamp as later reads.
            return try Self.user(username, db)!
        }
    }

    public func user(named username: String) async throws -> User? {
        try await read { db in try Self.user(username, db) }
    }

    static func user(_ username: String, _ db: Database) throws -> User? {
        try Row.fetchOne(db, sql: "SELECT * FROM user WHERE username = ?", arguments: [username]).map {
            User(
                id: $0["id"], username: $0["username"], displayName: $0["display_name"],
                role: UserRole(rawValue: $0["role"]) ?? .member, createdAt: $0["created_at"])
        }
    }

    public func setUpvote(paperID: String, username: String, upvoted: Bool) async throws -> Int {
        try await write { db in
            guard try Self.paperExists(paperID, db) else {
                throw StoreError(.paperNotFound, "paper \(paperID) is not in the store")
            }
            let userID = try Self.userID(username, db)
            if upvoted {
                try db.execute(
                    sql: "INSERT INTO upvote (user_id, paper_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    arguments: [userID, paperID, clock.now()])
            } else {
                try db.execute(
                    sql: "DELETE FROM upvote WHERE user_id = ? AND paper_id = ?", arguments: [userID, paperID])
            }
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM upvote WHERE paper_id = ?", arguments: [paperID])
                ?? 0
        }
    }

    public func toggleUpvote(paperID: String, username: String) async throws -> (upvoted: Bool, count: Int) {
        // Read and write in one write transaction: concurrent toggles by one person serialize, each flipping the
        // state the previous one left.
        try await write { db in
            guard try Self.paperExists(paperID, db) else {
                throw StoreError(.paperNotFound, "paper \(paperID) is not in the store")
            }
            let userID = try Self.userID(username, db)
            try db.execute(sql: "DELETE FROM upvote WHERE user_id = ? AND paper_id = ?", arguments: [userID, paperID])
            let upvoted = db.changesCount == 0
            if upvoted {
                try db.execute(
                    sql: "INSERT INTO upvote (user_id, paper_id, created_at) VALUES (?, ?, ?)",
                    arguments: [userID, paperID, clock.now()])
            }
            let count =
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM upvote WHERE paper_id = ?", arguments: [paperID]) ?? 0
            return (upvoted, count)
        }
    }

    public func upvoteCount(paperID: String) async throws -> Int {
        try await read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM upvote WHERE paper_id = ?", arguments: [paperID]) ?? 0
        }
    }

    public func addComment(
        paperID: String, author: String, parentID: Int64?, body: String, at date: Date
    ) async throws -> Comment {
        let trimmed = try StoredText.validated(body, "a comment", maximum: 20_000)
        return try await write { db in
            guard try Self.paperExists(paperID, db) else {
                throw StoreError(.paperNotFound, "paper \(paperID) is not in the store")
            }
            let userID = try Self.userID(author, db)
            if let parentID {
                let parentPaper = try String.fetchOne(
                    db, sql: "SELECT paper_id FROM comment WHERE id = ? AND deleted_at IS NULL", arguments: [parentID])
                guard parentPaper == paperID else {
                    throw StoreError(.invalidInput, "comment \(parentID) is not a comment on paper \(paperID)")
                }
            }
            try db.execute(
                sql: "INSERT INTO comment (paper_id, user_id, parent_id, body, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [paperID, userID, parentID, trimmed, date])
            return Comment(
                id: db.lastInsertedRowID, paperID: paperID, author: author, parentID: parentID, body: trimmed,
                createdAt: date, editedAt: nil)
        }
    }

    public func comments(paperID: String) async throws -> [Comment] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.*, u.username FROM comment c JOIN user u ON u.id = c.user_id
                    WHERE c.paper_id = ? ORDER BY c.created_at, c.id
                    """,
                arguments: [paperID]
            ).map(Self.comment(from:))
        }
    }

    // MARK: Helpers

    /// Wraps GRDB errors so that no GRDB type leaks past the store.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await writer.read(body)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw Self.storeError(error)
        }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        // Counted once the transaction has ended (committed or rolled back), so that a reader who sees the new
        // generation also sees the new data.
        defer { writes.increment() }
        do {
            return try await writer.write(body)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw Self.storeError(error)
        }
    }

    /// SQLITE_BUSY / SQLITE_LOCKED (another connection held the lock past the busy timeout) is `busy`, which
    /// callers may retry; anything else is `storage`.
    static func storeError(_ error: DatabaseError) -> StoreError {
        if isBusy(error) {
            return StoreError(
                .busy, "the store is busy (another write held the lock too long): \(error.message ?? error.description)"
            )
        }
        return StoreError(.storage, "database error: \(error.message ?? error.description)")
    }

    static func isBusy(_ error: DatabaseError) -> Bool {
        error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
    }

    static func currentSequence(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM change_sequence")) ?? 0
    }

    static func nextSequence(_ db: Database) throws -> Int64 {
        try db.cachedStatement(sql: "UPDATE change_sequence SET value = value + 1").execute()
        return try currentSequence(db)
    }

    static func paperExists(_ id: String, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM paper WHERE id = ?)", arguments: [id]) ?? false
    }

    static func userID(_ username: String, _ db: Database) throws -> Int64 {
        guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM user WHERE username = ?", arguments: [username])
        else {
            throw StoreError(.userNotFound, "no user named \(username)")
        }
        return id
    }

    /// The account that importers submit on behalf of; created as a curator without password when missing.
    static func ensureCurator(_ username: String, _ db: Database, now: Date) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM user WHERE username = ?", arguments: [username]) {
            return id
        }
        guard User.isValidUsername(username) else {
            throw StoreError(.invalidUsername, "submitter \(username.debugDescription) is not a valid username")
        }
        try db.execute(
            sql: "INSERT INTO user (username, display_name, role, created_at) VALUES (?, ?, 'curator', ?)",
            arguments: [username, username, now])
        return db.lastInsertedRowID
    }

    static func submission(_ paperID: String, _ db: Database) throws -> DailySubmission? {
        try Row.fetchOne(
            db,
            sql: """
                SELECT s.*, u.username FROM daily_submission s JOIN user u ON u.id = s.submitter_id
                WHERE s.paper_id = ?
                """,
            arguments: [paperID]
        ).map {
            DailySubmission(
                paperID: paperID, day: Day($0["day"] as String)!, submitter: $0["username"],
                submittedAt: $0["submitted_at"], githubRepo: $0["github_repo"], projectPage: $0["project_page"])
        }
    }

    /// Inserts or updates one paper; the normalized titles of papers written are added to `stored`, whose
    /// listing papers the caller resolves (`resolveListingPapers`) once the write's records are in.
    static func upsert(
        _ paper: Paper, _ db: Database, _ summary: inout ImportSummary, _ stored: inout Set<String>, now: Date
    ) throws {
        guard !paper.id.isEmpty, !paper.title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw StoreError(.invalidInput, "paper \(paper.id.debugDescription) has no title")
        }
        // A listing paper that became an arXiv paper stays that paper: importing the listing again changes nothing.
        if LocalPaperID.isLocal(paper.id), try aliasTarget(paper.id, db) != nil {
            summary.unchanged += 1
            return
        }
        // Cached statements: an import runs these once per record.
        if let existing = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM paper WHERE id = ?"), arguments: [paper.id])
        {
            let current = try Self.paper(from: existing)
            if current.version > paper.version || current == paper {
                summary.unchanged += 1
                return
            }
            let sequence = try nextSequence(db)
            try db.cachedStatement(
                sql: """
                    UPDATE paper SET version = ?, title = ?, abstract = ?, authors = ?, categories = ?,
                      primary_category = ?, published_at = ?, updated_at = ?, comments = ?, journal_ref = ?, doi = ?,
                      links = ?, change_seq = ?, title_key = ?
                    WHERE id = ?
                    """
            ).execute(arguments: columnValues(paper) + [sequence, LocalPaperID.normalizedTitle(paper.title), paper.id])
            summary.updated += 1
            stored.insert(LocalPaperID.normalizedTitle(paper.title))
        } else {
            let sequence = try nextSequence(db)
            try db.cachedStatement(
                sql: """
                    INSERT INTO paper (version, title, abstract, authors, categories, primary_category, published_at,
                      updated_at, comments, journal_ref, doi, links, change_seq, id, created_at, title_key)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(
                arguments: columnValues(paper) + [sequence, paper.id, now, LocalPaperID.normalizedTitle(paper.title)])
            summary.inserted += 1
            stored.insert(LocalPaperID.normalizedTitle(paper.title))
        }
    }

    static func columnValues(_ paper: Paper) -> StatementArguments {
        [
            paper.version, paper.title, paper.abstract, json(paper.authors), json(paper.categories),
            paper.primaryCategory, paper.publishedAt, paper.updatedAt, paper.comments, paper.journalRef, paper.doi,
            json(paper.links),
        ]
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String, column: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw StoreError(.storage, "corrupt \(column) column: \(error)")
        }
    }

    static func paper(from row: Row) throws -> Paper {
        Paper(
            id: row["id"], version: row["version"], title: row["title"], abstract: row["abstract"],
            authors: try decode([String].self, row["authors"], column: "authors"),
            categories: try decode([String].self, row["categories"], column: "categories"),
            publishedAt: row["published_at"], updatedAt: row["updated_at"], comments: row["comments"],
            journalRef: row["journal_ref"], doi: row["doi"],
            links: try decode([PaperLink].self, row["links"], column: "links"))
    }
}

/// A counter shared by the copies of one store.
final class WriteCounter: Sendable {
    private let count = Mutex<Int64>(0)

    var value: Int64 { count.withLock { $0 } }

    func increment() {
        count.withLock { $0 += 1 }
    }
}

extension SQLitePaperStore {
    /// Midnight after `day`: the exclusive upper bound of its instants (also for 9999-12-31, where
    /// `Day.adding(days:)` saturates).
    static func endOf(_ day: Day) -> Date { Date(timeIntervalSince1970: Double(day.daysSinceEpoch + 1) * 86_400) }
}
