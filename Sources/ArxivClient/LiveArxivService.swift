import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Where the live client connects and how it presents itself.
public struct ArxivClientConfiguration: Sendable {
    public var oaiBaseURL: String
    public var queryBaseURL: String
    /// A contact address for the User-Agent, as arXiv asks of harvesters (empty: none).
    public var contact: String
    public var politeness: PolitenessPolicy
    /// Seconds to establish a connection.
    public var connectTimeout: Double
    /// Seconds without a byte from the server, while waiting for the head or the body.
    public var readTimeout: Double
    /// Seconds for one whole attempt, body included.
    public var requestTimeout: Double
    /// Larger bodies are an error (an OAI page of 1,000 records is about 2 MB).
    public var maxBodyBytes: Int

    public static let defaultOAIBaseURL = "https://oaipmh.arxiv.org/oai"
    public static let defaultQueryBaseURL = "https://export.arxiv.org/api/query"

    public init(
        oaiBaseURL: String = ArxivClientConfiguration.defaultOAIBaseURL,
        queryBaseURL: String = ArxivClientConfiguration.defaultQueryBaseURL,
        contact: String = "", politeness: PolitenessPolicy = PolitenessPolicy(), connectTimeout: Double = 15,
        readTimeout: Double = 60, requestTimeout: Double = 600, maxBodyBytes: Int = 128 << 20
    ) {
        self.oaiBaseURL = oaiBaseURL
        self.queryBaseURL = queryBaseURL
        self.contact = contact
        self.politeness = politeness
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.requestTimeout = requestTimeout
        self.maxBodyBytes = maxBodyBytes
    }

    public var userAgent: String {
        let base = "Paperboy/1.0 (self-hosted research-paper discovery; OAI-PMH harvester"
        let trimmed = contact.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? base + ")" : base + "; mailto:\(trimmed))"
    }
}

/// The live `ArxivService`: AsyncHTTPClient on SwiftNIO, one request per `politeness.delay`, retries.
///
/// Retried (up to `maxAttempts`, with capped exponential backoff): HTTP 5xx and 429 (a `Retry-After` in seconds
/// or as an HTTP-date is honoured and holds every request of this client), connection errors, timeouts,
/// bodies cut short, and bodies that do not parse as a complete answer. Not retried: OAI-PMH errors
/// (`OAIError`), arXiv's Atom error entry (`ArxivAPIError`), other 4xx (`ArxivClientError.httpStatus`).
public final class LiveArxivService: ArxivService {
    public let configuration: ArxivClientConfiguration
    private let client: HTTPClient
    private let ownsClient: Bool
    private let clock: any ArxivClock
    private let pacer: RequestPacer
    private let logger: Logger

    /// Makes its own `HTTPClient` (on the shared NIO event loops) with the configured timeouts; call
    /// `shutdown()` when done.
    public init(
        configuration: ArxivClientConfiguration = ArxivClientConfiguration(),
        clock: any ArxivClock = SystemArxivClock(),
        logger: Logger = Logger(label: "paperboy.arxiv")
    ) {
        var httpConfiguration = HTTPClient.Configuration(
            timeout: .init(
                connect: .milliseconds(Int64(configuration.connectTimeout * 1000)),
                read: .milliseconds(Int64(configuration.readTimeout * 1000))),
            decompression: .enabled(limit: .size(configuration.maxBodyBytes)))
        httpConfiguration.redirectConfiguration = .follow(max: 5, allowCycles: false)
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        self.ownsClient = true
        self.configuration = configuration
        self.clock = clock
        self.pacer = RequestPacer(delay: configuration.politeness.delay, clock: clock)
        self.logger = logger
    }

    public func shutdown() async throws {
        if ownsClient { try await client.shutdown() }
    }

    public func listRecords(_ request: OAIListRecords) async throws -> OAIPage {
        let url = try Self.url(configuration.oaiBaseURL, request.queryItems)
        return try await fetch(url: url, accept: "application/xml, text/xml") { status, body in
            if (200..<300).contains(status) { return try OAIPageParser.parse(body) }
            // Some OAI-PMH servers send their <error> with a 4xx status.
            do {
                _ = try OAIPageParser.parse(body)
            } catch let error as OAIError {
                throw error
            } catch {}
            throw ArxivClientError.httpStatus(status, Self.snippet(body))
        }
    }

    public func query(_ query: ArxivQuery) async throws -> AtomFeedPage {
        let url = try Self.url(configuration.queryBaseURL, query.queryItems)
        return try await fetch(url: url, accept: "application/atom+xml") { status, body in
            if (200..<300).contains(status) { return try AtomFeedParser.parse(body, httpStatus: status) }
            // arXiv answers a bad query with HTTP 400 and an Atom error entry.
            do {
                _ = try AtomFeedParser.parse(body, httpStatus: status)
            } catch let error as ArxivAPIError {
                throw error
            } catch {}
            throw ArxivClientError.httpStatus(status, Self.snippet(body))
        }
    }

    // MARK: - One request, politely

    private enum Attempt<T> {
        case done(T)
        case retry(String, retryAfter: Double?)
    }

    /// `interpret` gets every non-retryable status with its body (2xx and 4xx other than 429).
    private func fetch<T>(
        url: String, accept: String, interpret: (Int, Data) throws -> T
    ) async throws -> T {
        let policy = configuration.politeness
        var notBefore: Double?
        var lastFailure = ""
        for attempt in 1...policy.maxAttempts {
            // A cancelled request can surface as a connection error; it must not be retried.
            try Task.checkCancellation()
            try await pacer.acquire(notBefore: notBefore)
            let outcome: Attempt<T>
            do {
                let (result, answeredAt) = try await self.attempt(url: url, accept: accept, interpret: interpret)
                await pacer.release(answeredAt: answeredAt)
                outcome = result
            } catch {
                await pacer.release(answeredAt: nil)
                throw error
            }
            switch outcome {
            case .done(let value):
                return value
            case .retry(let reason, let retryAfter):
                lastFailure = reason
                guard attempt < policy.maxAttempts else { break }
                let wait = retryAfter.map { min($0, policy.maxRetryAfter) } ?? policy.backoff(afterFailures: attempt)
                let until = clock.now() + wait
                if retryAfter != nil { await pacer.holdUntil(until) }
                notBefore = until
                logger.warning(
                    "arXiv request failed, retrying",
                    metadata: [
                        "url": "\(url)", "attempt": "\(attempt)", "reason": "\(reason)",
                        "wait_seconds": "\(wait)",
                    ])
            }
        }
        throw ArxivClientError.retriesExhausted(attempts: policy.maxAttempts, last: lastFailure)
    }

    /// One attempt, and when its answer began (for the pacer).
    private func attempt<T>(
        url: String, accept: String, interpret: (Int, Data) throws -> T
    ) async throws -> (Attempt<T>, answeredAt: Double) {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: configuration.userAgent)
        request.headers.add(name: "Accept", value: accept)
        let status: Int
        let headers: HTTPHeaders
        let body: Data
        var answeredAt: Double?
        do {
            let response = try await client.execute(
                request, timeout: .milliseconds(Int64(configuration.requestTimeout * 1000)), logger: logger)
            answeredAt = clock.now()
            status = Int(response.status.code)
            headers = response.headers
            let buffer = try await response.body.collect(upTo: configuration.maxBodyBytes)
            body = Data(buffer.readableBytesView)
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as NIOTooManyBytesError {
            throw ArxivClientError.malformedResponse("body larger than \(configuration.maxBodyBytes) bytes: \(error)")
        } catch let error as HTTPClientError where error == .invalidURL || error == .emptyHost || error == .emptyScheme
        {
            throw ArxivClientError.invalidURL("\(url): \(error)")
        } catch {
            return (.retry("\(error)", retryAfter: nil), answeredAt ?? clock.now())
        }
        let answered = answeredAt ?? clock.now()
        if status == 503 || status == 429 {
            let after = PolitenessPolicy.retryAfter(headers.first(name: "Retry-After"), now: clock.date())
            return (.retry("HTTP \(status)", retryAfter: after), answered)
        }
        if (500..<600).contains(status) {
            return (.retry("HTTP \(status)", retryAfter: nil), answered)
        }
        do {
            return (.done(try interpret(status, body)), answered)
        } catch ArxivClientError.malformedResponse(let reason) {
            return (.retry(reason, retryAfter: nil), answered)
        }
    }

    // MARK: - URLs

    static let queryAllowed: CharacterSet = {
        var set = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        set.insert(charactersIn: "-._~:,/")
        return set
    }()

    static func url(_ base: String, _ items: [(name: String, value: String)]) throws -> String {
        guard let parsed = URL(string: base), let scheme = parsed.scheme?.lowercased(),
            scheme == "http" || scheme == "https",
            parsed.host != nil
        else { throw ArxivClientError.invalidURL(base) }
        let query = items.map { item in
            let value = item.value.addingPercentEncoding(withAllowedCharacters: queryAllowed) ?? item.value
            return "\(item.name)=\(value)"
        }.joined(separator: "&")
        return base + (base.contains("?") ? "&" : "?") + query
    }

    static func snippet(_ body: Data) -> String {
        String(decoding: body.prefix(300), as: UTF8.self).collapsingWhitespace
    }
}
