import Foundation
import GRDB
import PaperModel

/// Accounts, sessions, upvoters, comment editing, collections and author claims.
extension SQLitePaperStore {
    public func removeSubmission(paperID: String) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM daily_submission WHERE paper_id = ?", arguments: [paperID])
            return db.changesCount > 0
        }
    }

    // MARK: Upvotes

    public func upvoters(paperID: String) async throws -> [String] {
        try await read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT u.username FROM upvote v JOIN user u ON u.id = v.user_id
                    WHERE v.paper_id = ? ORDER BY v.created_at, u.username
                    """,
                arguments: [paperID])
        }
    }

    public func hasUpvoted(paperID: String, username: String) async throws -> Bool {
        try await read { db in
            try Bool.fetchOne(
                db,
                sql: """
                    SELECT EXISTS(SELECT 1 FROM upvote v JOIN user u ON u.id = v.user_id
                                  WHERE v.paper_id = ? AND u.username = ?)
                    """,
                arguments: [paperID, username]) ?? false
        }
    }

    public func upvotedPapers(by username: String) async throws -> [Paper] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT paper.* FROM upvote v JOIN user u ON u.id = v.user_id JOIN paper ON paper.id = v.paper_id
                    WHERE u.username = ? ORDER BY v.created_at DESC
                    """,
                arguments: [username]
            ).map(Self.paper(from:))
        }
    }

    // MARK: Comments

    static func comment(from row: Row) -> Comment {
        let deleted = (row["deleted_at"] as Date?) != nil
        return Comment(
            id: row["id"], paperID: row["paper_id"], author: row["username"], parentID: row["parent_id"],
            body: deleted ? "" : row["body"], createdAt: row["created_at"], editedAt: row["edited_at"],
            isDeleted: deleted)
    }

    static func liveComment(_ id: Int64, _ db: Database) throws -> Comment {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT c.*, u.username FROM comment c JOIN user u ON u.id = c.user_id WHERE c.id = ?",
                arguments: [id]), (row["deleted_at"] as Date?) == nil
        else {
            throw StoreError(.notFound, "comment \(id) does not exist")
        }
        return comment(from: row)
    }

    public func comment(id: Int64) async throws -> Comment? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT c.*, u.username FROM comment c JOIN user u ON u.id = c.user_id WHERE c.id = ?",
                arguments: [id]
            ).map(Self.comment(from:))
        }
    }

    public func editComment(id: Int64, body: String, at date: Date) async throws -> Comment {
        let trimmed = try StoredText.validated(body, "a comment", maximum: 20_000)
        return try await write { db in
            _ = try Self.liveComment(id, db)
            try db.execute(
                sql: "UPDATE comment SET body = ?, edited_at = ? WHERE id = ?", arguments: [trimmed, date, id])
            return try Self.liveComment(id, db)
        }
    }

    public func deleteComment(id: Int64, at date: Date) async throws {
        try await write { db in
            _ = try Self.liveComment(id, db)
            try db.execute(sql: "UPDATE comment SET deleted_at = ? WHERE id = ?", arguments: [date, id])
        }
    }

    // MARK: Accounts and sessions

    public func setRole(username: String, role: UserRole) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE user SET role = ? WHERE id = ?", arguments: [role.rawValue, try Self.userID(username, db)])
        }
    }

    public func passwordHash(username: String) async throws -> String? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT password_hash FROM user WHERE username = ?", arguments: [username])
        }
    }

    public func setPasswordHash(username: String, hash: String, keepingSession tokenHash: String?) async throws {
        try await write { db in
            let userID = try Self.userID(username, db)
            try db.execute(sql: "UPDATE user SET password_hash = ? WHERE id = ?", arguments: [hash, userID])
            try db.execute(
                sql: "DELETE FROM session WHERE user_id = ? AND token_hash <> ?", arguments: [userID, tokenHash ?? ""])
            // Access tokens act for the account as a password does: a new password revokes them all.
            try db.execute(sql: "DELETE FROM access_token WHERE user_id = ?", arguments: [userID])
        }
    }

    public func createSession(username: String, tokenHash: String, expiresAt: Date) async throws {
        try await write { db in
            let userID = try Self.userID(username, db)
            try db.execute(
                sql: "INSERT INTO session (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                arguments: [tokenHash, userID, clock.now(), expiresAt])
        }
    }

    public func sessionUser(tokenHash: String, now: Date) async throws -> User? {
        try await read { db in
            guard
                let username = try String.fetchOne(
                    db,
                    sql: """
                        SELECT u.username FROM session s JOIN user u ON u.id = s.user_id
                        WHERE s.token_hash = ? AND s.expires_at > ?
                        """,
                    arguments: [tokenHash, now])
            else { return nil }
            return try Self.user(username, db)
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM session WHERE token_hash = ?", arguments: [tokenHash])
        }
    }

    // MARK: Personal access tokens

    static func accessToken(from row: Row) -> AccessToken {
        AccessToken(id: row["id"], name: row["name"], createdAt: row["created_at"], lastUsedAt: row["last_used_at"])
    }

    public func createAccessToken(username: String, name: String, tokenHash: String) async throws -> AccessToken {
        let trimmed = try StoredText.validated(name, "a token name", maximum: 100)
        return try await write { db in
            let userID = try Self.userID(username, db)
            try db.execute(
                sql: "INSERT INTO access_token (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)",
                arguments: [userID, trimmed, tokenHash, clock.now()])
            return try Row.fetchOne(
                db, sql: "SELECT * FROM access_token WHERE id = ?", arguments: [db.lastInsertedRowID]
            ).map(Self.accessToken(from:))!
        }
    }

    public func accessTokens(username: String) async throws -> [AccessToken] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT t.* FROM access_token t JOIN user u ON u.id = t.user_id
                    WHERE u.username = ? ORDER BY t.created_at, t.id
                    """,
                arguments: [username]
            ).map(Self.accessToken(from:))
        }
    }

    public func deleteAccessToken(id: Int64, username: String) async throws {
        try await write { db in
            let userID = try Self.userID(username, db)
            try db.execute(sql: "DELETE FROM access_token WHERE id = ? AND user_id = ?", arguments: [id, userID])
            if db.changesCount == 0 {
                throw StoreError(.notFound, "access token \(id) does not exist")
            }
        }
    }

    public func accessTokenUser(tokenHash: String, now: Date) async throws -> User? {
        try await write { db in
            guard
                let username = try String.fetchOne(
                    db,
                    sql: "SELECT u.username FROM access_token t JOIN user u ON u.id = t.user_id WHERE t.token_hash = ?",
                    arguments: [tokenHash])
            else { return nil }
            try db.execute(
                sql: "UPDATE access_token SET last_used_at = ? WHERE token_hash = ?", arguments: [now, tokenHash])
            return try Self.user(username, db)
        }
    }

    // MARK: Collections

    static let collectionColumns = """
        c.id, c.name, c.is_public, c.created_at, u.username,
        (SELECT COUNT(*) FROM collection_item i WHERE i.collection_id = c.id) AS paper_count
        """

    static func collection(from row: Row) -> PaperCollection {
        PaperCollection(
            id: row["id"], owner: row["username"], name: row["name"], isPublic: row["is_public"],
            paperCount: row["paper_count"], createdAt: row["created_at"])
    }

    public func createCollection(owner: String, name: String, isPublic: Bool) async throws -> PaperCollection {
        let trimmed = try StoredText.validated(name, "a collection name", maximum: 100)
        return try await write { db in
            let userID = try Self.userID(owner, db)
            if try Bool.fetchOne(
                db, sql: "SELECT EXISTS(SELECT 1 FROM collection WHERE user_id = ? AND name = ?)",
                arguments: [userID, trimmed]) == true
            {
                throw StoreError(.invalidInput, "you already have a collection named \(trimmed)")
            }
            try db.execute(
                sql: "INSERT INTO collection (user_id, name, is_public, created_at) VALUES (?, ?, ?, ?)",
                arguments: [userID, trimmed, isPublic, clock.now()])
            let id = db.lastInsertedRowID
            return try Row.fetchOne(
                db,
                sql:
                    "SELECT \(Self.collectionColumns) FROM collection c JOIN user u ON u.id = c.user_id WHERE c.id = ?",
                arguments: [id]
            ).map(Self.collection(from:))!
        }
    }

    public func collections(owner: String) async throws -> [PaperCollection] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(Self.collectionColumns) FROM collection c JOIN user u ON u.id = c.user_id
                    WHERE u.username = ? ORDER BY c.created_at, c.id
                    """,
                arguments: [owner]
            ).map(Self.collection(from:))
        }
    }

    public func collection(id: Int64) async throws -> PaperCollection? {
        try await read { db in
            try Row.fetchOne(
                db,
                sql:
                    "SELECT \(Self.collectionColumns) FROM collection c JOIN user u ON u.id = c.user_id WHERE c.id = ?",
                arguments: [id]
            ).map(Self.collection(from:))
        }
    }

    public func setCollectionItem(collectionID: Int64, paperID: String, present: Bool) async throws {
        try await write { db in
            guard
                try Int64.fetchOne(db, sql: "SELECT user_id FROM collection WHERE id = ?", arguments: [collectionID])
                    != nil
            else { throw StoreError(.notFound, "collection \(collectionID) does not exist") }
            guard try Self.paperExists(paperID, db) else {
                throw StoreError(.paperNotFound, "paper \(paperID) is not in the store")
            }
            if present {
                try db.execute(
                    sql: """
                        INSERT INTO collection_item (collection_id, paper_id, added_at) VALUES (?, ?, ?)
                        ON CONFLICT DO NOTHING
                        """,
                    arguments: [collectionID, paperID, clock.now()])
            } else {
                try db.execute(
                    sql: "DELETE FROM collection_item WHERE collection_id = ? AND paper_id = ?",
                    arguments: [collectionID, paperID])
            }
        }
    }

    public func collectionPapers(id: Int64) async throws -> [Paper] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT paper.* FROM collection_item i JOIN paper ON paper.id = i.paper_id
                    WHERE i.collection_id = ? ORDER BY i.added_at DESC, paper.id
                    """,
                arguments: [id]
            ).map(Self.paper(from:))
        }
    }

    // MARK: Author claims

    public func claimAuthorship(paperID: String, username: String, authorName: String) async throws {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT authors FROM paper WHERE id = ?", arguments: [paperID])
            else {
                throw StoreError(.paperNotFound, "paper \(paperID) is not in the store")
            }
            let authors = try Self.decode([String].self, row["authors"], column: "authors")
            guard authors.contains(authorName) else {
                throw StoreError(.invalidInput, "\(authorName) is not an author of paper \(paperID)")
            }
            let userID = try Self.userID(username, db)
            try db.execute(
                sql: """
                    INSERT INTO author_claim (user_id, paper_id, author_name, confirmed, created_at) VALUES (?, ?, ?, 0, ?)
                    ON CONFLICT(user_id, paper_id) DO UPDATE SET author_name = excluded.author_name, confirmed = 0
                    """,
                arguments: [userID, paperID, authorName, clock.now()])
        }
    }

    public func confirmClaim(paperID: String, username: String) async throws {
        try await write { db in
            let userID = try Self.userID(username, db)
            try db.execute(
                sql: "UPDATE author_claim SET confirmed = 1 WHERE user_id = ? AND paper_id = ?",
                arguments: [userID, paperID])
            guard db.changesCount == 1 else {
                throw StoreError(.notFound, "\(username) has no claim on paper \(paperID)")
            }
        }
    }

    public func claims(paperID: String) async throws -> [AuthorClaim] {
        try await read { db in try Self.claims(db, where: "a.paper_id = ?", [paperID]) }
    }

    public func pendingClaims() async throws -> [AuthorClaim] {
        try await read { db in try Self.claims(db, where: "a.confirmed = 0", []) }
    }

    static func claims(_ db: Database, where condition: String, _ arguments: StatementArguments) throws -> [AuthorClaim]
    {
        try Row.fetchAll(
            db,
            sql: """
                SELECT a.*, u.username FROM author_claim a JOIN user u ON u.id = a.user_id
                WHERE \(condition) ORDER BY a.created_at
                """,
            arguments: arguments
        ).map {
            AuthorClaim(
                paperID: $0["paper_id"], username: $0["username"], authorName: $0["author_name"],
                confirmed: $0["confirmed"])
        }
    }
}
