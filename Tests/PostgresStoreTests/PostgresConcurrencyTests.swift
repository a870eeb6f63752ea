import Foundation
import PaperModel
import PaperStore
import PostgresNIO
import PostgresStore
import Synchronization
import Testing

/// What several processes sharing one database need: a change feed that misses nothing under concurrent writers,
/// and migrations that two processes starting at once apply once.
@Suite("PostgreSQL: concurrency", .serialized, .enabled(if: TestPostgres.serverURL != nil, TestPostgres.skipReason))
struct PostgresConcurrencyTests {
    static func paper(_ id: String, title: String? = nil) -> Paper {
        Paper(
            id: id, title: title ?? "Paper \(id)", abstract: "About \(id).", authors: ["Ada Lovelace"],
            categories: ["cs.CL"], publishedAt: Date(timeIntervalSince1970: 1_700_000_000))
    }

    /// Writers on their own connection pools (as separate processes would be) upsert papers in small batches and
    /// one at a time, while a follower reads `changes(after:)` from its last sequence. A sequence taken by one
    /// writer and committed after a larger one of another would be skipped for good; the follower must see
    /// every paper, each change once, in increasing order.
    @Test func followerOfConcurrentWritersMissesNoChange() async throws {
        try await withFreshStores { stores in
            let (first, url) = try await stores.makeWithURL()
            let writerCount = 4
            let rounds = 40
            var opened: [PostgresPaperStore] = [first]
            for _ in 1..<writerCount {
                opened.append(try await PostgresPaperStore.connect(url: url, logger: TestPostgres.logger))
            }
            let writers = opened
            let follower = try await PostgresPaperStore.connect(url: url, logger: TestPostgres.logger)
            let done = FinishedWriters()
            var expected: Set<String> = []
            for w in 0..<writerCount {
                for r in 0..<rounds {
                    for k in 0..<(r % 3 + 1) { expected.insert(String(format: "26%02d.%05d", w, r * 10 + k)) }
                }
            }

            let seen = try await withThrowingTaskGroup(of: [PaperChange].self) { group in
                for (w, writer) in writers.enumerated() {
                    group.addTask {
                        defer { done.count.add(1, ordering: .sequentiallyConsistent) }
                        for r in 0..<rounds {
                            let batch = (0..<(r % 3 + 1)).map {
                                Self.paper(String(format: "26%02d.%05d", w, r * 10 + $0))
                            }
                            try await writer.upsert(batch)
                            // Updates too: a paper moving to a new, larger sequence.
                            if r % 5 == 4 {
                                try await writer.upsert([
                                    Self.paper(String(format: "26%02d.%05d", w, r * 10), title: "Revised \(r)")
                                ])
                            }
                        }
                        return []
                    }
                }
                group.addTask {
                    var changes: [PaperChange] = []
                    var last: Int64 = 0
                    while true {
                        let finished = done.count.load(ordering: .sequentiallyConsistent) == writerCount
                        let page = try await follower.changes(after: last, limit: 7)
                        changes += page
                        last = page.last?.sequence ?? last
                        // After the writers finished, one more empty page means the follower is at the end.
                        if finished && page.isEmpty { return changes }
                        if page.isEmpty { try await Task.sleep(for: .milliseconds(2)) }
                    }
                }
                var all: [PaperChange] = []
                for try await part in group { all += part }
                return all
            }
            for writer in writers.dropFirst() { await writer.close() }
            await follower.close()

            let sequences = seen.map(\.sequence)
            #expect(sequences == sequences.sorted() && Set(sequences).count == sequences.count)
            // Every change the store holds now was given to the follower: nothing was skipped.
            let final = try await first.changes(after: 0, limit: 100_000)
            let missed = Set(final.map(\.sequence)).subtracting(sequences)
            #expect(missed.isEmpty, "the follower missed \(missed.count) changes: \(missed.sorted().prefix(10))")
            #expect(Set(seen.map(\.paper.id)) == expected)
            #expect(try await first.paperCount() == expected.count)
            #expect(try await first.latestChangeSequence() == sequences.last)
        }
    }

    /// Two stores connecting at once to an empty database: both succeed, and each migration is applied once.
    @Test func concurrentConnectsApplyTheMigrationsOnce() async throws {
        let database = try await TestPostgres.createDatabase()
        defer { Task { try? await TestPostgres.dropDatabase(database) } }
        let url = TestPostgres.url(database: database)
        async let a = PostgresPaperStore.connect(url: url, logger: TestPostgres.logger)
        async let b = PostgresPaperStore.connect(url: url, logger: TestPostgres.logger)
        let (one, two) = try await (a, b)
        #expect(try await one.status().schemaVersion == PostgresPaperStore.currentSchemaVersion)
        #expect(try await two.status().schemaVersion == PostgresPaperStore.currentSchemaVersion)
        try await one.upsert([Self.paper("2601.00001")])
        #expect(try await two.paper(id: "2601.00001")?.title == "Paper 2601.00001")
        await one.close()
        await two.close()
        let versions = try await TestPostgres.connection(database: database) { c in
            var versions: [String] = []
            for try await version in try await c.query(
                "SELECT version FROM schema_migrations ORDER BY applied_at, version", logger: TestPostgres.logger
            )
            .decode(String.self) {
                versions.append(version)
            }
            return versions
        }
        // Each migration applied once, in order, although two processes raced to apply them.
        #expect(versions == PostgresPaperStore.schemaVersions)
        try await TestPostgres.dropDatabase(database)
    }

    @Test func badURLsAreRefusedClearly() async throws {
        for (url, why) in [
            ("mysql://u@localhost/db", "scheme"), ("postgres://localhost/db", "user"),
            ("postgres://u@localhost", "database"), ("postgres://u@localhost/db?sslmode=sometimes", "sslmode"),
            ("postgres://u@localhost/db?color=blue", "unknown parameter"),
        ] {
            do {
                _ = try await PostgresPaperStore.connect(url: url, logger: TestPostgres.logger)
                Issue.record("\(url) was accepted")
            } catch let error as StoreError {
                #expect(error.code == .invalidInput)
                #expect(error.message.contains(why), "\(url): \(error.message)")
            }
        }
    }

    /// A server that is not there: a storage error naming the address, not a hang.
    @Test func unreachableServerFailsWithTheAddress() async throws {
        do {
            _ = try await PostgresPaperStore.connect(
                url: "postgres://paperboy:secret@127.0.0.1:1/none", logger: TestPostgres.logger,
                connectTimeout: .seconds(1))
            Issue.record("connected to port 1")
        } catch let error as StoreError {
            #expect(error.code == .storage)
            #expect(error.message.contains("127.0.0.1:1/none") && !error.message.contains("secret"))
        }
    }
}

/// How many writers are done.
final class FinishedWriters: Sendable {
    let count = Atomic<Int>(0)
}
