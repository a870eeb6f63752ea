import Metrics
import Prometheus

/// The process's metrics backend: swift-metrics bootstrapped with a Prometheus registry, whose text exposition
/// `/metrics` serves.
enum ServeMetrics {
    /// Bootstraps the metrics system (once per process) and returns the exposition for `/metrics`.
    static func bootstrap() -> @Sendable () -> String {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Request latencies from 1 ms to 10 s.
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .seconds(2.5), .seconds(5), .seconds(10),
        ]
        MetricsSystem.bootstrap(factory)
        return { registry.emitToString() }
    }
}
