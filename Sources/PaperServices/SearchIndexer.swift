import Logging
import Metrics
import ServiceLifecycle

/// Keeps the search engine current: applies new store changes and new embeddings every `interval`.
public struct SearchIndexer: Service {
    let engine: PaperSearchEngine
    let interval: Duration
    let logger: Logger

    public init(engine: PaperSearchEngine, interval: Duration = .seconds(2), logger: Logger) {
        self.engine = engine
        self.interval = interval
        self.logger = logger
    }

    private let lag = Gauge(label: "paperboy_search_index_lag")

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let changed = try await engine.catchUp()
                    // How far the index is behind the store: 0 when caught up (a background queue in /metrics).
                    let latest = try await engine.store.latestChangeSequence()
                    lag.record(max(0, latest - engine.lexical.lastAppliedSequence))
                    if changed > 0 {
                        let status = engine.status
                        logger.info(
                            "search index updated",
                            metadata: [
                                "changed": "\(changed)", "papers": "\(status.documents)",
                                "vectors": "\(status.vectors)",
                            ])
                    }
                    try await Task.sleep(for: interval)
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("search indexing failed; retrying", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(10))  // cancelled: the loop ends
                }
            }
        }
    }
}
