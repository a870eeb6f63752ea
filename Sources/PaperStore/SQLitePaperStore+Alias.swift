import Foundation
import GRDB
import PaperModel

/// Listing papers (local `pb-` ids) resolved to their arXiv records: matching by normalized title, moving the
/// community data, aliases and the matches curators decide.
extension SQLitePaperStore {
    public func alias(of id: String) async throws -> String? {
        try await read { db in try Self.aliasTarget(id, db) }
    }

    public func ambiguousResolutions() async throws -> [AmbiguousResolution] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.local_id, l.title AS local_title, c.arxiv_id, a.title AS arxiv_title, c.recorded_at
                    FROM paper_resolution_conflict c
                    JOIN paper l ON l.id = c.local_id
                    JOIN paper a ON a.id = c.arxiv_id
                    ORDER BY c.recorded_at, c.local_id, c.arxiv_id
                    """
            ).map {
                AmbiguousResolution(
                    localID: $0["local_id"], localTitle: $0["local_title"], arxivID: $0["arxiv_id"],
                    arxivTitle: $0["arxiv_title"], recordedAt: $0["recorded_at"])
            }
        }
    }

    public func localPapers() async throws -> [Paper] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM paper WHERE id >= 'pb-' AND id < 'pb.' ORDER BY id")
                .map(Self.paper(from:))
                .filter { LocalPaperID.isLocal($0.id) }
        }
    }

    public func resolveLocalPaper(localID: String, arxivID: String) async throws {
        guard LocalPaperID.isLocal(localID) else {
            throw StoreError(.invalidInput, "\(localID) is not a local paper id")
        }
        guard !LocalPaperID.isLocal(arxivID) else {
            throw StoreError(.invalidInput, "\(arxivID) is a local paper id, not an arXiv id")
        }
        try await write { db in
            if try Self.aliasTarget(localID, db) == arxivID { return }  // done before
            guard try Self.paperExists(localID, db) else {
                throw StoreError(.paperNotFound, "paper \(localID) is not in the store")
            }
            guard try Self.paperExists(arxivID, db) else {
                throw StoreError(.paperNotFound, "paper \(arxivID) is not in the store")
            }
            try Self.merge(localID: localID, into: arxivID, db, now: clock.now())
        }
    }

    // MARK: Inside the writing transactions

    static func aliasTarget(_ id: String, _ db: Database) throws -> String? {
        try String.fetchOne(
            db.cachedStatement(sql: "SELECT paper_id FROM paper_alias WHERE local_id = ?"), arguments: [id])
    }

    /// Called at the end of a write with the normalized titles of the papers it inserted or updated (so the
    /// whole write's records are seen together): when a title pairs exactly one listing paper with exactly one
    /// arXiv paper (first authors agreeing when the listing paper has authors), the listing paper becomes the
    /// arXiv paper; several pairs are recorded for curators and nothing moves.
    static func resolveListingPapers(titles: Set<String>, _ db: Database, now: Date) throws {
        for key in titles.sorted() { try resolveListingPapers(titleKey: key, db, now: now) }
    }

    static func resolveListingPapers(titleKey key: String, _ db: Database, now: Date) throws {
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT id, authors FROM paper WHERE title_key = ?"), arguments: [key])
        guard rows.count >= 2 else { return }
        var locals: [(id: String, firstAuthor: String?)] = []
        var arxivs: [(id: String, firstAuthor: String?)] = []
        for row in rows {
            let id: String = row["id"]
            let authors = try decode([String].self, row["authors"], column: "authors")
            let first = authors.first.map(LocalPaperID.normalizedAuthor)
            if LocalPaperID.isLocal(id) { locals.append((id, first)) } else { arxivs.append((id, first)) }
        }
        var pairs: [(local: String, arxiv: String)] = []
        for local in locals {
            for arxiv in arxivs where local.firstAuthor == nil || local.firstAuthor == arxiv.firstAuthor {
                pairs.append((local.id, arxiv.id))
            }
        }
        if pairs.count == 1 {
            try merge(localID: pairs[0].local, into: pairs[0].arxiv, db, now: now)
            return
        }
        for pair in pairs {
            try db.cachedStatement(
                sql: """
                    INSERT INTO paper_resolution_conflict (local_id, arxiv_id, recorded_at) VALUES (?, ?, ?)
                    ON CONFLICT(local_id, arxiv_id) DO NOTHING
                    """
            ).execute(arguments: [pair.local, pair.arxiv, now])
        }
    }

    /// Moves everything hanging off `localID` to `arxivID`, deletes the listing paper (a deletion in the change
    /// sequence) and records the alias.
    static func merge(localID: String, into arxivID: String, _ db: Database, now: Date) throws {
        // One submission per paper: the earlier one stays.
        let localSubmitted = try Date.fetchOne(
            db, sql: "SELECT submitted_at FROM daily_submission WHERE paper_id = ?", arguments: [localID])
        if let localSubmitted {
            let arxivSubmitted = try Date.fetchOne(
                db, sql: "SELECT submitted_at FROM daily_submission WHERE paper_id = ?", arguments: [arxivID])
            if let arxivSubmitted, arxivSubmitted <= localSubmitted {
                try db.execute(sql: "DELETE FROM daily_submission WHERE paper_id = ?", arguments: [localID])
            } else {
                try db.execute(sql: "DELETE FROM daily_submission WHERE paper_id = ?", arguments: [arxivID])
                try db.execute(
                    sql: "UPDATE daily_submission SET paper_id = ? WHERE paper_id = ?", arguments: [arxivID, localID])
            }
        }
        // Every other table keyed by paper (upvotes, comments, collection items, claims, aliases, and tables
        // added later): rows move unless the arXiv paper has the same one already (one upvote per user, one
        // claim per user, one item per collection); those left behind go with the listing paper's row.
        // Embeddings are of the listing text: the arXiv paper gets its own.
        let tables = try String.fetchAll(
            db,
            sql: """
                SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c
                WHERE m.type = 'table' AND c.name = 'paper_id'
                ORDER BY m.name
                """)
        for table in tables where !["daily_submission", "paper_embedding", "paper_deletion"].contains(table) {
            try db.execute(
                sql: "UPDATE OR IGNORE \(table.quotedDatabaseIdentifier) SET paper_id = ? WHERE paper_id = ?",
                arguments: [arxivID, localID])
        }
        let title = try String.fetchOne(db, sql: "SELECT title FROM paper WHERE id = ?", arguments: [localID]) ?? ""
        let sequence = try nextSequence(db)
        try db.execute(
            sql: """
                INSERT INTO paper_deletion (paper_id, title, change_seq, deleted_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(paper_id) DO UPDATE SET title = excluded.title, change_seq = excluded.change_seq,
                  deleted_at = excluded.deleted_at
                """,
            arguments: [localID, title, sequence, now])
        try db.execute(sql: "DELETE FROM paper WHERE id = ?", arguments: [localID])
        try db.execute(
            sql: """
                INSERT INTO paper_alias (local_id, paper_id, created_at) VALUES (?, ?, ?)
                ON CONFLICT(local_id) DO UPDATE SET paper_id = excluded.paper_id
                """,
            arguments: [localID, arxivID, now])
    }
}
