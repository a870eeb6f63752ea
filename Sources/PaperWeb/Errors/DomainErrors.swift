import Digests
import Hummingbird
import Intake
import PaperServices
import PaperStore

// The errors of the layers below the web, mapped to the catalog once, here, by conformance: a handler lets them
// through and the route group's error middleware answers them.

extension StoreError: CatalogedError {
    var catalogCode: ErrorCode {
        switch code {
        case .paperNotFound: .paperNotFound
        case .userNotFound: .userNotFound
        case .notFound: .notFound
        case .invalidInput, .invalidUsername: .invalidParameter
        case .usernameTaken: .usernameTaken
        case .alreadySubmitted: .alreadySubmitted
        case .forbidden: .forbidden
        case .busy: .storeBusy
        case .storage: .internal
        }
    }

    /// Storage failures keep their details for the log.
    var publicMessage: String {
        switch code {
        case .storage: "Internal error; it was logged."
        case .busy: "The database is busy; nothing was changed. Retry in \(WebErrorPolicy.busyRetryAfter) s."
        case .alreadySubmitted: "Already on the daily papers: \(message)."
        default: message.prefix(1).uppercased() + message.dropFirst() + (message.hasSuffix(".") ? "" : ".")
        }
    }

    var retryAfter: Int? { code == .busy ? WebErrorPolicy.busyRetryAfter : nil }
}

extension CommunityService.Refusal: CatalogedError {
    var catalogCode: ErrorCode { .forbidden }
    var publicMessage: String { description.prefix(1).uppercased() + description.dropFirst() + "." }
}

extension SearchRequestError: CatalogedError {
    var catalogCode: ErrorCode { .invalidSearchQuery }
    var publicMessage: String { description }
}

extension FieldedQuery.SyntaxError: CatalogedError {
    var catalogCode: ErrorCode { .invalidArxivQuery }
    var publicMessage: String { description }
}

extension SubscriptionService.Failure: CatalogedError {
    var catalogCode: ErrorCode {
        switch self {
        case .invalidAddress: .invalidEmail
        case .invalidToken, .unknownSubscriber: .invalidLink
        case .expiredToken: .expiredLink
        case .deliveryFailed: .mailUnavailable
        }
    }

    var publicMessage: String { description }

    var heading: String? {
        switch self {
        case .invalidAddress: "Not subscribed"
        case .invalidToken, .unknownSubscriber: nil
        case .expiredToken: nil
        case .deliveryFailed: "Mail not sent"
        }
    }

    var retryAfter: Int? { if case .deliveryFailed = self { 60 } else { nil } }
}

extension SubscriptionTokens.Failure: CatalogedError {
    var catalogCode: ErrorCode { self == .expired ? .expiredLink : .invalidLink }

    var publicMessage: String {
        switch self {
        case .malformed, .badSignature: "This link is not valid. Copy the whole link from the mail."
        case .expired: "This link has expired."
        }
    }
}

extension PaperFetcher.FetchError: CatalogedError {
    var catalogCode: ErrorCode {
        switch self {
        case .notAnArxivID: .invalidParameter
        case .unknown: .paperNotFound
        case .unavailable: .arxivUnavailable
        }
    }

    var publicMessage: String {
        switch self {
        case .notAnArxivID(let raw): "\(raw.prefix(80).debugDescription) is not an arXiv id or URL (e.g. 2605.12345)."
        case .unknown(let id): "arXiv has no paper \(id). Check the id and try again."
        // The upstream reason (addresses, HTTP statuses) goes to the log, not to clients.
        case .unavailable: "Paperboy could not reach arXiv; nothing was changed. Try again in a minute."
        }
    }

    var heading: String? {
        switch self {
        case .notAnArxivID: "Not an arXiv id"
        case .unknown: "Not on arXiv"
        case .unavailable: nil
        }
    }

    var retryAfter: Int? { if case .unavailable = self { WebErrorPolicy.upstreamRetryAfter } else { nil } }
}

extension HTTPError: CatalogedError {
    /// The router's and Hummingbird's own errors: no such route, wrong method, a body over its limit.
    var catalogCode: ErrorCode {
        switch status {
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .contentTooLarge: .payloadTooLarge
        case .tooManyRequests: .rateLimited
        case .serviceUnavailable: .unavailable
        default: status.code >= 500 ? .internal : .invalidParameter
        }
    }

    var publicMessage: String { body ?? status.reasonPhrase }
}

/// Retry-After values.
enum WebErrorPolicy {
    /// Seconds a client should wait when the store is busy: a bounded import batch takes well under this.
    static let busyRetryAfter = 2
    /// Seconds to wait when arXiv (or another upstream) did not answer.
    static let upstreamRetryAfter = 60
}
