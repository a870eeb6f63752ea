import Foundation
import Logging
import PaperModel
import PaperStore
import PostgresNIO

/// Accounts, sessions and tokens; upvotes, comments, collections and author claims; reader signals.
extension PostgresPaperStore {
    // MARK: Accounts

    static func userID(_ username: String, _ c: PostgresConnection, _ logger: Logger) async throws -> Int64 {
        guard
            let id = try await c.value(
                Int64.self, "SELECT id FROM account WHERE lower(username) = lower(\(username))", logger)
        else {
            throw StoreError(.userNotFound, "no user named \(username)")
        }
        return id
    }

    static func user(_ username: String, _ c: PostgresConnection, _ logger: Logger) async throws -> User? {
        try await c.firstRow(
            "SELECT id, username, display_name, role, created_at FROM account WHERE lower(username) = lower(\(username))",
            logger
        ).map(Self.user(from:))
    }

    static func user(from row: PostgresRandomAccessRow) throws -> User {
        User(
            id: try row.get("id"), username: try row.get("username"), displayName: try row.get("display_name"),
            role: UserRole(rawValue: try row.get("role")) ?? .member, createdAt: try row.get("created_at"))
    }

    public func createUser(
        username: String, displayName: String, role: UserRole, passwordHash: String?
    ) async throws -> User {
        guard User.isValidUsername(username) else {
            throw StoreError(
                .invalidUsername, "username must be 1-39 letters, digits, '-' or '_' (got \(username.debugDescription))"
            )
        }
        let now = clock.now()
        return try await write { c in
            // ON CONFLICT: two instances creating the same name at once get `usernameTaken`, not a storage error.
            let row = try await c.firstRow(
                """
                INSERT INTO account (username, display_name, role, password_hash, created_at)
                VALUES (\(username), \(displayName), \(role.rawValue), \(passwordHash), \(now))
                ON CONFLICT DO NOTHING
                RETURNING id, username, display_name, role, created_at
                """, logger)
            guard let row else { throw StoreError(.usernameTaken, "username \(username) is taken") }
            return try Self.user(from: row)
        }
    }

    public func user(named username: String) async throws -> User? {
        try await read { c in try await Self.user(username, c, logger) }
    }

    public func setRole(username: String, role: UserRole) async throws {
        try await write { c in
            let id = try await Self.userID(username, c, logger)
            try await c.run("UPDATE account SET role = \(role.rawValue) WHERE id = \(id)", logger)
        }
    }

    public func passwordHash(username: String) async throws -> String? {
        try await read { c in
            try await c.value(
                String.self, "SELECT password_hash FROM account WHERE lower(username) = lower(\(username))", logger)
        }
    }

    public func setPasswordHash(username: String, hash: String, keepingSession tokenHash: String?) async throws {
        try await write { c in
            let id = try await Self.userID(username, c, logger)
            try await c.run("UPDATE account SET password_hash = \(hash) WHERE id = \(id)", logger)
            try await c.run(
                "DELETE FROM session WHERE user_id = \(id) AND token_hash <> \(tokenHash ?? "")", logger)
            // Access tokens act for the account as a password does: a new password revokes them all.
            try await c.run("DELETE FROM access_token WHERE user_id = \(id)", logger)
        }
    }

    public func createSession(username: String, tokenHash: String, expiresAt: Date) async throws {
        let now = clock.now()
        try await write { c in
            let id = try await Self.userID(username, c, logger)
            try await c.run(
                """
                INSERT INTO session (token_hash, user_id, created_at, expires_at)
                VALUES (\(tokenHash), \(id), \(now), \(expiresAt))
                """, logger)
        }
    }

    public func sessionUser(tokenHash: String, now: Date) async throws -> User? {
        try await read { c in
            try await c.firstRow(
                """
                SELECT u.id, u.username, u.display_name, u.role, u.created_at
                FROM session s JOIN account u ON u.id = s.user_id
                WHERE s.token_hash = \(tokenHash) AND s.expires_at > \(now)
                """, logger
            ).map(Self.user(from:))
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        try await write { c in try await c.run("DELETE FROM session WHERE token_hash = \(tokenHash)", logger) }
    }

    // MARK: Personal access tokens

    static func accessToken(from row: PostgresRandomAccessRow) throws -> AccessToken {
        AccessToken(
            id: try row.get("id"), name: try row.get("name"), createdAt: try row.get("created_at"),
            lastUsedAt: try row.get("last_used_at"))
    }

    public func createAccessToken(username: String, name: String, tokenHash: String) async throws -> AccessToken {
        let trimmed = try StoredText.validated(name, "a token name", maximum: 100)
        let now = clock.now()
        return try await write { c in
            let id = try await Self.userID(username, c, logger)
            let row = try await c.firstRow(
                """
                INSERT INTO access_token (user_id, name, token_hash, created_at) VALUES (\(id), \(trimmed), \(tokenHash), \(now))
                RETURNING id, name, created_at, last_used_at
                """, logger)
            return try Self.accessToken(from: row!)
        }
    }

    public func accessTokens(username: String) async throws -> [AccessToken] {
        try await read { c in
            try await c.rows(
                """
                SELECT t.id, t.name, t.created_at, t.last_used_at FROM access_token t JOIN account u ON u.id = t.user_id
                WHERE lower(u.username) = lower(\(username)) ORDER BY t.created_at, t.id
                """, logger
            ).map(Self.accessToken(from:))
        }
    }

    public func deleteAccessToken(id: Int64, username: String) async throws {
        try await write { c in
            let userID = try await Self.userID(username, c, logger)
            let deleted = try await c.run(
                "DELETE FROM access_token WHERE id = \(id) AND user_id = \(userID) RETURNING 1", logger)
            if deleted == 0 { throw StoreError(.notFound, "access token \(id) does not exist") }
        }
    }

    public func accessTokenUser(tokenHash: String, now: Date) async throws -> User? {
        try await write { c in
            try await c.firstRow(
                """
                WITH used AS (
                  UPDATE access_token SET last_used_at = \(now) WHERE token_hash = \(tokenHash) RETURNING user_id
                )
                SELECT u.id, u.username, u.display_name, u.role, u.created_at FROM used JOIN account u ON u.id = used.user_id
                """, logger
            ).map(Self.user(from:))
        }
    }

    // MARK: Upvotes

    public func upvoteCounts(paperIDs: [String]) async throws -> [String: Int] {
        guard !paperIDs.isEmpty else { return [:] }
        return try await read { c in
            var counts: [String: Int] = [:]
            for row in try await c.rows(
                "SELECT paper_id, COUNT(*) AS n FROM upvote WHERE paper_id = ANY(\(paperIDs)) GROUP BY paper_id",
                logger)
            {
                counts[try row.get("paper_id")] = try row.get("n")
            }
            return counts
        }
    }

    static func upvoteCount(_ paperID: String, _ c: PostgresConnection, _ logger: Logger) async throws -> Int {
        try await c.value(Int.self, "SELECT COUNT(*) FROM upvote WHERE paper_id = \(paperID)", logger) ?? 0
    }

    @discardableResult
    public func setUpvote(paperID: String, username: String, upvoted: Bool) async throws -> Int {
        let now = clock.now()
        return try await write { c in
            guard try await Self.paperExists(paperID, c, logger) else {
                throw StoreError(.paperNotFound, "paper \(paperID) is not in the store")
            }
            let userID = try await Self.userID(username, c, logger)
            if upvoted {
                try await c.run(
                    """
                    INSERT INTO upvote (user_id, paper_id, created_at) VALUES (\(userID), \(paperID), \(now))
                    ON CONFLICT DO NOTHING
                    """, logger)
            } else {
                try await c.run("DELETE FROM upvote WHERE user_id = \(userID) AND paper_id = \(paperID)", logger)
            }
            return try await Self.upvoteCount(paperID, c, logger)
        }
    }

    public func toggleUpvote(paperID: String, username: String) async throws -> (upvoted: Bool, count: Int) {
        let now = clock.now()
        return try await write { c in
            guard try await Self.paperExists(paperID, c, logger) else {
                throw StoreError(.paperNotFound, "paper \(paperID) is not in the store")
            }
            let userID = try await Self.userID(username, c, logger)
            // Concurrent toggles by one person serialize on the account row, each flipping the state the previous
            // one left (two inserts at once would otherwise both see "not upvoted").
            try await c.run("SELECT 1 FROM account WHERE id = \(userID) FOR UPDATE", logger)
            let removed = try await c.run(
                "DELETE FROM upvote WHERE user_id = \(userID) AND paper_id = \(paperID) RETURNING 1", logger)
            let upvoted = removed == 0
            if upvoted {
                try await c.run(
                    "INSERT INTO upvote (user_id, paper_id, created_at) VALUES (\(userID), \(paperID), \(now))", logger)
            }
            return (upvoted, try await Self.upvoteCount(paperID, c, logger))
        }
    }

    public func upvoteCount(paperID: String) async throws -> Int {
        try await read { c in try await Self.upvoteCount(paperID, c, logger) }
    }

    public func upvoters(paperID: String) async throws -> [String] {
        try await read { c in
            try await c.values(
                String.self,
                """
                SELECT u.username FROM upvote v JOIN account u ON u.id = v.user_id
                WHERE v.paper_id = \(paperID) ORDER BY v.created_at, u.username
                """, logger)
        }
    }

    public func hasUpvoted(paperID: String, username: String) async throws -> Bool {
        try await read { c in
            try await c.value(
                Bool.self,
                """
                SELECT EXISTS(SELECT 1 FROM upvote v JOIN account u ON u.id = v.user_id
                              WHERE v.paper_id = \(paperID) AND lower(u.username) = lower(\(username)))
                """, logger) ?? false
        }
    }

    public func upvotedPapers(by username: String) async throws -> [Paper] {
        try await read { c in
            try await c.rows(
                """
                SELECT \(unescaped: Self.paperColumns) FROM upvote v JOIN account u ON u.id = v.user_id
                JOIN paper p ON p.id = v.paper_id
                WHERE lower(u.username) = lower(\(username)) ORDER BY v.created_at DESC
                """, logger
            ).map(Self.paper(from:))
        }
    }

    // MARK: Comments

    static let commentColumns =
        "c.id, c.paper_id, c.parent_id, c.body, c.created_at, c.edited_at, c.deleted_at, u.username"

    static func comment(from row: PostgresRandomAccessRow) throws -> Comment {
        let deleted = try row.get("deleted_at", as: Date?.self) != nil
        return Comment(
            id: try row.get("id"), paperID: try row.get("paper_id"), author: try row.get("username"),
            parentID: try row.get("parent_id"), body: deleted ? "" : try row.get("body"),
            createdAt: try row.get("created_at"), editedAt: try row.get("edited_at"), isDeleted: deleted)
    }

    static func liveComment(_ id: Int64, _ c: PostgresConnection, _ logger: Logger) async throws -> Comment {
        guard
            let row = try await c.firstRow(
                """
                SELECT \(unescaped: commentColumns) FROM comment c JOIN account u ON u.id = c.user_id
                WHERE c.id = \(id) FOR UPDATE OF c
                """, logger),
            try row.get("deleted_at", as: Date?.self) == nil
        else {
            throw StoreError(.notFound, "comment \(id) does not exist")
        }
        return try comment(from: row)
    }

    public func addComment(
        paperID: String, author: String, parentID: Int64?, body: String, at date: Date
    ) async throws -> Comment {
        let trimmed = try StoredText.validated(body, "a comment", maximum: 20_000)
        return try await write { c in
            guard try await Self.paperExists(paperID, c, logger) else {
                throw StoreError(.paperNotFound, "paper \(paperID) is not in the store")
            }
            let userID = try await Self.userID(author, c, logger)
            if let parentID {
                let parentPaper = try await c.value(
                    String.self, "SELECT paper_id FROM comment WHERE id = \(parentID) AND deleted_at IS NULL", logger)
                guard parentPaper == paperID else {
                    throw StoreError(.invalidInput, "comment \(parentID) is not a comment on paper \(paperID)")
                }
            }
            let id = try await c.value(
                Int64.self,
                """
                INSERT INTO comment (paper_id, user_id, parent_id, body, created_at)
                VALUES (\(paperID), \(userID), \(parentID), \(trimmed), \(date)) RETURNING id
                """, logger
            ).written("a comment on \(paperID)")
            return Comment(
                id: id, paperID: paperID, author: author, parentID: parentID, body: trimmed, createdAt: date,
                editedAt: nil)
        }
    }

    public func comments(paperID: String) async throws -> [Comment] {
        try await read { c in
            try await c.rows(
                """
                SELECT \(unescaped: Self.commentColumns) FROM comment c JOIN account u ON u.id = c.user_id
                WHERE c.paper_id = \(paperID) ORDER BY c.created_at, c.id
                """, logger
            ).map(Self.comment(from:))
        }
    }

    public func comment(id: Int64) async throws -> Comment? {
        try await read { c in
            try await c.firstRow(
                """
                SELECT \(unescaped: Self.commentColumns) FROM comment c JOIN account u ON u.id = c.user_id
                WHERE c.id = \(id)
                """, logger
            ).map(Self.comment(from:))
        }
    }

    public func editComment(id: Int64, body: String, at date: Date) async throws -> Comment {
        let trimmed = try StoredText.validated(body, "a comment", maximum: 20_000)
        return try await write { c in
            _ = try await Self.liveComment(id, c, logger)
            try await c.run("UPDATE comment SET body = \(trimmed), edited_at = \(date) WHERE id = \(id)", logger)
            return try await Self.liveComment(id, c, logger)
        }
    }

    public func deleteComment(id: Int64, at date: Date) async throws {
        try await write { c in
            _ = try await Self.liveComment(id, c, logger)
            try await c.run("UPDATE comment SET deleted_at = \(date) WHERE id = \(id)", logger)
        }
    }

    // MARK: Collections

    static let collectionColumns = """
        c.id, c.name, c.is_public, c.created_at, u.username,
        (SELECT COUNT(*) FROM collection_item i WHERE i.collection_id = c.id) AS paper_count
        """

    static func collection(from row: PostgresRandomAccessRow) throws -> PaperCollection {
        PaperCollection(
            id: try row.get("id"), owner: try row.get("username"), name: try row.get("name"),
            isPublic: try row.get("is_public"), paperCount: try row.get("paper_count"),
            createdAt: try row.get("created_at"))
    }

    static func collection(_ id: Int64, _ c: PostgresConnection, _ logger: Logger) async throws -> PaperCollection? {
        try await c.firstRow(
            """
            SELECT \(unescaped: collectionColumns) FROM collection c JOIN account u ON u.id = c.user_id
            WHERE c.id = \(id)
            """, logger
        ).map(collection(from:))
    }

    public func createCollection(owner: String, name: String, isPublic: Bool) async throws -> PaperCollection {
        let trimmed = try StoredText.validated(name, "a collection name", maximum: 100)
        let now = clock.now()
        return try await write { c in
            let userID = try await Self.userID(owner, c, logger)
            let id = try await c.value(
                Int64.self,
                """
                INSERT INTO collection (user_id, name, is_public, created_at)
                VALUES (\(userID), \(trimmed), \(isPublic), \(now))
                ON CONFLICT (user_id, name) DO NOTHING RETURNING id
                """, logger)
            guard let id else { throw StoreError(.invalidInput, "you already have a collection named \(trimmed)") }
            return try await Self.collection(id, c, logger).written("collection \(id)")
        }
    }

    public func collections(owner: String) async throws -> [PaperCollection] {
        try await read { c in
            try await c.rows(
                """
                SELECT \(unescaped: Self.collectionColumns) FROM collection c JOIN account u ON u.id = c.user_id
                WHERE lower(u.username) = lower(\(owner)) ORDER BY c.created_at, c.id
                """, logger
            ).map(Self.collection(from:))
        }
    }

    public func collection(id: Int64) async throws -> PaperCollection? {
        try await read { c in try await Self.collection(id, c, logger) }
    }

    public func setCollectionItem(collectionID: Int64, paperID: String, present: Bool) async throws {
        let now = clock.now()
        try await write { c in
            guard
                try await c.value(Int64.self, "SELECT user_id FROM collection WHERE id = \(collectionID)", logger)
                    != nil
            else { throw StoreError(.notFound, "collection \(collectionID) does not exist") }
            guard try await Self.paperExists(paperID, c, logger) else {
                throw StoreError(.paperNotFound, "paper \(paperID) is not in the store")
            }
            if present {
                try await c.run(
                    """
                    INSERT INTO collection_item (collection_id, paper_id, added_at) VALUES (\(collectionID), \(paperID), \(now))
                    ON CONFLICT DO NOTHING
                    """, logger)
            } else {
                try await c.run(
                    "DELETE FROM collection_item WHERE collection_id = \(collectionID) AND paper_id = \(paperID)",
                    logger)
            }
        }
    }

    public func collectionPapers(id: Int64) async throws -> [Paper] {
        try await read { c in
            try await c.rows(
                """
                SELECT \(unescaped: Self.paperColumns) FROM collection_item i JOIN paper p ON p.id = i.paper_id
                WHERE i.collection_id = \(id) ORDER BY i.added_at DESC, p.id
                """, logger
            ).map(Self.paper(from:))
        }
    }

    // MARK: Author claims

    public func claimAuthorship(paperID: String, username: String, authorName: String) async throws {
        let now = clock.now()
        try await write { c in
            guard
                let authorsText = try await c.value(
                    String.self, "SELECT authors::text FROM paper WHERE id = \(paperID)", logger)
            else {
                throw StoreError(.paperNotFound, "paper \(paperID) is not in the store")
            }
            let authors = try Self.decode([String].self, authorsText, column: "authors")
            guard authors.contains(authorName) else {
                throw StoreError(.invalidInput, "\(authorName) is not an author of paper \(paperID)")
            }
            let userID = try await Self.userID(username, c, logger)
            try await c.run(
                """
                INSERT INTO author_claim (user_id, paper_id, author_name, confirmed, created_at)
                VALUES (\(userID), \(paperID), \(authorName), false, \(now))
                ON CONFLICT (user_id, paper_id) DO UPDATE SET author_name = excluded.author_name, confirmed = false
                """, logger)
        }
    }

    public func confirmClaim(paperID: String, username: String) async throws {
        try await write { c in
            let userID = try await Self.userID(username, c, logger)
            let changed = try await c.run(
                "UPDATE author_claim SET confirmed = true WHERE user_id = \(userID) AND paper_id = \(paperID) RETURNING 1",
                logger)
            guard changed == 1 else { throw StoreError(.notFound, "\(username) has no claim on paper \(paperID)") }
        }
    }

    static func claim(from row: PostgresRandomAccessRow) throws -> AuthorClaim {
        AuthorClaim(
            paperID: try row.get("paper_id"), username: try row.get("username"),
            authorName: try row.get("author_name"), confirmed: try row.get("confirmed"))
    }

    public func claims(paperID: String) async throws -> [AuthorClaim] {
        try await read { c in
            try await c.rows(
                """
                SELECT a.paper_id, a.author_name, a.confirmed, u.username FROM author_claim a
                JOIN account u ON u.id = a.user_id WHERE a.paper_id = \(paperID) ORDER BY a.created_at
                """, logger
            ).map(Self.claim(from:))
        }
    }

    public func pendingClaims() async throws -> [AuthorClaim] {
        try await read { c in
            try await c.rows(
                """
                SELECT a.paper_id, a.author_name, a.confirmed, u.username FROM author_claim a
                JOIN account u ON u.id = a.user_id WHERE NOT a.confirmed ORDER BY a.created_at
                """, logger
            ).map(Self.claim(from:))
        }
    }

    // MARK: Reader signals

    public func setNotInterested(paperID: String, username: String, rejected: Bool, at date: Date) async throws {
        try await write { c in
            let userID = try await Self.userID(username, c, logger)
            guard try await Self.paperExists(paperID, c, logger) else {
                throw StoreError(.paperNotFound, "paper \(paperID) is not in the store")
            }
            if rejected {
                try await c.run(
                    """
                    INSERT INTO paper_rejection (user_id, paper_id, created_at) VALUES (\(userID), \(paperID), \(date))
                    ON CONFLICT DO NOTHING
                    """, logger)
            } else {
                try await c.run(
                    "DELETE FROM paper_rejection WHERE user_id = \(userID) AND paper_id = \(paperID)", logger)
            }
        }
    }

    public func setAuthorFollow(username: String, authorName: String, following: Bool, at date: Date) async throws {
        let name = authorName.trimmingCharacters(in: .whitespacesAndNewlines)
        let key = AuthorName.key(name)
        guard !key.isEmpty, name.count <= 200, key.count <= 200 else {
            throw StoreError(.invalidInput, "an author name needs letters or digits and at most 200 characters")
        }
        let display = try StoredText.validated(name, "an author name", maximum: 200)
        try await write { c in
            let userID = try await Self.userID(username, c, logger)
            if following {
                try await c.run(
                    """
                    INSERT INTO author_follow (user_id, author_key, display_name, created_at)
                    VALUES (\(userID), \(key), \(display), \(date)) ON CONFLICT DO NOTHING
                    """, logger)
            } else {
                try await c.run(
                    "DELETE FROM author_follow WHERE user_id = \(userID) AND author_key = \(key)", logger)
            }
        }
    }

    public func setCategoryFollow(username: String, category: String, following: Bool, at date: Date) async throws {
        let category = category.trimmingCharacters(in: .whitespaces)
        guard ArxivCategory.isValid(category) else {
            throw StoreError(
                .invalidInput, "\(category.prefix(40).debugDescription) is not an arXiv category (e.g. cs.CL)")
        }
        try await write { c in
            let userID = try await Self.userID(username, c, logger)
            if following {
                try await c.run(
                    """
                    INSERT INTO category_follow (user_id, category, created_at) VALUES (\(userID), \(category), \(date))
                    ON CONFLICT DO NOTHING
                    """, logger)
            } else {
                try await c.run(
                    "DELETE FROM category_follow WHERE user_id = \(userID) AND category = \(category)", logger)
            }
        }
    }

    public func markSeen(paperID: String, username: String, at date: Date) async throws {
        try await write { c in
            let userID = try await Self.userID(username, c, logger)
            guard try await Self.paperExists(paperID, c, logger) else {
                throw StoreError(.paperNotFound, "paper \(paperID) is not in the store")
            }
            try await c.run(
                """
                INSERT INTO paper_view (user_id, paper_id, viewed_at) VALUES (\(userID), \(paperID), \(date))
                ON CONFLICT (user_id, paper_id) DO UPDATE
                  SET viewed_at = greatest(paper_view.viewed_at, EXCLUDED.viewed_at)
                """, logger)
        }
    }

    @discardableResult
    public func forgetSeen(username: String) async throws -> Int {
        try await write { c in
            let userID = try await Self.userID(username, c, logger)
            return try await c.value(
                Int.self,
                "WITH gone AS (DELETE FROM paper_view WHERE user_id = \(userID) RETURNING 1) SELECT count(*)::bigint FROM gone",
                logger) ?? 0
        }
    }

    public func seenCount(username: String) async throws -> Int {
        try await read { c in
            let userID = try await Self.userID(username, c, logger)
            return try await c.value(
                Int.self, "SELECT count(*)::bigint FROM paper_view WHERE user_id = \(userID)", logger) ?? 0
        }
    }

    public func readerSignals(username: String) async throws -> ReaderSignals {
        try await snapshot { c in
            let userID = try await Self.userID(username, c, logger)
            return ReaderSignals(
                upvoted: try await c.values(
                    String.self,
                    "SELECT paper_id FROM upvote WHERE user_id = \(userID) ORDER BY created_at DESC, paper_id", logger),
                collected: try await c.values(
                    String.self,
                    """
                    SELECT DISTINCT i.paper_id FROM collection_item i JOIN collection c ON c.id = i.collection_id
                    WHERE c.user_id = \(userID) ORDER BY i.paper_id
                    """, logger),
                authored: try await c.values(
                    String.self,
                    "SELECT paper_id FROM author_claim WHERE user_id = \(userID) AND confirmed ORDER BY paper_id",
                    logger),
                rejected: try await c.values(
                    String.self,
                    "SELECT paper_id FROM paper_rejection WHERE user_id = \(userID) ORDER BY created_at DESC, paper_id",
                    logger),
                followedAuthors: try await c.rows(
                    """
                    SELECT author_key, display_name FROM author_follow WHERE user_id = \(userID)
                    ORDER BY created_at, author_key
                    """, logger
                ).map { FollowedAuthor(key: try $0.get("author_key"), name: try $0.get("display_name")) },
                followedCategories: try await c.values(
                    String.self,
                    "SELECT category FROM category_follow WHERE user_id = \(userID) ORDER BY created_at, category",
                    logger),
                seen: try await c.values(
                    String.self,
                    """
                    SELECT paper_id FROM paper_view WHERE user_id = \(userID) ORDER BY viewed_at DESC, paper_id
                    LIMIT \(ReaderSignals.seenLimit)
                    """, logger))
        }
    }

    public func setRecommendationFeedToken(username: String, tokenHash: String?, at date: Date) async throws {
        try await write { c in
            let userID = try await Self.userID(username, c, logger)
            try await c.run("DELETE FROM recommendation_feed_token WHERE user_id = \(userID)", logger)
            if let tokenHash {
                try await c.run(
                    """
                    INSERT INTO recommendation_feed_token (user_id, token_hash, created_at)
                    VALUES (\(userID), \(tokenHash), \(date))
                    """, logger)
            }
        }
    }

    public func recommendationFeedUser(tokenHash: String) async throws -> User? {
        try await read { c in
            try await c.firstRow(
                """
                SELECT u.id, u.username, u.display_name, u.role, u.created_at
                FROM recommendation_feed_token t JOIN account u ON u.id = t.user_id WHERE t.token_hash = \(tokenHash)
                """, logger
            ).map(Self.user(from:))
        }
    }

    public func hasRecommendationFeedToken(username: String) async throws -> Bool {
        try await read { c in
            let userID = try await Self.userID(username, c, logger)
            return try await c.value(
                Bool.self, "SELECT EXISTS (SELECT 1 FROM recommendation_feed_token WHERE user_id = \(userID))",
                logger) ?? false
        }
    }
}
