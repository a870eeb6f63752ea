import Digests
import Foundation
import Hummingbird
import Intake
import Logging
import PaperServices
import PaperStore
import PaperSupport

/// Everything the web layer needs from the composition root.
public struct WebConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Mark cookies Secure (serving behind TLS); also done per request for `X-Forwarded-Proto: https`.
    public var secureCookies = false
    /// The address people reach Paperboy at (`https://papers.example.org`), for absolute links in feeds, API
    /// answers and mail. Nil: taken from each request's Host header.
    public var publicURL: String?
    /// Rate limits of the JSON APIs, feeds and the write API.
    public var apiLimits = APILimits()
    /// Tells pages and /healthz which search mode is active and with which model.
    public var searchStatus: @Sendable () -> (mode: String, model: String?)
    /// Connections with no request activity for this long are closed, including ones that stall while sending a
    /// request's head (so half-sent requests cannot pile up).
    public var idleTimeout: Duration = .seconds(30)
    /// The Prometheus text exposition of the process's metrics, served at `/metrics`; nil: no `/metrics`.
    public var metricsText: (@Sendable () -> String)?
    /// Serve `/metrics` to any client, not only loopback ones (put it behind your proxy's access rules).
    public var metricsFromAnyAddress = false
    /// "Now" for rate limits; tests pass a fixed clock so that a slow run cannot refill a bucket.
    public var clock: @Sendable () -> Date = { Date() }
    /// The level of the request log's line per answer below 500 (5xx are logged at `error`); `serve` logs them at
    /// `info`.
    public var requestLogLevel: Logger.Level = .debug
    /// Pages keep what they read from the store until the next write through it; writes by another process
    /// (`paperboy import` while serving) show after at most this long.
    public var storeRereadInterval: Duration = .seconds(1)
    /// How long a "For you" request waits for the recommendation index being built before answering "preparing"
    /// (`RecommendationSettings.requestWait`); nil: until it is built (tests, where load makes timing meaningless).
    public var recommendationWait: Duration? = .seconds(5)

    public init(
        host: String = "127.0.0.1", port: Int = 8080, publicURL: String? = nil,
        searchStatus: @escaping @Sendable () -> (mode: String, model: String?) = { ("lexical-only", nil) }
    ) {
        self.host = host
        self.port = port
        self.publicURL = publicURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.searchStatus = searchStatus
    }
}

/// Footer facts, shared by every page.
struct SiteStatusProvider: Sendable {
    let store: any PaperStore
    let configuration: WebConfiguration
    /// Store reads of the pages, kept until the next write (shared by every controller).
    let cache: StoreDerivedCache
    /// Rendered feed pages (shared by every controller).
    let pages = RenderedPageCache()

    init(store: any PaperStore, configuration: WebConfiguration) {
        self.store = store
        self.configuration = configuration
        cache = StoreDerivedCache(maximumAge: configuration.storeRereadInterval)
    }

    func info(_ context: PaperboyRequestContext) async throws -> SiteInfo {
        let paperCount = try await cache.value("paperCount", store: store) { try await store.paperCount() }
        var info = SiteInfo(
            paperCount: paperCount, searchMode: searchMode(), viewer: context.viewer?.username,
            csrf: context.csrfToken)
        // The footer's subscribe form is one click for people whose account already has a digest address.
        if let viewer = context.viewer {
            info.subscriberEmail = try await store.subscriber(username: viewer.username)?.email
        }
        return info
    }

    /// "Now", from the configured clock: what is today, what is trending, when sessions expire.
    func now() -> Date { configuration.clock() }

    func searchMode() -> String { configuration.searchStatus().mode }
    func embeddingModel() -> String? { configuration.searchStatus().model }
}

/// The router with every page and endpoint, for the server and for tests.
///
/// One route group per product, each with the middleware it needs:
/// - router-wide: the request log (ids), the edge (path aliases, preflights, errors no group answered, security
///   headers) and request metrics;
/// - the site (pages and forms): sessions and CSRF, HTML error pages;
/// - the Hugging Face API, the arXiv API, Paperboy's JSON APIs and the feeds: the per-IP rate limit and CORS
///   (`APIEdgeMiddleware`) and the group's error shape (`ErrorMiddleware`);
/// - operations (`/healthz`, `/metrics`, `/static/…`, `/openapi.json`): catalog errors, no sessions.
public func buildRouter(
    store: any PaperStore, search: PaperSearchEngine? = nil, configuration: WebConfiguration = WebConfiguration(),
    subscriptions: SubscriptionService? = nil, fetcher: PaperFetcher? = nil,
    recommendations: RecommendationService? = nil
) async throws -> Router<PaperboyRequestContext> {
    let renderer = try await PageRenderer.load()
    // "For you": one shared candidate index for the site, the private feeds and the API.
    var recommendationSettings = RecommendationSettings()
    recommendationSettings.requestWait = configuration.recommendationWait
    let recommender =
        recommendations
        ?? RecommendationService(
            store: store, vectors: search, settings: recommendationSettings, clock: WallClock(now: configuration.clock))
    let site = SiteStatusProvider(store: store, configuration: configuration)
    let pages = ErrorPages(renderer: renderer, site: site)
    // On-demand imports from arXiv (paper pages, the submit form, `POST /api/papers/index`); nil without a fetcher.
    let imports = fetcher.map { PaperImports(fetcher: $0, clock: configuration.clock) }
    let router = Router(context: PaperboyRequestContext.self)
    router.add(middleware: RequestLogMiddleware(level: configuration.requestLogLevel))
    router.add(middleware: EdgeMiddleware(configuration: configuration, pages: pages))
    router.add(middleware: MetricsMiddleware())

    // Reads of the APIs and feeds share one per-IP budget, whichever product they go to.
    let reads = Throttle<String>(
        .perMinute(configuration.apiLimits.readsPerMinute), clock: WallClock(now: configuration.clock))
    func programmatic(_ path: RouterPath, _ audience: ErrorAudience) -> RouterGroup<PaperboyRequestContext> {
        router.group(path)
            .add(middleware: APIEdgeMiddleware(limiter: reads, audience: audience, configuration: configuration))
            .add(middleware: ErrorMiddleware(audience: audience, configuration: configuration))
    }

    let operations = router.group().add(middleware: ErrorMiddleware(audience: .api, configuration: configuration))
    try StaticController().addRoutes(to: operations)
    HealthController(store: store, search: search, site: site).addRoutes(to: operations)
    if let metrics = configuration.metricsText {
        MetricsController(text: metrics, fromAnyAddress: configuration.metricsFromAnyAddress).addRoutes(to: operations)
    }
    try OpenAPIController().addRoutes(to: programmatic("", .api))

    let siteGroup = router.group()
        .add(
            middleware: SessionMiddleware(
                store: store, secureCookies: configuration.secureCookies, clock: configuration.clock)
        )
        .add(middleware: ErrorPageMiddleware(pages: pages))
    SearchController(store: store, engine: search, renderer: renderer, site: site).addRoutes(to: siteGroup)
    PagesController(store: store, search: search, renderer: renderer, site: site, imports: imports).addRoutes(
        to: siteGroup)
    if let imports = imports { ImportController(imports: imports).addRoutes(to: siteGroup) }
    NewPapersController(store: store, renderer: renderer, site: site).addRoutes(to: siteGroup)
    AccountController(store: store, renderer: renderer, site: site).addRoutes(to: siteGroup)
    CommunityController(store: store, site: site).addRoutes(to: siteGroup)
    SubmitController(store: store, renderer: renderer, site: site, imports: imports).addRoutes(to: siteGroup)
    CollectionsController(store: store, renderer: renderer, site: site, recommender: recommender).addRoutes(
        to: siteGroup)
    ForYouController(store: store, recommender: recommender, renderer: renderer, site: site).addRoutes(to: siteGroup)
    DigestController(store: store, service: subscriptions, renderer: renderer, site: site).addRoutes(to: siteGroup)
    ErrorCatalogController(renderer: renderer, site: site).addRoutes(to: siteGroup)
    // Any other GET on the site is a 404 page drawn inside the session middleware, so it shows who is signed in
    // (unknown paths under /api/, /feeds/ or /static/ match their own prefixes first and stay with the edge).
    siteGroup.get("**") { request, _ -> Response in
        throw WebError(.notFound, heading: "Page not found", "There is nothing at \(request.uri.path).")
    }

    HubAPIController(store: store, search: search, configuration: configuration).addRoutes(
        to: programmatic("api", .hub))
    ArxivAPIController(store: store, search: search, configuration: configuration).addRoutes(
        to: programmatic("api", .arxiv))
    FeedsController(store: store, search: search, configuration: configuration, recommender: recommender).addRoutes(
        to: programmatic("feeds", .api))
    WriteAPIController(
        store: store,
        limiter: Throttle(
            .perMinute(configuration.apiLimits.writesPerMinute), clock: WallClock(now: configuration.clock)),
        imports: imports, configuration: configuration, recommender: recommender
    ).addRoutes(to: programmatic("api", .api))
    return router
}

public func buildApplication(
    store: any PaperStore, search: PaperSearchEngine?, configuration: WebConfiguration, logger: Logger,
    subscriptions: SubscriptionService? = nil, fetcher: PaperFetcher? = nil
) async throws -> some ApplicationProtocol {
    let router = try await buildRouter(
        store: store, search: search, configuration: configuration, subscriptions: subscriptions, fetcher: fetcher)
    let idle = configuration.idleTimeout.components
    return Application(
        router: router,
        server: .http1(
            configuration: .init(
                idleTimeout: .nanoseconds(idle.seconds * 1_000_000_000 + idle.attoseconds / 1_000_000_000))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Paperboy"),
        logger: logger)
}
