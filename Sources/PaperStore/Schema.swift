import GRDB
import PaperModel

extension SQLitePaperStore {
    /// The newest migration: what `status().schemaVersion` says once a store is open.
    public static var currentSchemaVersion: String { migrator.migrations.last! }

    /// Versioned migrations. Never edit a shipped migration: add a new one.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-papers-and-community") { db in
            // A single-row counter: every paper insert or update takes the next value, so derived indexes can
            // ask "what changed after N" and never miss or repeat a change.
            try db.execute(
                sql: """
                    CREATE TABLE change_sequence (value INTEGER NOT NULL);
                    INSERT INTO change_sequence (value) VALUES (0);

                    CREATE TABLE paper (
                      id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
                      version INTEGER NOT NULL CHECK (version >= 1),
                      title TEXT NOT NULL CHECK (length(trim(title)) > 0),
                      abstract TEXT NOT NULL,
                      authors TEXT NOT NULL CHECK (json_valid(authors)),
                      categories TEXT NOT NULL CHECK (json_valid(categories)),
                      primary_category TEXT,
                      published_at DATETIME,
                      updated_at DATETIME,
                      comments TEXT,
                      journal_ref TEXT,
                      doi TEXT,
                      links TEXT NOT NULL CHECK (json_valid(links)),
                      change_seq INTEGER NOT NULL UNIQUE,
                      created_at DATETIME NOT NULL
                    );

                    CREATE TABLE user (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      username TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(username) BETWEEN 1 AND 39),
                      display_name TEXT NOT NULL,
                      role TEXT NOT NULL CHECK (role IN ('member', 'curator', 'admin')),
                      password_hash TEXT,
                      created_at DATETIME NOT NULL
                    );

                    -- A paper is on at most one daily feed: the paper id is the key.
                    CREATE TABLE daily_submission (
                      paper_id TEXT PRIMARY KEY NOT NULL REFERENCES paper(id) ON DELETE CASCADE,
                      day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
                      submitter_id INTEGER NOT NULL REFERENCES user(id),
                      submitted_at DATETIME NOT NULL,
                      github_repo TEXT,
                      project_page TEXT
                    );
                    CREATE INDEX daily_submission_day ON daily_submission(day, submitted_at);

                    CREATE TABLE upvote (
                      user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                      paper_id TEXT NOT NULL REFERENCES paper(id) ON DELETE CASCADE,
                      created_at DATETIME NOT NULL,
                      PRIMARY KEY (user_id, paper_id)
                    ) WITHOUT ROWID;
                    CREATE INDEX upvote_paper ON upvote(paper_id);

                    CREATE TABLE comment (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      paper_id TEXT NOT NULL REFERENCES paper(id) ON DELETE CASCADE,
                      user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                      parent_id INTEGER REFERENCES comment(id) ON DELETE CASCADE,
                      body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
                      created_at DATETIME NOT NULL,
                      edited_at DATETIME,
                      deleted_at DATETIME
                    );
                    CREATE INDEX comment_paper ON comment(paper_id, created_at);
                    """)
        }
        migrator.registerMigration("v2-embeddings") { db in
            // Vectors are derived data, kept in the store so a restart never recomputes them. `last_sequence`
            // is written in the same transaction as the vectors, so work is never lost or done twice.
            try db.execute(
                sql: """
                    CREATE TABLE paper_embedding (
                      model TEXT NOT NULL,
                      paper_id TEXT NOT NULL REFERENCES paper(id) ON DELETE CASCADE,
                      vector BLOB NOT NULL,
                      change_seq INTEGER NOT NULL,
                      PRIMARY KEY (model, paper_id)
                    ) WITHOUT ROWID;

                    CREATE TABLE embedding_progress (
                      model TEXT PRIMARY KEY NOT NULL,
                      last_sequence INTEGER NOT NULL CHECK (last_sequence >= 0)
                    );
                    """)
        }
        migrator.registerMigration("v3-community") { db in
            try db.execute(
                sql: """
                    -- Server-side sessions. Only a SHA-256 of the cookie token is stored, so a copy of the database
                    -- does not hand out live sessions.
                    CREATE TABLE session (
                      token_hash TEXT PRIMARY KEY NOT NULL,
                      user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                      created_at DATETIME NOT NULL,
                      expires_at DATETIME NOT NULL
                    );
                    CREATE INDEX session_user ON session(user_id);

                    CREATE TABLE collection (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                      name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 100),
                      is_public INTEGER NOT NULL CHECK (is_public IN (0, 1)),
                      created_at DATETIME NOT NULL,
                      UNIQUE (user_id, name)
                    );

                    CREATE TABLE collection_item (
                      collection_id INTEGER NOT NULL REFERENCES collection(id) ON DELETE CASCADE,
                      paper_id TEXT NOT NULL REFERENCES paper(id) ON DELETE CASCADE,
                      added_at DATETIME NOT NULL,
                      PRIMARY KEY (collection_id, paper_id)
                    ) WITHOUT ROWID;

                    -- A user saying "I am this author of this paper"; curators confirm.
                    CREATE TABLE author_claim (
                      user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                      paper_id TEXT NOT NULL REFERENCES paper(id) ON DELETE CASCADE,
                      author_name TEXT NOT NULL,
                      confirmed INTEGER NOT NULL DEFAULT 0 CHECK (confirmed IN (0, 1)),
                      created_at DATETIME NOT NULL,
                      PRIMARY KEY (user_id, paper_id)
                    ) WITHOUT ROWID;

                    CREATE INDEX upvote_created ON upvote(created_at);
                    CREATE INDEX paper_embedding_change ON paper_embedding(model, change_seq);
                    """)
        }
        migrator.registerMigration("v4-embedding-chunks") { db in
            // `vector` holds `chunks` vectors back to back (little-endian float32).
            try db.execute(
                sql: "ALTER TABLE paper_embedding ADD COLUMN chunks INTEGER NOT NULL DEFAULT 1 CHECK (chunks >= 1)")
        }
        migrator.registerMigration("v5-access-tokens") { db in
            // Personal access tokens for the write API. Like sessions, only a SHA-256 of the token is stored.
            try db.execute(
                sql: """
                    CREATE TABLE access_token (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                      name TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 100),
                      token_hash TEXT NOT NULL UNIQUE,
                      created_at DATETIME NOT NULL,
                      last_used_at DATETIME
                    );
                    CREATE INDEX access_token_user ON access_token(user_id);
                    """)
        }
        migrator.registerMigration("v6-digests") { db in
            // Digest subscriptions (double opt-in), the durable outbox (one row per idempotency key: a digest is
            // rendered and recorded once, then sent) and named secrets (the token signing key).
            try db.execute(
                sql: """
                    CREATE TABLE subscriber (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      email TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(email) BETWEEN 3 AND 254),
                      user_id INTEGER REFERENCES user(id) ON DELETE SET NULL,
                      status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'unsubscribed', 'suspended')),
                      frequency TEXT NOT NULL CHECK (frequency IN ('daily', 'weekly')),
                      categories TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(categories)),
                      saved_searches TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(saved_searches)),
                      created_at DATETIME NOT NULL,
                      confirmed_at DATETIME,
                      bounce_count INTEGER NOT NULL DEFAULT 0 CHECK (bounce_count >= 0)
                    );
                    CREATE INDEX subscriber_status ON subscriber(status, frequency);
                    CREATE INDEX subscriber_user ON subscriber(user_id);

                    CREATE TABLE outbox (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      idempotency_key TEXT NOT NULL UNIQUE,
                      subscriber_id INTEGER REFERENCES subscriber(id) ON DELETE SET NULL,
                      recipient TEXT NOT NULL,
                      payload TEXT NOT NULL,
                      state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
                      attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                      next_attempt_at DATETIME NOT NULL,
                      last_error TEXT,
                      created_at DATETIME NOT NULL,
                      sent_at DATETIME
                    );
                    CREATE INDEX outbox_due ON outbox(state, next_attempt_at);

                    CREATE TABLE secret (
                      name TEXT PRIMARY KEY NOT NULL,
                      value BLOB NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v7-import-journal") { db in
            // Imports in progress: a file's records are applied in short transactions, each advancing its entry
            // here, so an import cut off part-way is continued by running it again. Finished imports leave no row.
            try db.execute(
                sql: """
                    CREATE TABLE import_journal (
                      path TEXT NOT NULL,
                      size INTEGER NOT NULL CHECK (size >= 0),
                      sha256 TEXT NOT NULL,
                      settings TEXT NOT NULL,
                      records_applied INTEGER NOT NULL DEFAULT 0 CHECK (records_applied >= 0),
                      inserted INTEGER NOT NULL DEFAULT 0,
                      updated INTEGER NOT NULL DEFAULT 0,
                      unchanged INTEGER NOT NULL DEFAULT 0,
                      submissions_added INTEGER NOT NULL DEFAULT 0,
                      started_at DATETIME NOT NULL,
                      updated_at DATETIME NOT NULL,
                      PRIMARY KEY (path, size, sha256, settings)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v8-settings") { db in
            // What one command tells the others through the store (the address `serve` is reached at, for the
            // links `digest send` writes).
            try db.execute(
                sql: """
                    CREATE TABLE setting (
                      name TEXT PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
                      value TEXT NOT NULL,
                      updated_at DATETIME NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v9-harvest") { db in
            // arXiv intake: each harvest's progress, saved with each page's papers; and papers arXiv withdrew
            // (deleted OAI records), kept rather than lost.
            try db.execute(
                sql: """
                    CREATE TABLE harvest_state (
                      endpoint TEXT NOT NULL CHECK (length(endpoint) BETWEEN 1 AND 2000),
                      set_spec TEXT NOT NULL,
                      metadata_prefix TEXT NOT NULL CHECK (length(metadata_prefix) BETWEEN 1 AND 100),
                      last_datestamp TEXT,
                      resumption_token TEXT,
                      harvest_from TEXT,
                      harvest_until TEXT,
                      seen_up_to TEXT,
                      records_harvested INTEGER NOT NULL DEFAULT 0 CHECK (records_harvested >= 0),
                      last_success_at DATETIME,
                      last_error TEXT,
                      last_error_at DATETIME,
                      updated_at DATETIME NOT NULL,
                      PRIMARY KEY (endpoint, set_spec, metadata_prefix)
                    ) WITHOUT ROWID;

                    CREATE TABLE paper_withdrawal (
                      paper_id TEXT PRIMARY KEY NOT NULL REFERENCES paper(id) ON DELETE CASCADE,
                      withdrawn_at DATETIME NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v10-published-index") { db in
            // "New on arXiv": the papers first published on a day, and the neighbouring days.
            try db.execute(sql: "CREATE INDEX paper_published_at ON paper (published_at)")
        }
        migrator.registerMigration("v11-paper-alias") { db in
            // Listing papers (local `pb-` ids) resolved to their arXiv record: the paper's normalized title
            // (`LocalPaperID.normalizedTitle`) to find matches, the aliases old ids answer to, the matches
            // curators decide, and deleted papers in the change sequence, so derived indexes drop them.
            try db.execute(
                sql: """
                    ALTER TABLE paper ADD COLUMN title_key TEXT;

                    CREATE TABLE paper_alias (
                      local_id TEXT PRIMARY KEY NOT NULL,
                      paper_id TEXT NOT NULL REFERENCES paper(id) ON DELETE CASCADE,
                      created_at DATETIME NOT NULL
                    );
                    CREATE INDEX paper_alias_paper ON paper_alias(paper_id);

                    CREATE TABLE paper_resolution_conflict (
                      local_id TEXT NOT NULL REFERENCES paper(id) ON DELETE CASCADE,
                      arxiv_id TEXT NOT NULL REFERENCES paper(id) ON DELETE CASCADE,
                      recorded_at DATETIME NOT NULL,
                      PRIMARY KEY (local_id, arxiv_id)
                    ) WITHOUT ROWID;
                    CREATE INDEX paper_resolution_conflict_arxiv ON paper_resolution_conflict(arxiv_id);

                    CREATE TABLE paper_deletion (
                      paper_id TEXT PRIMARY KEY NOT NULL,
                      title TEXT NOT NULL,
                      change_seq INTEGER NOT NULL UNIQUE,
                      deleted_at DATETIME NOT NULL
                    );
                    """)
            let rows = try Row.fetchAll(db, sql: "SELECT id, title FROM paper")
            let update = try db.makeStatement(sql: "UPDATE paper SET title_key = ? WHERE id = ?")
            for row in rows {
                try update.execute(arguments: [LocalPaperID.normalizedTitle(row["title"]), row["id"] as String])
            }
            try db.execute(sql: "CREATE INDEX paper_title_key ON paper(title_key)")
        }
        migrator.registerMigration("v12-reader-signals") { db in
            // What readers tell the recommender: "Not interested" marks, followed authors (by normalized name,
            // `AuthorName.key`) and categories, and one private recommendations-feed token each (SHA-256 only).
            try db.execute(
                sql: """
                    CREATE TABLE paper_rejection (
                      user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                      paper_id TEXT NOT NULL REFERENCES paper(id) ON DELETE CASCADE,
                      created_at DATETIME NOT NULL,
                      PRIMARY KEY (user_id, paper_id)
                    ) WITHOUT ROWID;

                    CREATE TABLE author_follow (
                      user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                      author_key TEXT NOT NULL CHECK (length(author_key) BETWEEN 1 AND 200),
                      display_name TEXT NOT NULL CHECK (length(trim(display_name)) BETWEEN 1 AND 200),
                      created_at DATETIME NOT NULL,
                      PRIMARY KEY (user_id, author_key)
                    ) WITHOUT ROWID;

                    CREATE TABLE category_follow (
                      user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                      category TEXT NOT NULL CHECK (length(category) BETWEEN 1 AND 40),
                      created_at DATETIME NOT NULL,
                      PRIMARY KEY (user_id, category)
                    ) WITHOUT ROWID;

                    CREATE TABLE recommendation_feed_token (
                      user_id INTEGER PRIMARY KEY NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                      token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
                      created_at DATETIME NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v13-leases-and-throttles") { db in
            // State that several instances on one database must agree on: who runs each piece of background
            // work (a lease a holder renews, another takes once it expires), and events counted against limits
            // that hold across instances (confirmation mails per address). `expires_at` lets old events go.
            try db.execute(
                sql: """
                    CREATE TABLE lease (
                      name TEXT PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
                      holder TEXT NOT NULL CHECK (length(holder) BETWEEN 1 AND 200),
                      expires_at DATETIME NOT NULL,
                      acquired_at DATETIME NOT NULL
                    );

                    CREATE TABLE throttle_event (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 400),
                      happened_at DATETIME NOT NULL,
                      expires_at DATETIME NOT NULL
                    );
                    CREATE INDEX throttle_event_key ON throttle_event(key, happened_at);
                    CREATE INDEX throttle_event_expiry ON throttle_event(expires_at);
                    """)
        }
        migrator.registerMigration("v14-paper-views") { db in
            // Papers each reader opened: "seen", left out of their recommendations. One row per (reader, paper),
            // its time the latest opening; the index serves "latest first" for one reader.
            try db.execute(
                sql: """
                    CREATE TABLE paper_view (
                      user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                      paper_id TEXT NOT NULL REFERENCES paper(id) ON DELETE CASCADE,
                      viewed_at DATETIME NOT NULL,
                      PRIMARY KEY (user_id, paper_id)
                    ) WITHOUT ROWID;
                    CREATE INDEX paper_view_latest ON paper_view(user_id, viewed_at);
                    CREATE INDEX paper_view_paper ON paper_view(paper_id);
                    """)
        }
        return migrator
    }()
}
