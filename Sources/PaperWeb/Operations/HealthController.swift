import Foundation
import Hummingbird
import NIOCore
import PaperServices
import PaperStore

/// `GET /healthz`: is the store reachable, how big is it, which schema and search mode.
struct HealthController<Search: PaperSearching>: Sendable {
    let store: any PaperStore
    let search: Search?
    let site: SiteStatusProvider

    struct Health: ResponseEncodable {
        struct Store: Codable {
            var ok: Bool
            var backend: String?
            var error: String?
        }

        struct Search: Codable {
            var mode: String
            var embeddingModel: String?
            /// Papers in the lexical index, and papers with vectors (background embedding progress).
            var indexedPapers: Int?
            var embeddedPapers: Int?
        }

        var status: String
        var store: Store
        var paperCount: Int
        var schemaVersion: String?
        var changeSequence: Int64?
        var search: Search
        /// arXiv harvests: their progress and last outcome.
        var intake: [Harvest]
        var version: String

        struct Harvest: Codable {
            var set: String
            var metadataPrefix: String
            var lastDatestamp: String?
            var inFlight: Bool
            var recordsHarvested: Int
            var lastSuccessAt: String?
            /// Whether the last attempt failed, and when; the error itself (addresses, upstream answers) is for
            /// operators: the log and `paperboy stats`.
            var lastError: String?
            var lastErrorAt: String?
        }
    }

    func addRoutes(to router: some RouterMethods<PaperboyRequestContext>) {
        router.get("/healthz", use: health)
    }

    @Sendable func health(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        let counts = self.search?.status
        let search = Health.Search(
            mode: site.searchMode(), embeddingModel: site.embeddingModel(), indexedPapers: counts?.documents,
            embeddedPapers: counts?.vectors)
        do {
            let status = try await store.status()
            let intake = try await store.harvestStates().map {
                Health.Harvest(
                    set: $0.key.set.isEmpty ? "all" : $0.key.set, metadataPrefix: $0.key.metadataPrefix,
                    lastDatestamp: $0.lastDatestamp?.description, inFlight: $0.resumptionToken != nil,
                    recordsHarvested: $0.recordsHarvested, lastSuccessAt: $0.lastSuccessAt.map(Timestamp.atom),
                    lastError: $0.lastError == nil ? nil : "the last harvest failed (see the log or paperboy stats)",
                    lastErrorAt: $0.lastError == nil ? nil : $0.lastErrorAt.map(Timestamp.atom))
            }
            let body = Health(
                status: "ok", store: .init(ok: true, backend: status.backend, error: nil),
                paperCount: status.paperCount,
                schemaVersion: status.schemaVersion, changeSequence: status.latestChangeSequence, search: search,
                intake: intake, version: PaperboyVersion.current)
            return try body.response(from: request, context: context)
        } catch {
            // The details go to the log, not to whoever asks.
            context.logger.error("health check: the store cannot be read", metadata: ["error": "\(error)"])
            let body = Health(
                status: "unavailable",
                store: .init(ok: false, backend: nil, error: "the store cannot be read (see the log)"),
                paperCount: 0, schemaVersion: nil, changeSequence: nil, search: search, intake: [],
                version: PaperboyVersion.current)
            var response = try body.response(from: request, context: context)
            response.status = .serviceUnavailable
            return response
        }
    }
}

public enum PaperboyVersion {
    public static let current = "0.1.0"
}

/// `GET /metrics`: Prometheus text exposition (request counts and latency histograms by route and status, store
/// and search timings, background queues). Loopback clients only, unless configured otherwise.
struct MetricsController: Sendable {
    let text: @Sendable () -> String
    let fromAnyAddress: Bool

    func addRoutes(to router: some RouterMethods<PaperboyRequestContext>) {
        router.get("/metrics") { request, context in
            // A request a local reverse proxy forwarded comes from loopback too: it is not from this machine.
            let forwarded =
                request.headers[.init("X-Forwarded-For")!] != nil || request.headers[.init("Forwarded")!] != nil
            guard fromAnyAddress || (Self.isLoopback(context.remoteAddress) && !forwarded) else {
                throw WebError(.forbidden, heading: "Not allowed", "Metrics are served to this machine only.")
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: text())))
        }
    }

    static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else { return true }  // in-process test clients have no peer
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }
}
