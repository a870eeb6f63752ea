import Foundation
import GRDB
import PaperModel

extension SQLitePaperStore {
    public func setNotInterested(paperID: String, username: String, rejected: Bool, at date: Date) async throws {
        try await write { db in
            let userID = try Self.userID(username, db)
            guard try Self.paperExists(paperID, db) else {
                throw StoreError(.paperNotFound, "paper \(paperID) is not in the store")
            }
            if rejected {
                try db.execute(
                    sql:
                        "INSERT INTO paper_rejection (user_id, paper_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    arguments: [userID, paperID, date])
            } else {
                try db.execute(
                    sql: "DELETE FROM paper_rejection WHERE user_id = ? AND paper_id = ?", arguments: [userID, paperID])
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
        try await write { db in
            let userID = try Self.userID(username, db)
            if following {
                try db.execute(
                    sql: """
                        INSERT INTO author_follow (user_id, author_key, display_name, created_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT DO NOTHING
                        """,
                    arguments: [userID, key, display, date])
            } else {
                try db.execute(
                    sql: "DELETE FROM author_follow WHERE user_id = ? AND author_key = ?", arguments: [userID, key])
            }
        }
    }

    public func setCategoryFollow(username: String, category: String, following: Bool, at date: Date) async throws {
        let category = category.trimmingCharacters(in: .whitespaces)
        guard ArxivCategory.isValid(category) else {
            throw StoreError(
                .invalidInput, "\(category.prefix(40).debugDescription) is not an arXiv category (e.g. cs.CL)")
        }
        try await write { db in
            let userID = try Self.userID(username, db)
            if following {
                try db.execute(
                    sql:
                        "INSERT INTO category_follow (user_id, category, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    arguments: [userID, category, date])
            } else {
                try db.execute(
                    sql: "DELETE FROM category_follow WHERE user_id = ? AND category = ?",
                    arguments: [userID, category])
            }
        }
    }

    public func markSeen(paperID: String, username: String, at date: Date) async throws {
        try await write { db in
            let userID = try Self.userID(username, db)
            guard try Self.paperExists(paperID, db) else {
                throw StoreError(.paperNotFound, "paper \(paperID) is not in the store")
            }
            try db.execute(
                sql: """
                    INSERT INTO paper_view (user_id, paper_id, viewed_at) VALUES (?, ?, ?)
                    ON CONFLICT (user_id, paper_id) DO UPDATE SET viewed_at = max(viewed_at, excluded.viewed_at)
                    """,
                arguments: [userID, paperID, date])
        }
    }

    @discardableResult
    public func forgetSeen(username: String) async throws -> Int {
        try await write { db in
            let userID = try Self.userID(username, db)
            try db.execute(sql: "DELETE FROM paper_view WHERE user_id = ?", arguments: [userID])
            return db.changesCount
        }
    }

    public func seenCount(username: String) async throws -> Int {
        try await read { db in
            let userID = try Self.userID(username, db)
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM paper_view WHERE user_id = ?", arguments: [userID])
                ?? 0
        }
    }

    public func readerSignals(username: String) async throws -> ReaderSignals {
        try await read { db in
            let userID = try Self.userID(username, db)
            func ids(_ sql: String) throws -> [String] { try String.fetchAll(db, sql: sql, arguments: [userID]) }
            return ReaderSignals(
                upvoted: try ids("SELECT paper_id FROM upvote WHERE user_id = ? ORDER BY created_at DESC, paper_id"),
                collected: try ids(
                    """
                    SELECT DISTINCT i.paper_id FROM collection_item i JOIN collection c ON c.id = i.collection_id
                    WHERE c.user_id = ? ORDER BY i.paper_id
                    """),
                authored: try ids(
                    "SELECT paper_id FROM author_claim WHERE user_id = ? AND confirmed = 1 ORDER BY paper_id"),
                rejected: try ids(
                    "SELECT paper_id FROM paper_rejection WHERE user_id = ? ORDER BY created_at DESC, paper_id"),
                followedAuthors: try Row.fetchAll(
                    db,
                    sql:
                        "SELECT author_key, display_name FROM author_follow WHERE user_id = ? ORDER BY created_at, author_key",
                    arguments: [userID]
                ).map { FollowedAuthor(key: $0["author_key"], name: $0["display_name"]) },
                followedCategories: try ids(
                    "SELECT category FROM category_follow WHERE user_id = ? ORDER BY created_at, category"),
                seen: try ids(
                    """
                    SELECT paper_id FROM paper_view WHERE user_id = ? ORDER BY viewed_at DESC, paper_id
                    LIMIT \(ReaderSignals.seenLimit)
                    """))
        }
    }

    public func setRecommendationFeedToken(username: String, tokenHash: String?, at date: Date) async throws {
        try await write { db in
            let userID = try Self.userID(username, db)
            try db.execute(sql: "DELETE FROM recommendation_feed_token WHERE user_id = ?", arguments: [userID])
            if let tokenHash {
                try db.execute(
                    sql: "INSERT INTO recommendation_feed_token (user_id, token_hash, created_at) VALUES (?, ?, ?)",
                    arguments: [userID, tokenHash, date])
            }
        }
    }

    public func recommendationFeedUser(tokenHash: String) async throws -> User? {
        try await read { db in
            guard
                let username = try String.fetchOne(
                    db,
                    sql:
                        "SELECT u.username FROM recommendation_feed_token t JOIN user u ON u.id = t.user_id WHERE t.token_hash = ?",
                    arguments: [tokenHash])
            else { return nil }
            return try Self.user(username, db)
        }
    }

    public func hasRecommendationFeedToken(username: String) async throws -> Bool {
        try await read { db in
            try Bool.fetchOne(
                db,
                sql: "SELECT EXISTS (SELECT 1 FROM recommendation_feed_token WHERE user_id = ?)",
                arguments: [try Self.userID(username, db)]) ?? false
        }
    }
}
