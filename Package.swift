// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Paperboy",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "paperboy", targets: ["paperboy"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Small shared building blocks, no dependencies: the reader-writer lock, the injectable wall clock, the throttle.
        .target(name: "PaperSupport"),
        // Value types of the domain; no I/O.
        .target(
            name: "PaperModel",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // The source of truth: store protocol and its SQLite implementation.
        .target(
            name: "PaperStore",
            dependencies: ["PaperModel", "PaperSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // The same store on PostgreSQL (PostgresNIO), for several processes sharing one database.
        .target(
            name: "PostgresStore",
            dependencies: [
                "PaperModel", "PaperStore", "PaperSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // Importers: listing pages and arXiv metadata snapshots into the store.
        .target(
            name: "Ingest",
            dependencies: ["PaperModel", "PaperStore", "CZlib", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The demo corpus that ships with Paperboy (founding listing + arXiv CC0 subset).
        .target(name: "DemoCorpus", dependencies: ["PaperModel", "PaperStore", "Ingest"], resources: [.copy("Data")]),
        // Native sentence-transformers inference (BERT family); SIMD kernels in C with runtime dispatch.
        .target(name: "CEmbeddingKernels"),
        .target(name: "Embeddings", dependencies: ["CEmbeddingKernels"]),
        // Text analysis for search: normalization, tokenizer, Porter2 stemmer, stopwords, highlighting.
        .target(name: "TextAnalysis"),
        // Exact and approximate (HNSW) top-k over embeddings; SIMD kernels in C.
        .target(name: "CVectorKernels"),
        .target(name: "VectorIndex", dependencies: ["CVectorKernels", "PaperSupport"]),
        // BM25 over immutable on-disk segments; retrieval metrics and BEIR loading.
        .target(name: "LexicalIndex", dependencies: ["TextAnalysis", "PaperSupport"]),
        .target(name: "SearchEval"),
        // Personal recommendations ("For you"): TF-IDF + linear classifier + embedding cosines over a candidate
        // window, diversity, explanations; and the offline evaluation protocol. Engine-agnostic (no store, no web).
        .target(
            name: "Recommendations",
            dependencies: [
                "TextAnalysis", "CVectorKernels", "SearchEval", "PaperSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // arXiv's OAI-PMH and query (Atom) APIs: pages of records as `Paper` values, politely (rate limit, retries).
        .target(
            name: "ArxivClient",
            dependencies: [
                "PaperModel", "PaperSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // arXiv intake: OAI-PMH harvests applied page by page with their progress, on-demand fetches by id.
        .target(
            name: "Intake",
            dependencies: [
                "ArxivClient", "PaperModel", "PaperStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Long-lived work over the store: background embedding, search indexing.
        .target(
            name: "PaperServices",
            dependencies: [
                "PaperModel", "PaperStore", "LexicalIndex", "VectorIndex", "TextAnalysis", "Recommendations",
                "PaperSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Hummingbird application: pages, JSON, static assets.
        .target(
            name: "PaperWeb",
            dependencies: [
                "PaperModel", "PaperStore", "PaperServices", "PaperSupport", "Digests", "Intake",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Templates"), .copy("Static")]
        ),
        // Outgoing mail: RFC 5322 / MIME rendering and an SMTP client on SwiftNIO.
        .target(
            name: "Mail",
            dependencies: [
                "PaperSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Digests by mail: subscriptions (double opt-in, signed links), period selection, rendering, the durable
        // outbox and its scheduler.
        .target(
            name: "Digests",
            dependencies: [
                "PaperModel", "PaperStore", "PaperServices", "Mail", "PaperSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Templates")]
        ),
        // Composition root: the one command-line executable.
        .executableTarget(
            name: "paperboy",
            dependencies: [
                "PaperModel", "PaperStore", "Ingest", "DemoCorpus", "PaperServices", "PaperWeb", "Embeddings",
                "LexicalIndex", "SearchEval", "Recommendations", "PaperSupport",
                "Digests", "Mail", "ArxivClient", "Intake", "PostgresStore",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(name: "PaperSupportTests", dependencies: ["PaperSupport"]),
        .testTarget(name: "PaperModelTests", dependencies: ["PaperModel"]),
        .testTarget(
            name: "IntakeTests", dependencies: ["Intake", "ArxivClient", "PaperStore", "PaperModel", "PaperSupport"]),
        // A fake arXiv (SwiftNIO, loopback) for tests: replays recorded responses and injects faults.
        .target(
            name: "ArxivTestServer",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/ArxivTestServer"
        ),
        // Shared test helpers: the SMTP test peer (aiosmtpd), a recording mail transport, the test clock
        // (re-exported from PaperSupport), the fixture store and `withApp`.
        .target(
            name: "PaperTestSupport",
            dependencies: [
                "Mail", "PaperModel", "PaperStore", "PaperSupport", "PaperWeb", "DemoCorpus", "Ingest",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/PaperTestSupport",
            exclude: ["smtp_peer.py"]
        ),
        .testTarget(
            name: "ArxivClientTests",
            dependencies: ["ArxivClient", "PaperModel", "ArxivTestServer"],
            exclude: ["release-benchmark.sh"]
        ),
        // Against a real SMTP server (aiosmtpd, via PAPERBOY_TEST_PYTHON) and Python's email parser.
        .testTarget(
            name: "MailTests",
            dependencies: [
                "Mail", "PaperTestSupport", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        // Digest selection, rendering, tokens and the outbox, also against a real SMTP server (aiosmtpd).
        .testTarget(
            name: "DigestsTests",
            dependencies: [
                "Digests", "Mail", "PaperStore", "PaperModel", "PaperTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The store contract: what every PaperStore implementation must do, run by each backend's test target.
        .target(name: "StoreContract", dependencies: ["PaperModel", "PaperStore"], path: "Tests/StoreContract"),
        // The contract against SQLite, and SQLite's own behaviour. GRDB directly too: to hold the database lock from
        // a second connection, and to check copies.
        .testTarget(
            name: "PaperStoreTests",
            dependencies: [
                "PaperModel", "PaperStore", "StoreContract", "PaperSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The contract against a real PostgreSQL server (PAPERBOY_TEST_POSTGRES_URL, started by scripts/test), the
        // change feed under concurrent writers, and concurrent migrations.
        .testTarget(
            name: "PostgresStoreTests",
            dependencies: [
                "PaperModel", "PaperStore", "PostgresStore", "StoreContract", "DemoCorpus",
                .product(name: "Logging", package: "swift-log"),
                // To create and inspect the test databases directly.
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // Runs the built `paperboy` executable end to end.
        .testTarget(
            name: "CLITests",
            dependencies: [
                "PaperModel", "PaperStore", "ArxivTestServer", .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(name: "EmbeddingsTests", dependencies: ["Embeddings", "CEmbeddingKernels"]),
        .testTarget(name: "TextAnalysisTests", dependencies: ["TextAnalysis"], resources: [.copy("Resources")]),
        .testTarget(name: "VectorIndexTests", dependencies: ["VectorIndex", "PaperSupport"]),
        .testTarget(name: "LexicalIndexTests", dependencies: ["LexicalIndex", "SearchEval", "PaperSupport"]),
        .testTarget(name: "SearchEvalTests", dependencies: ["SearchEval"]),
        .testTarget(
            name: "PaperServicesTests",
            dependencies: ["PaperServices", "PaperStore", "PaperModel", "LexicalIndex", "PaperSupport"]),
        .testTarget(name: "RecommendationsTests", dependencies: ["Recommendations", "PaperSupport"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "PaperStore", "PaperModel", "DemoCorpus"]),
        .testTarget(
            name: "PaperWebTests",
            dependencies: [
                "PaperWeb", "PaperModel", "PaperStore", "Ingest", "DemoCorpus", "PaperServices",
                "Digests", "Mail", "Intake", "ArxivClient", "PaperTestSupport", "PaperSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                // To break a store from a second connection (a real failure below the store).
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            // The golden files are read from the source tree (#filePath), not shipped as resources.
            exclude: ["__Snapshots__"]
        ),
    ]
)
