import Foundation
import Logging
import PaperModel
import PaperStore
import PostgresNIO

/// Papers, the change feed, and the writes that store papers in bulk (upserts, imports, harvested pages).
extension PostgresPaperStore {
    /// The paper columns as `paper(from:)` reads them.
    static let paperColumns = """
        p.id, p.version, p.title, p.abstract, p.authors::text AS authors, p.categories::text AS categories,
        p.published_at, p.updated_at, p.comments, p.journal_ref, p.doi, p.links::text AS links
        """

    static func paper(from row: PostgresRandomAccessRow) throws -> Paper {
        Paper(
            id: try row.get("id"), version: Int(try row.get("version", as: Int32.self)), title: try row.get("title"),
            abstract: try row.get("abstract"),
            authors: try decode([String].self, try row.get("authors"), column: "authors"),
            categories: try decode([String].self, try row.get("categories"), column: "categories"),
            publishedAt: try row.get("published_at"), updatedAt: try row.get("updated_at"),
            comments: try row.get("comments"), journalRef: try row.get("journal_ref"), doi: try row.get("doi"),
            links: try decode([PaperLink].self, try row.get("links"), column: "links"))
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

    /// Midnight after `day`: the exclusive upper bound of its instants.
    static func endOf(_ day: Day) -> Date { Date(timeIntervalSince1970: Double(day.daysSinceEpoch + 1) * 86_400) }

    // MARK: Status and reads

    public func status() async throws -> StoreStatus {
        try await snapshot { c in
            let version = try await c.value(
                String.self, "SELECT version FROM schema_migrations ORDER BY applied_at DESC, version DESC LIMIT 1",
                logger)
            return StoreStatus(
                backend: "postgresql", schemaVersion: version ?? "none",
                paperCount: try await c.value(Int.self, "SELECT COUNT(*) FROM paper", logger) ?? 0,
                latestChangeSequence: try await c.value(
                    Int64.self, "SELECT value FROM change_counter WHERE id = 1", logger) ?? 0)
        }
    }

    public func paper(id: String) async throws -> Paper? {
        try await read { c in
            try await c.firstRow("SELECT \(unescaped: Self.paperColumns) FROM paper p WHERE p.id = \(id)", logger)
                .map(Self.paper(from:))
        }
    }

    public func paperCount() async throws -> Int {
        try await read { c in try await c.value(Int.self, "SELECT COUNT(*) FROM paper", logger) ?? 0 }
    }

    public func papers(ids: [String]) async throws -> [Paper] {
        guard !ids.isEmpty else { return [] }
        let found = try await read { c in
            try await c.rows("SELECT \(unescaped: Self.paperColumns) FROM paper p WHERE p.id = ANY(\(ids))", logger)
                .map(Self.paper(from:))
        }
        let byID = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return ids.compactMap { byID[$0] }
    }

    public func papersPublished(on day: Day, category: String?, limit: Int) async throws -> [Paper] {
        guard limit > 0 else { return [] }
        return try await read { c in
            let categories = category.map { Self.json([$0]) }
            return try await c.rows(
                """
                SELECT \(unescaped: Self.paperColumns) FROM paper p
                WHERE p.published_at >= \(day.startDate) AND p.published_at < \(Self.endOf(day))
                  AND (\(categories)::jsonb IS NULL OR p.categories @> \(categories)::jsonb)
                ORDER BY p.published_at DESC, p.id LIMIT \(limit)
                """, logger
            ).map(Self.paper(from:))
        }
    }

    public func latestPublishedDay(onOrBefore day: Day?) async throws -> Day? {
        let bound = day.map(Self.endOf)
        return try await read { c in
            try await c.value(
                Date.self,
                "SELECT MAX(published_at) FROM paper WHERE \(bound)::timestamptz IS NULL OR published_at < \(bound)",
                logger)
        }.map(Day.init)
    }

    public func neighbouringPublishedDays(of day: Day) async throws -> (previous: Day?, next: Day?) {
        try await read { c in
            let row = try await c.firstRow(
                """
                SELECT (SELECT MAX(published_at) FROM paper WHERE published_at < \(day.startDate)) AS previous,
                       (SELECT MIN(published_at) FROM paper WHERE published_at >= \(Self.endOf(day))) AS next
                """, logger)
            return (
                try row?.get("previous", as: Date?.self).map(Day.init),
                try row?.get("next", as: Date?.self).map(Day.init)
            )
        }
    }

    public func existingPaperIDs(_ ids: [String]) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return try await read { c in
            // A listing id that became an arXiv paper: records naming it apply to that paper.
            Set(
                try await c.values(
                    String.self,
                    """
                    SELECT id FROM paper WHERE id = ANY(\(ids))
                    UNION SELECT local_id FROM paper_alias WHERE local_id = ANY(\(ids))
                    """, logger))
        }
    }

    public func withdrawal(paperID: String) async throws -> Date? {
        try await read { c in
            try await c.value(
                Date.self, "SELECT withdrawn_at FROM paper_withdrawal WHERE paper_id = \(paperID)", logger)
        }
    }

    // MARK: The change feed

    public func changes(after sequence: Int64, limit: Int) async throws -> [PaperChange] {
        let limit = max(0, limit)
        // One statement, so one snapshot: papers and deletions of the same transactions are seen together. Commits
        // happen in sequence order (the counter row, PostgresSchema), so this snapshot holds every change up to
        // the largest sequence it shows.
        return try await read { c in
            try await c.rows(
                """
                (SELECT false AS deleted, p.change_seq, \(unescaped: Self.paperColumns)
                 FROM paper p WHERE p.change_seq > \(sequence) ORDER BY p.change_seq LIMIT \(limit))
                UNION ALL
                (SELECT true, d.change_seq, d.paper_id, 1, d.title, '', '[]', '[]', NULL, NULL, NULL, NULL, NULL, '[]'
                 FROM paper_deletion d WHERE d.change_seq > \(sequence) ORDER BY d.change_seq LIMIT \(limit))
                ORDER BY change_seq LIMIT \(limit)
                """, logger
            ).map { row in
                let sequence: Int64 = try row.get("change_seq")
                if try row.get("deleted", as: Bool.self) {
                    return PaperChange(
                        sequence: sequence,
                        paper: Paper(id: try row.get("id"), title: try row.get("title"), abstract: ""),
                        kind: .deleted)
                }
                return PaperChange(sequence: sequence, paper: try Self.paper(from: row))
            }
        }
    }

    public func latestChangeSequence() async throws -> Int64 {
        try await read { c in try await c.value(Int64.self, "SELECT value FROM change_counter WHERE id = 1", logger) }
            ?? 0
    }

    // MARK: Writing papers

    @discardableResult
    public func upsert(_ papers: [Paper]) async throws -> ImportSummary {
        try await write { c in
            var batch = try await PaperWriteBatch(c, logger, now: clock.now())
            try await batch.add(papers: papers)
            return try await batch.commit().summary
        }
    }

    public func importRecords(from source: any ImportRecordSource) async throws -> ImportSummary {
        try await write { c in
            var batch = try await PaperWriteBatch(c, logger, now: clock.now())
            var records: [ImportRecord] = []
            while let record = try source.next() { records.append(record) }
            try await batch.add(records: records[...])
            return try await batch.commit().summary
        }
    }

    public func resolveLocalPaper(localID: String, arxivID: String) async throws {
        guard LocalPaperID.isLocal(localID) else {
            throw StoreError(.invalidInput, "\(localID) is not a local paper id")
        }
        guard !LocalPaperID.isLocal(arxivID) else {
            throw StoreError(.invalidInput, "\(arxivID) is a local paper id, not an arXiv id")
        }
        try await write { c in
            var batch = try await PaperWriteBatch(c, logger, now: clock.now())
            if try await c.value(String.self, "SELECT paper_id FROM paper_alias WHERE local_id = \(localID)", logger)
                == arxivID
            {
                return
            }
            for id in [localID, arxivID] {
                guard try await Self.paperExists(id, c, logger) else {
                    throw StoreError(.paperNotFound, "paper \(id) is not in the store")
                }
            }
            try await batch.merge(localID: localID, into: arxivID)
            _ = try await batch.commit()
        }
    }

    public func alias(of id: String) async throws -> String? {
        try await read { c in
            try await c.value(String.self, "SELECT paper_id FROM paper_alias WHERE local_id = \(id)", logger)
        }
    }

    public func ambiguousResolutions() async throws -> [AmbiguousResolution] {
        try await read { c in
            try await c.rows(
                """
                SELECT c.local_id, l.title AS local_title, c.arxiv_id, a.title AS arxiv_title, c.recorded_at
                FROM paper_resolution_conflict c
                JOIN paper l ON l.id = c.local_id
                JOIN paper a ON a.id = c.arxiv_id
                ORDER BY c.recorded_at, c.local_id, c.arxiv_id
                """, logger
            ).map {
                AmbiguousResolution(
                    localID: try $0.get("local_id"), localTitle: try $0.get("local_title"),
                    arxivID: try $0.get("arxiv_id"), arxivTitle: try $0.get("arxiv_title"),
                    recordedAt: try $0.get("recorded_at"))
            }
        }
    }

    public func localPapers() async throws -> [Paper] {
        try await read { c in
            try await c.rows(
                "SELECT \(unescaped: Self.paperColumns) FROM paper p WHERE p.id >= 'pb-' AND p.id < 'pb.' ORDER BY p.id",
                logger
            ).map(Self.paper(from:)).filter { LocalPaperID.isLocal($0.id) }
        }
    }

    static func paperExists(_ id: String, _ c: PostgresConnection, _ logger: Logger) async throws -> Bool {
        try await c.value(Bool.self, "SELECT EXISTS(SELECT 1 FROM paper WHERE id = \(id))", logger) ?? false
    }
}

/// The papers (and daily submissions) one write transaction stores, applied in a few multi-row statements
/// rather than one round trip per record.
///
/// Created at the start of the transaction, it locks the change counter row first: writers of papers then
/// run one at a time, as in SQLite, so the records are classified (new, newer, unchanged) against a state no
/// one else changes meanwhile, and sequences commit in order. Records are applied in order, as SQLite applies
/// them one by one: a later record of the same paper sees the earlier one.
struct PaperWriteBatch {
    let c: PostgresConnection
    let logger: Logger
    let now: Date
    /// The last sequence taken; written back to the counter row by `commit()`.
    private(set) var sequence: Int64
    private let startSequence: Int64
    var summary = ImportSummary()
    /// Stored papers as this transaction knows them (loaded on first sight, then as written here).
    private var known: [String: Paper?] = [:]
    /// Papers to write, by id, with their sequence (the last record of a paper wins, with the last sequence).
    private var pending: [String: (paper: Paper, sequence: Int64)] = [:]
    private var pendingOrder: [String] = []
    private var aliases: [String: String] = [:]
    private var titles: Set<String> = []
    private var submissions: [(paperID: String, day: Day, submitter: String)] = []

    init(_ c: PostgresConnection, _ logger: Logger, now: Date) async throws {
        self.c = c
        self.logger = logger
        self.now = now
        let value = try await c.value(
            Int64.self, "SELECT value FROM change_counter WHERE id = 1 FOR UPDATE", logger)
        guard let value else { throw StoreError(.storage, "the change counter row is missing") }
        sequence = value
        startSequence = value
    }

    /// Loads what is stored of `ids` not seen yet: papers and aliases, two statements.
    private mutating func load(_ ids: [String]) async throws {
        let unseen = Array(Set(ids.filter { known[$0] == nil }))
        guard !unseen.isEmpty else { return }
        for id in unseen { known[id] = .some(nil) }
        for row in try await c.rows(
            "SELECT \(unescaped: PostgresPaperStore.paperColumns) FROM paper p WHERE p.id = ANY(\(unseen))", logger)
        {
            let paper = try PostgresPaperStore.paper(from: row)
            known[paper.id] = .some(paper)
        }
        let locals = unseen.filter(LocalPaperID.isLocal)
        if !locals.isEmpty {
            for row in try await c.rows(
                "SELECT local_id, paper_id FROM paper_alias WHERE local_id = ANY(\(locals))", logger)
            {
                aliases[try row.get("local_id")] = try row.get("paper_id")
            }
        }
    }

    mutating func add(papers: [Paper]) async throws {
        try await load(papers.map(\.id))
        for paper in papers { try add(paper) }
    }

    /// Applies records in order; returns how many, stopping early (after at least one) once `deadline` passed.
    @discardableResult
    mutating func add(
        records: ArraySlice<ImportRecord>, until deadline: ContinuousClock.Instant? = nil
    ) async throws
        -> Int
    {
        var ids: [String] = []
        for record in records {
            switch record {
            case .paper(let paper): ids.append(paper.id)
            case .dailySubmission(let paperID, _, _): ids.append(paperID)
            }
        }
        try await load(ids)
        var applied = 0
        for record in records {
            switch record {
            case .paper(let paper):
                try add(paper)
            case .dailySubmission(let submittedID, let day, let submitter):
                let paperID = aliases[submittedID] ?? submittedID
                if known[paperID] == nil { try await load([paperID]) }
                guard case .some(.some) = known[paperID] else {
                    throw StoreError(.paperNotFound, "paper \(paperID) is not in the store")
                }
                guard User.isValidUsername(submitter) else {
                    throw StoreError(
                        .invalidUsername, "submitter \(submitter.debugDescription) is not a valid username")
                }
                submissions.append((paperID, day, submitter))
            }
            applied += 1
            if let deadline, ContinuousClock().now >= deadline { break }
        }
        return applied
    }

    private mutating func add(_ paper: Paper) throws {
        guard !paper.id.isEmpty, !paper.title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw StoreError(.invalidInput, "paper \(paper.id.debugDescription) has no title")
        }
        // A listing paper that became an arXiv paper stays that paper: importing the listing again changes nothing.
        if LocalPaperID.isLocal(paper.id), aliases[paper.id] != nil {
            summary.unchanged += 1
            return
        }
        if case .some(.some(let current)) = known[paper.id] {
            if current.version > paper.version || current == paper {
                summary.unchanged += 1
                return
            }
            summary.updated += 1
        } else {
            summary.inserted += 1
        }
        sequence += 1
        if pending[paper.id] == nil { pendingOrder.append(paper.id) }
        pending[paper.id] = (paper, sequence)
        known[paper.id] = .some(paper)
        titles.insert(LocalPaperID.normalizedTitle(paper.title))
    }

    private struct PaperRow: Encodable {
        var id: String
        var version: Int
        var title: String
        var abstract: String
        var authors: [String]
        var categories: [String]
        var primary_category: String?
        var published_at: Double?
        var updated_at: Double?
        var comments: String?
        var journal_ref: String?
        var doi: String?
        var links: [PaperLink]
        var change_seq: Int64
        var title_key: String
    }

    /// Writes the pending papers (one statement), then the submissions, resolves listing papers and saves the
    /// counter. Returns the batch for its summary.
    mutating func commit() async throws -> PaperWriteBatch {
        try await flushPapers()
        try await flushSubmissions()
        try await resolveListingPapers()
        if sequence != startSequence {
            try await c.run("UPDATE change_counter SET value = \(sequence) WHERE id = 1", logger)
        }
        return self
    }

    private mutating func flushPapers() async throws {
        guard !pendingOrder.isEmpty else { return }
        let rows = pendingOrder.map { id -> PaperRow in
            let (paper, sequence) = pending[id]!
            return PaperRow(
                id: paper.id, version: paper.version, title: paper.title, abstract: paper.abstract,
                authors: paper.authors, categories: paper.categories, primary_category: paper.primaryCategory,
                published_at: paper.publishedAt?.timeIntervalSince1970,
                updated_at: paper.updatedAt?.timeIntervalSince1970, comments: paper.comments,
                journal_ref: paper.journalRef, doi: paper.doi, links: paper.links, change_seq: sequence,
                title_key: LocalPaperID.normalizedTitle(paper.title))
        }
        pending = [:]
        pendingOrder = []
        // A paper moving to a new sequence frees its old one only once the statement is done; the unique
        // constraint on change_seq is checked per row, and sequences only grow, so no row takes another's.
        try await c.run(
            """
            INSERT INTO paper (id, version, title, abstract, authors, categories, primary_category, published_at,
              updated_at, comments, journal_ref, doi, links, change_seq, title_key, created_at)
            SELECT r.id, r.version, r.title, r.abstract, r.authors, r.categories, r.primary_category,
              to_timestamp(r.published_at), to_timestamp(r.updated_at), r.comments, r.journal_ref, r.doi, r.links,
              r.change_seq, r.title_key, \(now)
            FROM jsonb_to_recordset(\(PostgresPaperStore.json(rows))::jsonb) AS r(id text, version int, title text,
              abstract text, authors jsonb, categories jsonb, primary_category text, published_at float8,
              updated_at float8, comments text, journal_ref text, doi text, links jsonb, change_seq bigint,
              title_key text)
            ON CONFLICT (id) DO UPDATE SET version = excluded.version, title = excluded.title,
              abstract = excluded.abstract, authors = excluded.authors, categories = excluded.categories,
              primary_category = excluded.primary_category, published_at = excluded.published_at,
              updated_at = excluded.updated_at, comments = excluded.comments, journal_ref = excluded.journal_ref,
              doi = excluded.doi, links = excluded.links, change_seq = excluded.change_seq,
              title_key = excluded.title_key
            """, logger)
    }

    private mutating func flushSubmissions() async throws {
        guard !submissions.isEmpty else { return }
        let names = Array(Set(submissions.map(\.submitter)))
        // The accounts importers submit on behalf of: created as curators without password when missing.
        try await c.run(
            """
            INSERT INTO account (username, display_name, role, created_at)
            SELECT n, n, 'curator', \(now) FROM unnest(\(names)::text[]) AS n
            WHERE NOT EXISTS (SELECT 1 FROM account a WHERE lower(a.username) = lower(n))
            ON CONFLICT DO NOTHING
            """, logger)
        // A paper keeps its first submission: later ones (in this batch or stored) change nothing.
        var seen: Set<String> = []
        let first = submissions.filter { seen.insert($0.paperID).inserted }
        submissions = []
        summary.submissionsAdded += try await c.run(
            """
            INSERT INTO daily_submission (paper_id, day, submitter_id, submitted_at)
            SELECT s.paper_id, s.day, a.id, s.submitted_at
            FROM unnest(\(first.map(\.paperID))::text[], \(first.map(\.day.description))::text[],
                        \(first.map(\.submitter))::text[], \(first.map(\.day.startDate))::timestamptz[])
                 WITH ORDINALITY AS s(paper_id, day, submitter, submitted_at, n)
            JOIN account a ON lower(a.username) = lower(s.submitter)
            ORDER BY s.n
            ON CONFLICT (paper_id) DO NOTHING
            RETURNING 1
            """, logger)
    }

    /// When a title written here pairs exactly one listing paper with exactly one arXiv paper (first authors
    /// agreeing when the listing paper has authors), the listing paper becomes the arXiv paper; several pairs are
    /// recorded for curators and nothing moves (SQLitePaperStore+Alias.swift).
    private mutating func resolveListingPapers() async throws {
        guard !titles.isEmpty else { return }
        let keys = Array(titles)
        titles = []
        var groups: [String: [(id: String, firstAuthor: String?)]] = [:]
        for row in try await c.rows(
            """
            SELECT id, authors::text AS authors, title_key FROM paper
            WHERE title_key IN (SELECT title_key FROM paper WHERE title_key = ANY(\(keys))
                                GROUP BY title_key HAVING COUNT(*) >= 2)
            """, logger)
        {
            let authors = try PostgresPaperStore.decode([String].self, try row.get("authors"), column: "authors")
            groups[try row.get("title_key"), default: []].append(
                (try row.get("id"), authors.first.map(LocalPaperID.normalizedAuthor)))
        }
        for key in groups.keys.sorted() {
            let rows = groups[key]!.sorted { $0.id < $1.id }
            let locals = rows.filter { LocalPaperID.isLocal($0.id) }
            let arxivs = rows.filter { !LocalPaperID.isLocal($0.id) }
            var pairs: [(local: String, arxiv: String)] = []
            for local in locals {
                for arxiv in arxivs where local.firstAuthor == nil || local.firstAuthor == arxiv.firstAuthor {
                    pairs.append((local.id, arxiv.id))
                }
            }
            if pairs.count == 1 {
                try await merge(localID: pairs[0].local, into: pairs[0].arxiv)
            } else if !pairs.isEmpty {
                try await c.run(
                    """
                    INSERT INTO paper_resolution_conflict (local_id, arxiv_id, recorded_at)
                    SELECT l, a, \(now) FROM unnest(\(pairs.map(\.local))::text[], \(pairs.map(\.arxiv))::text[]) AS p(l, a)
                    ON CONFLICT (local_id, arxiv_id) DO NOTHING
                    """, logger)
            }
        }
    }

    /// Tables keyed by paper whose rows move to the arXiv paper, with the other columns of their key: a row stays
    /// behind (and goes with the listing paper) when the arXiv paper has the same one already. Embeddings are of
    /// the listing text, the arXiv paper gets its own; the submission is handled apart.
    static let movedTables: [(table: String, key: [String])] = [
        ("author_claim", ["user_id"]), ("collection_item", ["collection_id"]), ("comment", ["id"]),
        ("paper_alias", ["local_id"]), ("paper_rejection", ["user_id"]), ("paper_view", ["user_id"]),
        ("paper_withdrawal", []), ("upvote", ["user_id"]),
    ]

    /// Moves everything hanging off `localID` to `arxivID`, deletes the listing paper (a deletion in the change
    /// sequence) and records the alias.
    mutating func merge(localID: String, into arxivID: String) async throws {
        // One submission per paper: the earlier one stays.
        let localSubmitted = try await c.value(
            Date.self, "SELECT submitted_at FROM daily_submission WHERE paper_id = \(localID)", logger)
        if let localSubmitted {
            let arxivSubmitted = try await c.value(
                Date.self, "SELECT submitted_at FROM daily_submission WHERE paper_id = \(arxivID)", logger)
            if let arxivSubmitted, arxivSubmitted <= localSubmitted {
                try await c.run("DELETE FROM daily_submission WHERE paper_id = \(localID)", logger)
            } else {
                try await c.run("DELETE FROM daily_submission WHERE paper_id = \(arxivID)", logger)
                try await c.run(
                    "UPDATE daily_submission SET paper_id = \(arxivID) WHERE paper_id = \(localID)", logger)
            }
        }
        for (table, key) in Self.movedTables {
            let same = key.map { "o.\($0) = t.\($0)" }.joined(separator: " AND ")
            try await c.run(
                """
                UPDATE \(unescaped: table) t SET paper_id = \(arxivID) WHERE t.paper_id = \(localID)
                  AND NOT EXISTS (SELECT 1 FROM \(unescaped: table) o WHERE o.paper_id = \(arxivID)
                                  \(unescaped: same.isEmpty ? "" : "AND " + same))
                """, logger)
        }
        let title =
            try await c.value(String.self, "SELECT title FROM paper WHERE id = \(localID)", logger) ?? ""
        sequence += 1
        try await c.run(
            """
            INSERT INTO paper_deletion (paper_id, title, change_seq, deleted_at) VALUES (\(localID), \(title), \(sequence), \(now))
            ON CONFLICT (paper_id) DO UPDATE SET title = excluded.title, change_seq = excluded.change_seq,
              deleted_at = excluded.deleted_at
            """, logger)
        try await c.run("DELETE FROM paper WHERE id = \(localID)", logger)
        try await c.run(
            """
            INSERT INTO paper_alias (local_id, paper_id, created_at) VALUES (\(localID), \(arxivID), \(now))
            ON CONFLICT (local_id) DO UPDATE SET paper_id = excluded.paper_id
            """, logger)
        known[localID] = .some(nil)
        aliases[localID] = arxivID
    }
}
