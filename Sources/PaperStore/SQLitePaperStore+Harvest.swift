import Foundation
import GRDB
import PaperModel

/// Harvest progress and withdrawals (arXiv intake).
extension SQLitePaperStore {
    public func harvestState(_ key: HarvestKey) async throws -> HarvestState? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM harvest_state WHERE endpoint = ? AND set_spec = ? AND metadata_prefix = ?",
                arguments: [key.endpoint, key.set, key.metadataPrefix]
            ).map(Self.harvestState(from:))
        }
    }

    public func harvestStates() async throws -> [HarvestState] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM harvest_state ORDER BY endpoint, set_spec, metadata_prefix")
                .map(Self.harvestState(from:))
        }
    }

    public func applyHarvestPage(
        papers: [Paper], withdrawn: [String], state: HarvestState
    ) async throws -> ImportSummary {
        try await write { db in
            var summary = ImportSummary()
            var titles: Set<String> = []
            let clockNow = clock.now()
            for paper in papers { try Self.upsert(paper, db, &summary, &titles, now: clockNow) }
            try Self.resolveListingPapers(titles: titles, db, now: clockNow)
            let now = state.lastSuccessAt ?? clockNow
            for id in withdrawn {
                try db.execute(
                    sql: """
                        INSERT INTO paper_withdrawal (paper_id, withdrawn_at) SELECT id, ? FROM paper WHERE id = ?
                        ON CONFLICT(paper_id) DO NOTHING
                        """,
                    arguments: [now, id])
            }
            try db.execute(
                sql: """
                    INSERT INTO harvest_state (endpoint, set_spec, metadata_prefix, last_datestamp, resumption_token,
                      harvest_from, harvest_until, seen_up_to, records_harvested, last_success_at, last_error,
                      last_error_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(endpoint, set_spec, metadata_prefix) DO UPDATE SET
                      last_datestamp = excluded.last_datestamp, resumption_token = excluded.resumption_token,
                      harvest_from = excluded.harvest_from, harvest_until = excluded.harvest_until,
                      seen_up_to = excluded.seen_up_to, records_harvested = excluded.records_harvested,
                      last_success_at = excluded.last_success_at, last_error = excluded.last_error,
                      last_error_at = excluded.last_error_at, updated_at = excluded.updated_at
                    """,
                arguments: [
                    state.key.endpoint, state.key.set, state.key.metadataPrefix, state.lastDatestamp?.description,
                    state.resumptionToken, state.harvestFrom?.description, state.harvestUntil?.description,
                    state.seenUpTo?.description, state.recordsHarvested, state.lastSuccessAt, state.lastError,
                    state.lastErrorAt, clock.now(),
                ])
            return summary
        }
    }

    public func recordHarvestError(_ key: HarvestKey, message: String, at date: Date) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO harvest_state (endpoint, set_spec, metadata_prefix, last_error, last_error_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT(endpoint, set_spec, metadata_prefix) DO UPDATE SET
                      last_error = excluded.last_error, last_error_at = excluded.last_error_at,
                      updated_at = excluded.updated_at
                    """,
                arguments: [key.endpoint, key.set, key.metadataPrefix, String(message.prefix(2000)), date, date])
        }
    }

    public func withdrawal(paperID: String) async throws -> Date? {
        try await read { db in
            try Date.fetchOne(
                db, sql: "SELECT withdrawn_at FROM paper_withdrawal WHERE paper_id = ?", arguments: [paperID])
        }
    }

    static func harvestState(from row: Row) -> HarvestState {
        HarvestState(
            key: HarvestKey(endpoint: row["endpoint"], set: row["set_spec"], metadataPrefix: row["metadata_prefix"]),
            lastDatestamp: (row["last_datestamp"] as String?).flatMap(Day.init),
            resumptionToken: row["resumption_token"], harvestFrom: (row["harvest_from"] as String?).flatMap(Day.init),
            harvestUntil: (row["harvest_until"] as String?).flatMap(Day.init),
            seenUpTo: (row["seen_up_to"] as String?).flatMap(Day.init), recordsHarvested: row["records_harvested"],
            lastSuccessAt: row["last_success_at"], lastError: row["last_error"], lastErrorAt: row["last_error_at"])
    }
}
