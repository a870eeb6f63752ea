import ArgumentParser
import DemoCorpus
import Digests
import Foundation
import Mail
import PaperModel
import PaperServices
import PaperStore
import PaperSupport

/// `paperboy bench digest`: the daily digest batch, "For you" section included, for many subscribers.
struct BenchDigest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Time and memory of the digest batch personalizing every subscriber's \"For you\" section.",
        discussion: """
            Makes a new store in a temporary folder (or --data-dir, which must not hold a store yet), imports the \
            demo corpus, creates --subscribers accounts, each with --upvotes papers upvoted at random (seeded) and a \
            confirmed daily subscription, then records the daily digest of the demo's latest feed day for all of \
            them: the period's top papers, and each subscriber's own recommendations (lexical, over the 14-day \
            window), rendered and written to the outbox, nothing sent. Prints the time per subscriber and the \
            process's resident memory before and after the batch, so that runs with different --subscribers show \
            whether memory grows with their number.
            """)

    @Option(help: "Subscribers, each with an account.")
    var subscribers = 10_000

    @Option(help: "Upvoted papers per subscriber (their positives).")
    var upvotes = 3

    @Option(help: "A new folder for the benchmark's store (default: a temporary one, removed afterwards).")
    var dataDir: String?

    @Flag(help: "Print JSON.")
    var json = false

    func validate() throws {
        guard subscribers > 0 else { throw ValidationError("--subscribers must be positive") }
        guard upvotes >= 0 else { throw ValidationError("--upvotes must not be negative") }
    }

    func run() async throws {
        func note(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
        let directory: URL
        let temporary = dataDir == nil
        if let dataDir {
            directory = URL(fileURLWithPath: dataDir)
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("paperboy.sqlite").path) {
                throw CommandFailure("\(dataDir) holds a store already: the benchmark needs a new folder")
            }
        } else {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "paperboy-bench-digest-\(UUID().uuidString)")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { if temporary { try? FileManager.default.removeItem(at: directory) } }
        let store = try SQLitePaperStore.open(directory: directory)

        note("importing the demo corpus into \(directory.path)")
        _ = try await DemoCorpus.importIfEmpty(into: store)
        let day = DemoCorpus.listingDay
        let period = DigestPeriod(.daily, asOf: day)
        // Upvotes on papers published before the period, so recommendations have new papers to rank.
        let pool =
            try await store.papersPublished(on: day.adding(days: -3), category: nil, limit: 5_000)
            + store.papersPublished(on: day.adding(days: -10), category: nil, limit: 5_000)
        guard pool.count >= upvotes else { throw CommandFailure("the demo corpus has too few papers") }

        let setupStart = Date()
        let bar = ProgressBar(label: "subscribers", unit: .count)
        var rng = SplitMix64(seed: 20_261_207)
        let now = day.startDate
        for k in 0..<subscribers {
            let name = String(format: "reader%06d", k)
            _ = try await store.createUser(username: name, displayName: name, role: .member, passwordHash: nil)
            var picked = Set<Int>()
            while picked.count < upvotes { picked.insert(Int(rng.next() % UInt64(pool.count))) }
            for i in picked.sorted() { try await store.setUpvote(paperID: pool[i].id, username: name, upvoted: true) }
            let subscriber = try await store.subscribe(
                email: "\(name)@bench.example.org", username: name, frequency: .daily, at: now)
            try await store.confirmSubscriber(id: subscriber.id, at: now)
            if k % 100 == 0 || k == subscribers - 1 { bar.update(done: Int64(k + 1), total: Int64(subscribers)) }
        }
        bar.finish()
        note(String(format: "setup: %d subscribers in %.1f s", subscribers, Date().timeIntervalSince(setupStart)))

        let selector = DigestSelector(store: store, search: nil)
        let batch = DigestBatch(
            store: store, selector: selector,
            renderer: try await DigestRenderer(
                from: try MailAddress("paperboy@bench.example.org"),
                links: DigestLinks(baseURL: "http://127.0.0.1:8080")),
            tokens: try await SubscriptionTokens.load(from: store),
            sender: DigestSender(store: store, transport: DryRunMailTransport()), clock: { now })
        let residentBefore = MemoryUsage.residentMegabytes()
        let peakBefore = MemoryUsage.peakResidentMegabytes()
        let started = Date()
        let report = try await batch.enqueue(period)
        let seconds = Date().timeIntervalSince(started)
        let perSubscriber = seconds * 1000 / Double(max(1, report.subscribers))
        let peakAfter = MemoryUsage.peakResidentMegabytes()
        let residentAfter = MemoryUsage.residentMegabytes()
        // Every tenth subscriber's recorded digest: does it have its own "For you" section?
        var sampled = 0
        var withForYou = 0
        for k in stride(from: 0, to: subscribers, by: 10) {
            guard let subscriber = try await store.subscriber(username: String(format: "reader%06d", k)),
                let message = try await store.outboxMessage(
                    key: DigestBatch.key(subscriberID: subscriber.id, period: period))
            else { continue }
            sampled += 1
            if message.payload.contains("For you") { withForYou += 1 }
        }

        let result: [String: Any] = [
            "subscribers": subscribers, "recorded": report.recorded, "sampled": sampled,
            "sampled_with_for_you": withForYou,
            "seconds": seconds, "ms_per_subscriber": perSubscriber,
            "rss_mb_before": residentBefore, "rss_mb_after": residentAfter, "peak_rss_mb_before": peakBefore,
            "peak_rss_mb_after": peakAfter, "period": period.key,
        ]
        if json {
            let data = try JSONSerialization.data(withJSONObject: result, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("digest batch: \(report.recorded) of \(subscribers) subscribers recorded (\(period.key))")
            print("with a For you section: \(withForYou) of \(sampled) sampled digests (every tenth subscriber)")
            print(String(format: "time: %.1f s, %.2f ms per subscriber", seconds, perSubscriber))
            print("resident memory: \(residentBefore) MB before the batch, \(residentAfter) MB after")
            print("peak resident memory: \(peakBefore) MB before the batch, \(peakAfter) MB after")
        }
    }
}
