import Foundation
import Logging
import PaperModel
import PaperStore
import PostgresNIO

/// The daily feed, imports in batches, harvested pages and embeddings.
extension PostgresPaperStore {
    // MARK: Daily feed

    /// Feed cards with their counts; the one query behind every feed.
    func feedEntries(
        where condition: PostgresQuery, order: String = "upvotes DESC, s.submitted_at ASC, s.seq ASC",
        limit: Int? = nil, offset: Int = 0
    ) async throws -> [FeedEntry] {
        var query: PostgresQuery = """
            SELECT \(unescaped: Self.paperColumns), s.day AS s_day, s.submitted_at AS s_submitted_at,
                   s.github_repo AS s_github_repo, s.project_page AS s_project_page, u.username AS s_submitter,
                   (SELECT COUNT(*) FROM upvote v WHERE v.paper_id = p.id) AS upvotes,
                   (SELECT COUNT(*) FROM comment c WHERE c.paper_id = p.id AND c.deleted_at IS NULL) AS comment_count
            FROM daily_submission s
            JOIN paper p ON p.id = s.paper_id
            JOIN account u ON u.id = s.submitter_id
            WHERE
            """
        query.sql += " " + condition.sql
        query.binds = condition.binds
        query.sql += " ORDER BY \(order)"
        if let limit {
            query.sql += " LIMIT \(max(0, limit))"
        }
        query.sql += " OFFSET \(max(0, offset))"
        let final = query
        return try await read { c in
            try await c.rows(final, logger).map { row in
                let paper = try Self.paper(from: row)
                return FeedEntry(
                    paper: paper,
                    submission: DailySubmission(
                        paperID: paper.id, day: Day(try row.get("s_day", as: String.self))!,
                        submitter: try row.get("s_submitter"), submittedAt: try row.get("s_submitted_at"),
                        githubRepo: try row.get("s_github_repo"), projectPage: try row.get("s_project_page")),
                    upvotes: try row.get("upvotes"), commentCount: try row.get("comment_count"))
            }
        }
    }

    public func dailyFeed(day: Day) async throws -> [FeedEntry] {
        try await feedEntries(where: "s.day = \(day.description)")
    }

    public func feed(from: Day, through: Day, limit: Int, offset: Int) async throws -> [FeedEntry] {
        try await feedEntries(
            where: "s.day BETWEEN \(from.description) AND \(through.description)", limit: limit, offset: offset)
    }

    public func submittedSince(_ since: Date) async throws -> [FeedEntry] {
        try await feedEntries(where: "s.submitted_at >= \(since)")
    }

    public func submissions(by username: String) async throws -> [FeedEntry] {
        try await feedEntries(
            where: "lower(u.username) = lower(\(username))", order: "s.day DESC, s.submitted_at DESC, s.seq DESC")
    }

    public func latestFeedDay(onOrBefore day: Day?) async throws -> Day? {
        let bound = day?.description
        return try await read { c in
            try await c.value(
                String.self,
                "SELECT MAX(day) FROM daily_submission WHERE \(bound)::text IS NULL OR day <= \(bound)", logger)
        }.flatMap(Day.init)
    }

    public func neighbouringFeedDays(of day: Day) async throws -> (previous: Day?, next: Day?) {
        try await read { c in
            let row = try await c.firstRow(
                """
                SELECT (SELECT MAX(day) FROM daily_submission WHERE day < \(day.description)) AS previous,
                       (SELECT MIN(day) FROM daily_submission WHERE day > \(day.description)) AS next
                """, logger)
            return (
                try row?.get("previous", as: String?.self).flatMap(Day.init),
                try row?.get("next", as: String?.self).flatMap(Day.init)
            )
        }
    }

    static func submission(
        _ paperID: String, _ c: PostgresConnection, _ logger: Logger
    ) async throws
        -> DailySubmission?
    {
        try await c.firstRow(
            """
            SELECT s.day, s.submitted_at, s.github_repo, s.project_page, u.username
            FROM daily_submission s JOIN account u ON u.id = s.submitter_id WHERE s.paper_id = \(paperID)
            """, logger
        ).map {
            DailySubmission(
                paperID: paperID, day: Day(try $0.get("day", as: String.self))!, submitter: try $0.get("username"),
                submittedAt: try $0.get("submitted_at"), githubRepo: try $0.get("github_repo"),
                projectPage: try $0.get("project_page"))
        }
    }

    public func submission(paperID: String) async throws -> DailySubmission? {
        try await read { c in try await Self.submission(paperID, c, logger) }
    }

    public func submit(
        paperID: String, day: Day, submitter: String, at date: Date, githubRepo: String?, projectPage: String?
    ) async throws -> DailySubmission {
        try await write { c in
            guard try await Self.paperExists(paperID, c, logger) else {
                throw StoreError(.paperNotFound, "paper \(paperID) is not in the store")
            }
            let userID = try await Self.userID(submitter, c, logger)
            let inserted = try await c.run(
                """
                INSERT INTO daily_submission (paper_id, day, submitter_id, submitted_at, github_repo, project_page)
                VALUES (\(paperID), \(day.description), \(userID), \(date), \(githubRepo), \(projectPage))
                ON CONFLICT (paper_id) DO NOTHING RETURNING 1
                """, logger)
            let stored = try await Self.submission(paperID, c, logger).written("the submission of \(paperID)")
            if inserted == 0 {
                throw StoreError(
                    .alreadySubmitted,
                    "paper \(paperID) is already on the daily feed of \(stored.day), submitted by \(stored.submitter)")
            }
            return stored
        }
    }

    @discardableResult
    public func removeSubmission(paperID: String) async throws -> Bool {
        try await write { c in
            try await c.run("DELETE FROM daily_submission WHERE paper_id = \(paperID) RETURNING 1", logger) > 0
        }
    }

    // MARK: Batched imports

    public func importJournal(file: ImportFileIdentity) async throws -> ImportJournalEntry? {
        try await read { c in try await Self.journalEntry(file, c, logger) }
    }

    public func applyImportBatch(
        _ records: [ImportRecord], file: ImportFileIdentity, offset: Int, timeLimit: Duration
    ) async throws -> ImportBatchResult {
        guard offset >= 0 else { throw StoreError(.invalidInput, "an import batch cannot start at record \(offset)") }
        return try await write { c in
            let now = clock.now()
            var batch = try await PaperWriteBatch(c, logger, now: now)
            // The batch's time budget is measured on the monotonic clock (a duration, not a time of day), from
            // when it holds the paper writers' lock.
            let deadline = ContinuousClock().now.advanced(by: timeLimit)
            var entry: ImportJournalEntry
            if let existing = try await Self.journalEntry(file, c, logger, lock: true) {
                guard existing.recordsApplied == offset else {
                    throw StoreError(
                        .invalidInput,
                        "the import journal of \(file.path) has \(existing.recordsApplied) records applied, not \(offset): "
                            + "is another import of this file running?")
                }
                entry = existing
            } else {
                guard offset == 0 else {
                    throw StoreError(
                        .invalidInput, "no import of \(file.path) is in progress to continue at record \(offset)")
                }
                // A fresh import of this path: entries of earlier versions of the file (or other settings) can
                // never be continued, so they go.
                try await c.run("DELETE FROM import_journal WHERE path = \(file.path)", logger)
                entry = ImportJournalEntry(
                    file: file, recordsApplied: 0, summary: ImportSummary(), startedAt: now, updatedAt: now)
            }
            let applied = try await batch.add(records: records[...], until: deadline)
            let done = try await batch.commit()
            entry.summary.inserted += done.summary.inserted
            entry.summary.updated += done.summary.updated
            entry.summary.unchanged += done.summary.unchanged
            entry.summary.submissionsAdded += done.summary.submissionsAdded
            entry.recordsApplied += applied
            entry.updatedAt = now
            let s = entry.summary
            try await c.run(
                """
                INSERT INTO import_journal (path, size, sha256, settings, records_applied, inserted, updated, unchanged,
                  submissions_added, started_at, updated_at)
                VALUES (\(file.path), \(file.size), \(file.sha256), \(file.settings), \(entry.recordsApplied),
                  \(s.inserted), \(s.updated), \(s.unchanged), \(s.submissionsAdded), \(entry.startedAt), \(now))
                ON CONFLICT (path, size, sha256, settings) DO UPDATE SET records_applied = excluded.records_applied,
                  inserted = excluded.inserted, updated = excluded.updated, unchanged = excluded.unchanged,
                  submissions_added = excluded.submissions_added, updated_at = excluded.updated_at
                """, logger)
            return ImportBatchResult(applied: applied, recordsApplied: entry.recordsApplied, summary: entry.summary)
        }
    }

    public func finishImport(file: ImportFileIdentity) async throws -> ImportSummary {
        try await write { c in
            let summary = try await Self.journalEntry(file, c, logger)?.summary ?? ImportSummary()
            try await c.run(
                """
                DELETE FROM import_journal
                WHERE path = \(file.path) AND size = \(file.size) AND sha256 = \(file.sha256) AND settings = \(file.settings)
                """, logger)
            return summary
        }
    }

    static func journalEntry(
        _ file: ImportFileIdentity, _ c: PostgresConnection, _ logger: Logger, lock: Bool = false
    ) async throws -> ImportJournalEntry? {
        try await c.firstRow(
            """
            SELECT * FROM import_journal
            WHERE path = \(file.path) AND size = \(file.size) AND sha256 = \(file.sha256) AND settings = \(file.settings)
            \(unescaped: lock ? "FOR UPDATE" : "")
            """, logger
        ).map { row in
            ImportJournalEntry(
                file: file, recordsApplied: Int(try row.get("records_applied", as: Int64.self)),
                summary: ImportSummary(
                    inserted: Int(try row.get("inserted", as: Int64.self)),
                    updated: Int(try row.get("updated", as: Int64.self)),
                    unchanged: Int(try row.get("unchanged", as: Int64.self)),
                    submissionsAdded: Int(try row.get("submissions_added", as: Int64.self))),
                startedAt: try row.get("started_at"), updatedAt: try row.get("updated_at"))
        }
    }

    // MARK: Harvests

    public func harvestState(_ key: HarvestKey) async throws -> HarvestState? {
        try await read { c in
            try await c.firstRow(
                """
                SELECT * FROM harvest_state
                WHERE endpoint = \(key.endpoint) AND set_spec = \(key.set) AND metadata_prefix = \(key.metadataPrefix)
                """, logger
            ).map(Self.harvestState(from:))
        }
    }

    public func harvestStates() async throws -> [HarvestState] {
        try await read { c in
            try await c.rows("SELECT * FROM harvest_state ORDER BY endpoint, set_spec, metadata_prefix", logger)
                .map(Self.harvestState(from:))
        }
    }

    @discardableResult
    public func applyHarvestPage(
        papers: [Paper], withdrawn: [String], state: HarvestState
    ) async throws -> ImportSummary {
        try await write { c in
            let clockNow = clock.now()
            var batch = try await PaperWriteBatch(c, logger, now: clockNow)
            try await batch.add(papers: papers)
            let summary = try await batch.commit().summary
            let now = state.lastSuccessAt ?? clockNow
            if !withdrawn.isEmpty {
                try await c.run(
                    """
                    INSERT INTO paper_withdrawal (paper_id, withdrawn_at)
                    SELECT id, \(now) FROM paper WHERE id = ANY(\(withdrawn))
                    ON CONFLICT (paper_id) DO NOTHING
                    """, logger)
            }
            try await c.run(
                """
                INSERT INTO harvest_state (endpoint, set_spec, metadata_prefix, last_datestamp, resumption_token,
                  harvest_from, harvest_until, seen_up_to, records_harvested, last_success_at, last_error,
                  last_error_at, updated_at)
                VALUES (\(state.key.endpoint), \(state.key.set), \(state.key.metadataPrefix),
                  \(state.lastDatestamp?.description), \(state.resumptionToken), \(state.harvestFrom?.description),
                  \(state.harvestUntil?.description), \(state.seenUpTo?.description), \(state.recordsHarvested),
                  \(state.lastSuccessAt), \(state.lastError), \(state.lastErrorAt), \(clockNow))
                ON CONFLICT (endpoint, set_spec, metadata_prefix) DO UPDATE SET
                  last_datestamp = excluded.last_datestamp, resumption_token = excluded.resumption_token,
                  harvest_from = excluded.harvest_from, harvest_until = excluded.harvest_until,
                  seen_up_to = excluded.seen_up_to, records_harvested = excluded.records_harvested,
                  last_success_at = excluded.last_success_at, last_error = excluded.last_error,
                  last_error_at = excluded.last_error_at, updated_at = excluded.updated_at
                """, logger)
            return summary
        }
    }

    public func recordHarvestError(_ key: HarvestKey, message: String, at date: Date) async throws {
        try await write { c in
            try await c.run(
                """
                INSERT INTO harvest_state (endpoint, set_spec, metadata_prefix, last_error, last_error_at, updated_at)
                VALUES (\(key.endpoint), \(key.set), \(key.metadataPrefix), \(String(message.prefix(2000))), \(date), \(date))
                ON CONFLICT (endpoint, set_spec, metadata_prefix) DO UPDATE SET
                  last_error = excluded.last_error, last_error_at = excluded.last_error_at,
                  updated_at = excluded.updated_at
                """, logger)
        }
    }

    static func harvestState(from row: PostgresRandomAccessRow) throws -> HarvestState {
        HarvestState(
            key: HarvestKey(
                endpoint: try row.get("endpoint"), set: try row.get("set_spec"),
                metadataPrefix: try row.get("metadata_prefix")),
            lastDatestamp: try row.get("last_datestamp", as: String?.self).flatMap(Day.init),
            resumptionToken: try row.get("resumption_token"),
            harvestFrom: try row.get("harvest_from", as: String?.self).flatMap(Day.init),
            harvestUntil: try row.get("harvest_until", as: String?.self).flatMap(Day.init),
            seenUpTo: try row.get("seen_up_to", as: String?.self).flatMap(Day.init),
            recordsHarvested: Int(try row.get("records_harvested", as: Int64.self)),
            lastSuccessAt: try row.get("last_success_at"), lastError: try row.get("last_error"),
            lastErrorAt: try row.get("last_error_at"))
    }

    // MARK: Embeddings

    public func embeddingProgress(model: String) async throws -> Int64 {
        try await read { c in
            try await c.value(
                Int64.self, "SELECT last_sequence FROM embedding_progress WHERE model = \(model)", logger)
        } ?? 0
    }

    private struct EmbeddingRow: Encodable {
        var paper_id: String
        var vector: String
        var chunks: Int
    }

    public func saveEmbeddings(
        _ embeddings: [PaperEmbedding], model: String, throughSequence sequence: Int64
    ) async throws {
        var rows: [String: EmbeddingRow] = [:]
        var order: [String] = []
        for embedding in embeddings {
            let dimension = embedding.vectors.first?.count ?? 0
            guard dimension > 0, embedding.vectors.allSatisfy({ $0.count == dimension && $0.allSatisfy(\.isFinite) })
            else {
                throw StoreError(.invalidInput, "embedding of \(embedding.paperID) is empty or not finite")
            }
            // Little-endian float32 back to back, as SQLite keeps them; the last vectors given for a paper win.
            let floats = embedding.vectors.flatMap { $0 }
            let bytes = floats.withUnsafeBufferPointer { Data(buffer: $0) }
            if rows[embedding.paperID] == nil { order.append(embedding.paperID) }
            rows[embedding.paperID] = EmbeddingRow(
                paper_id: embedding.paperID, vector: bytes.base64EncodedString(), chunks: embedding.vectors.count)
        }
        let payload = Self.json(order.map { rows[$0]! })
        try await write { c in
            // Vectors of another model go; other segmentations of this model (`model+tag`) stay.
            let identity = String(model.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false)[0])
            try await c.run("DELETE FROM paper_embedding WHERE split_part(model, '+', 1) <> \(identity)", logger)
            try await c.run("DELETE FROM embedding_progress WHERE split_part(model, '+', 1) <> \(identity)", logger)
            if !order.isEmpty {
                let known = Set(
                    try await c.values(String.self, "SELECT id FROM paper WHERE id = ANY(\(order))", logger))
                if let missing = order.first(where: { !known.contains($0) }) {
                    throw StoreError(.paperNotFound, "paper \(missing) is not in the store")
                }
                try await c.run(
                    """
                    INSERT INTO paper_embedding (model, paper_id, vector, chunks, change_seq)
                    SELECT \(model), r.paper_id, decode(r.vector, 'base64'), r.chunks, p.change_seq
                    FROM jsonb_to_recordset(\(payload)::jsonb) AS r(paper_id text, vector text, chunks int)
                    JOIN paper p ON p.id = r.paper_id
                    ON CONFLICT (model, paper_id) DO UPDATE SET vector = excluded.vector, chunks = excluded.chunks,
                      change_seq = excluded.change_seq
                    """, logger)
            }
            try await c.run(
                """
                INSERT INTO embedding_progress (model, last_sequence) VALUES (\(model), \(sequence))
                ON CONFLICT (model) DO UPDATE
                  SET last_sequence = GREATEST(embedding_progress.last_sequence, excluded.last_sequence)
                """, logger)
        }
    }

    public func embeddings(model: String, changedAfter sequence: Int64, limit: Int) async throws -> [EmbeddingChange] {
        try await read { c in
            try await c.rows(
                """
                SELECT paper_id, vector, chunks, change_seq FROM paper_embedding
                WHERE model = \(model) AND change_seq > \(sequence) ORDER BY change_seq LIMIT \(max(0, limit))
                """, logger
            ).map { row in
                let data: Data = try row.get("vector")
                let floats = data.withUnsafeBytes { raw in Array(raw.bindMemory(to: Float.self)) }
                let chunks = max(1, Int(try row.get("chunks", as: Int32.self)))
                let width = floats.count / chunks
                return EmbeddingChange(
                    sequence: try row.get("change_seq"),
                    embedding: PaperEmbedding(
                        paperID: try row.get("paper_id"),
                        vectors: (0..<chunks).map { Array(floats[($0 * width)..<(($0 + 1) * width)]) }))
            }
        }
    }

    public func embeddingCount(model: String) async throws -> Int {
        try await read { c in
            try await c.value(Int.self, "SELECT COUNT(*) FROM paper_embedding WHERE model = \(model)", logger) ?? 0
        }
    }
}
