import ArgumentParser
import ArxivClient
import DemoCorpus
import Digests
import Embeddings
import Foundation
import Hummingbird
import Intake
import Logging
import PaperServices
import PaperStore
import PaperWeb
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve the web app, JSON APIs and feeds.")

    @OptionGroup var storeOptions: StoreOptions

    @OptionGroup var model: ModelOptions

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @Option(
        help:
            "The public address of this server (https://papers.example.org), for links in feeds and mail. Default: each request's Host."
    )
    var publicURL: String?

    @Option(
        help:
            "API and feed requests allowed per client IP address per minute (writes also count against their token's limit)."
    )
    var apiReadsPerMinute = APILimits().readsPerMinute

    @Option(help: "Write API requests allowed per access token per minute.")
    var apiWritesPerMinute = APILimits().writesPerMinute

    @Flag(
        help:
            "Embed papers in word windows only, without per-sentence vectors: about 5x less vector memory for large corpora, at some cost in hybrid search quality (benchmarks/RESULTS.md)."
    )
    var noSentenceVectors = false

    @Flag(name: .customLong("no-demo"), help: "Do not import the demo corpus into an empty data folder.")
    var noDemo = false

    @Option(
        name: .customLong("idle-timeout"),
        help:
            "Seconds a connection may stay without request activity (also while sending a request's head) before it is closed."
    )
    var idleTimeout: Double = 30

    @Flag(
        name: .customLong("metrics-from-any-address"), help: "Serve /metrics to every client, not only to this machine."
    )
    var metricsFromAnyAddress = false

    @Option(
        name: .customLong("harvest-set"),
        help:
            "Harvest this arXiv OAI set (cs, stat, math, physics:hep-th) after each daily announcement; repeat for several. Default: no harvesting."
    )
    var harvestSets: [String] = []

    @Option(
        name: .customLong("harvest-time"),
        help: "When to harvest, HH:MM in --harvest-time-zone, on announcement days (Sunday to Thursday).")
    var harvestTime = "20:30"

    @Option(
        name: .customLong("harvest-time-zone"),
        help: "Time zone of --harvest-time (arXiv announces at 20:00 US Eastern).")
    var harvestTimeZone = "America/New_York"

    @Option(name: .customLong("oai-url"), help: "arXiv's OAI-PMH endpoint (a mirror, or a test server).")
    var oaiURL = ArxivClientConfiguration.defaultOAIBaseURL

    @Option(name: .customLong("api-url"), help: "arXiv's query API, for papers imported on demand.")
    var apiURL = ArxivClientConfiguration.defaultQueryBaseURL

    @Flag(
        name: .customLong("arxiv-imports"),
        help:
            "Let signed-in members and access tokens import arXiv papers that are not stored yet (the paper page's Import from arXiv button, /submit, POST /api/papers/index), at most 30 per account per hour."
    )
    var arxivImports = false

    @Option(name: .customLong("arxiv-delay"), help: "Seconds between requests to arXiv (arXiv asks for 3).")
    var arxivDelay: Double = 3

    @Option(name: .customLong("arxiv-contact"), help: "A contact address for the User-Agent of requests to arXiv.")
    var arxivContact: String = ProcessInfo.processInfo.environment["PAPERBOY_ARXIV_CONTACT"] ?? ""

    @OptionGroup var mail: MailOptions

    @Option(
        name: .customLong("lease-seconds"),
        help: ArgumentHelp(
            "How long a background-work lease lasts unrenewed: how soon another instance takes over a dead one's work.",
            visibility: .hidden))
    var leaseSeconds: Int = 60

    @Option(name: .customLong("digest-hour"), help: "Hour (0-23) at which digests are sent.")
    var digestHour = 7

    @Option(name: .customLong("digest-time-zone"), help: "Time zone of --digest-hour (e.g. Europe/Paris).")
    var digestTimeZone = "UTC"

    func validate() throws {
        guard apiReadsPerMinute > 0, apiWritesPerMinute > 0 else {
            throw ValidationError("rate limits must be positive")
        }
        guard (0...65535).contains(port) else { throw ValidationError("port must be 0-65535, got \(port)") }
        if let publicURL {
            guard let url = URL(string: publicURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil,
                url.query == nil
            else { throw ValidationError("--public-url must be an http(s) address like https://papers.example.org") }
        }
        guard idleTimeout >= 0.1, idleTimeout <= 86_400 else {
            throw ValidationError("--idle-timeout must be 0.1 to 86400 seconds")
        }
        guard harvestSchedule != nil else {
            throw ValidationError(
                "--harvest-time must be HH:MM and --harvest-time-zone a known zone, got \(harvestTime) \(harvestTimeZone)"
            )
        }
        for set in harvestSets where set.isEmpty || set.contains(where: { $0.isWhitespace }) {
            throw ValidationError(
                "--harvest-set must be an OAI set such as cs or physics:hep-th, got \(set.debugDescription)")
        }
        guard arxivDelay >= 0, arxivDelay <= 3600 else {
            throw ValidationError("--arxiv-delay must be 0 to 3600 seconds")
        }
        for url in [oaiURL, apiURL] {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil
            else {
                throw ValidationError("--oai-url and --api-url must be http(s) addresses, got \(url.debugDescription)")
            }
        }
        guard (3...3600).contains(leaseSeconds) else {
            throw ValidationError("--lease-seconds must be 3 to 3600")
        }
        guard (0...23).contains(digestHour) else {
            throw ValidationError("--digest-hour must be 0-23, got \(digestHour)")
        }
        guard TimeZone(identifier: digestTimeZone) != nil else {
            throw ValidationError("unknown --digest-time-zone \(digestTimeZone.debugDescription)")
        }
    }

    func run() async throws {
        // First: metrics made before the bootstrap (services make theirs when created) would go nowhere.
        let metricsText = ServeMetrics.bootstrap()
        let logger = storeOptions.makeLogger("paperboy")
        let directory = storeOptions.resolvedDataDirectory
        let opened = try await storeOptions.openStore(logger: logger)
        let store = opened.store
        logger.info(
            "store opened",
            metadata: ["store": "\(opened.backend)", "at": "\(opened.location)", "dataDir": "\(directory.path)"])
        // Background work that must run once across the instances sharing the store takes a lease named for it
        // (digest delivery only on a shared store: on SQLite the data folder's flock does it, see DigestKit).
        let leaseDuration = Duration.seconds(leaseSeconds)
        func lease(_ name: String) -> Lease {
            Lease(name, store: store, duration: leaseDuration, renewEvery: leaseDuration / 3)
        }
        logger.info("instance", metadata: ["leaseHolder": "\(LeaseHolder.thisProcess)"])
        if !noDemo {
            let reports = try await DemoCorpus.importIfEmpty(into: store, lease: lease(DemoCorpus.leaseName))
            if !reports.isEmpty {
                let papers = reports.reduce(0) { $0 + $1.summary.inserted }
                logger.info("empty store: imported the demo corpus", metadata: ["papers": "\(papers)"])
            }
        }
        var services: [any Service] = []
        let encoder = loadEncoder(logger: logger)
        if let encoder {
            // Windows first (they make search hybrid), then sentence vectors (they add the feedback fusion); both
            // share the one inference queue, so the second only runs in the first one's idle time.
            let chunkings: [ChunkPolicy] = noSentenceVectors ? [.standard] : [.standard, .sentences]
            for chunking in chunkings {
                let modelKey = encoder.identity + chunking.tag
                services.append(
                    EmbeddingIndexer(
                        store: store, embedder: encoder, chunking: chunking, logger: logger,
                        lease: lease(EmbeddingIndexer.leaseName(modelKey: modelKey))))
            }
        }
        let engine = try PaperSearchEngine(
            store: store,
            directory: try await lexicalIndexDirectory(
                store: store, sharedStore: opened.isShared, dataDirectory: directory, logger: logger),
            embedder: encoder,
            sentenceChunking: noSentenceVectors ? nil : .sentences, logger: logger)
        // The port opens at once; the index catches up in the background (SearchIndexer's first pass), and pages
        // and /healthz say "indexing" until it has.
        services.append(SearchIndexer(engine: engine, logger: logger))
        let searchStatus: @Sendable () -> (mode: String, model: String?) = {
            guard engine.isReady else { return ("indexing", encoder?.identity) }
            guard let encoder else { return ("lexical-only", nil) }
            return (engine.defaultMode.rawValue, encoder.identity)
        }
        let servedAt = publicURL ?? "http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(port)"
        // `digest send` run later on this data folder writes its links to the same address.
        try await store.setSetting(named: StoreSetting.publicURL, value: servedAt)
        let digests = try await DigestKit.make(
            store: store, search: engine, mail: mail, dataDirectory: directory, publicURL: servedAt,
            sharedStore: opened.isShared, leaseDuration: leaseDuration, logger: logger)
        logger.info("digest mail: \(digests.transportDescription)")
        services.append(
            DigestScheduler(
                schedule: DigestSchedule(hour: digestHour, timeZone: TimeZone(identifier: digestTimeZone)!),
                batch: digests.batch,
                logger: logger))
        let arxiv = LiveArxivService(
            configuration: ArxivClientConfiguration(
                oaiBaseURL: oaiURL, queryBaseURL: apiURL, contact: arxivContact,
                politeness: PolitenessPolicy(delay: arxivDelay)),
            logger: logger)
        if !harvestSets.isEmpty, let schedule = harvestSchedule {
            services.append(
                HarvestService(
                    harvester: Harvester(store: store, service: arxiv, logger: logger),
                    harvests: harvestSets.map { HarvestOptions(endpoint: oaiURL, set: $0) }, schedule: schedule,
                    logger: logger, lease: lease(HarvestService.leaseName)))
        }
        // Imports answer a person waiting on a page: one quick retry, no long waits for arXiv's Retry-After (the
        // harvester's client keeps its patient policy).
        let imports =
            arxivImports
            ? LiveArxivService(
                configuration: ArxivClientConfiguration(
                    oaiBaseURL: oaiURL, queryBaseURL: apiURL, contact: arxivContact,
                    politeness: PolitenessPolicy(delay: arxivDelay, maxAttempts: 2, initialBackoff: 2, maxRetryAfter: 5)
                ),
                logger: logger) : nil
        var configuration = WebConfiguration(host: host, port: port, publicURL: publicURL, searchStatus: searchStatus)
        configuration.requestLogLevel = .info
        configuration.apiLimits = APILimits(readsPerMinute: apiReadsPerMinute, writesPerMinute: apiWritesPerMinute)
        configuration.idleTimeout = .milliseconds(Int64(idleTimeout * 1000))
        configuration.metricsText = metricsText
        configuration.metricsFromAnyAddress = metricsFromAnyAddress
        do {
            let app = try await buildApplication(
                store: store, search: engine, configuration: configuration, logger: logger,
                subscriptions: digests.subscriptions, fetcher: imports.map { PaperFetcher(store: store, service: $0) })
            services.insert(app, at: 0)
            let group = ServiceGroup(
                configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        } catch {
            try? await arxiv.shutdown()
            try? await imports?.shutdown()
            await opened.close()
            throw error
        }
        // The arXiv clients' HTTP clients must be shut down before they are released (a debug build traps otherwise).
        try await arxiv.shutdown()
        try await imports?.shutdown()
        // Last: the services above (leases released on shutdown among them) use the store until they stop.
        await opened.close()
        logger.info("stopped")
    }

    /// `--harvest-time` in `--harvest-time-zone` on arXiv's announcement days; nil when either is malformed.
    var harvestSchedule: HarvestSchedule? {
        let parts = harvestTime.split(separator: ":")
        guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]), (0...23).contains(hour),
            (0...59).contains(minute), let zone = TimeZone(identifier: harvestTimeZone)
        else { return nil }
        return HarvestSchedule(
            hour: hour, minute: minute, timeZone: zone, weekdays: HarvestSchedule.arxivAnnouncement.weekdays)
    }

    /// The embedding model, or nil (lexical-only) with the reason in the log.
    func loadEncoder(logger: Logger) -> SentenceEncoder? {
        guard let directory = model.resolvedDirectory else {
            logger.notice(
                "no embedding model (--model, PAPERBOY_MODEL_DIR or ./\(ModelOptions.defaultDirectory)): search runs lexical-only"
            )
            return nil
        }
        do {
            // One inference thread: the other core keeps serving requests while papers are embedded.
            let encoder = try SentenceEncoder(modelDirectory: directory, threads: 1)
            logger.info(
                "embedding model loaded", metadata: ["model": "\(encoder.identity)", "dir": "\(directory.path)"])
            return encoder
        } catch {
            logger.error("cannot load the embedding model; search runs lexical-only", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
