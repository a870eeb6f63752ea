import Hummingbird

/// What kind of failure an error is, as meilisearch sorts them: the request was wrong, the caller may not do it,
/// the system cannot do it right now, or Paperboy itself failed.
enum ErrorType: String, Sendable, CaseIterable {
    case invalidRequest = "invalid_request"
    case auth
    case system
    case `internal`
}

/// Every error Paperboy answers with, in one table: its stable code, HTTP status, type, a short title (the heading
/// of the HTML error page) and what it means (the `/errors` page and the OpenAPI document are written from this).
///
/// Here is an error code, give me how it is answered. Handlers throw `WebError(code, message)`; the errors of the
/// layers below (store, search, fielded queries, subscriptions, imports) map to a code by conforming to
/// `CatalogedError` (Errors/DomainErrors.swift), never at call sites.
enum ErrorCode: String, Sendable, CaseIterable {
    case invalidParameter = "invalid_parameter"
    case invalidBody = "invalid_body"
    case invalidPath = "invalid_path"
    case invalidSearchQuery = "invalid_search_query"
    case invalidArxivQuery = "invalid_arxiv_query"
    case invalidEmail = "invalid_email"
    case invalidLink = "invalid_link"
    case expiredLink = "expired_link"
    case payloadTooLarge = "payload_too_large"
    case notFound = "not_found"
    case paperNotFound = "paper_not_found"
    case userNotFound = "user_not_found"
    case methodNotAllowed = "method_not_allowed"
    case conflict = "conflict"
    case alreadySubmitted = "already_submitted"
    case usernameTaken = "username_taken"
    case rateLimited = "rate_limited"
    case unauthorized = "unauthorized"
    case invalidToken = "invalid_token"
    case forbidden = "forbidden"
    case invalidCSRFToken = "invalid_csrf_token"
    case unavailable = "unavailable"
    case storeBusy = "store_busy"
    case searchNotReady = "search_not_ready"
    case arxivUnavailable = "arxiv_unavailable"
    case mailUnavailable = "mail_unavailable"
    case `internal` = "internal"

    struct Entry: Sendable {
        let status: HTTPResponse.Status
        let type: ErrorType
        /// The heading of the HTML error page.
        let title: String
        /// What the code means and what to do, for the documentation.
        let meaning: String
    }

    var entry: Entry {
        switch self {
        case .invalidParameter:
            Entry(
                status: .badRequest, type: .invalidRequest, title: "Bad request",
                meaning:
                    "A path or query parameter, or a form field, is malformed or out of range; the message names it.")
        case .invalidBody:
            Entry(
                status: .badRequest, type: .invalidRequest, title: "Bad request",
                meaning: "The request body is not what the endpoint reads (a JSON object, a form).")
        case .invalidPath:
            Entry(
                status: .badRequest, type: .invalidRequest, title: "Bad request",
                meaning: "The path cannot name anything here (it contains a backslash).")
        case .invalidSearchQuery:
            Entry(
                status: .badRequest, type: .invalidRequest, title: "Cannot search",
                meaning:
                    "The search query is malformed (an unbalanced quote or parenthesis, an unknown field) or asks for a mode this instance lacks."
            )
        case .invalidArxivQuery:
            Entry(
                status: .badRequest, type: .invalidRequest, title: "Malformed arXiv query",
                meaning:
                    "The arXiv API's search_query, id_list or sort parameters are malformed; answered as arXiv does, with an Atom feed holding one entry titled Error."
            )
        case .invalidEmail:
            Entry(
                status: .badRequest, type: .invalidRequest, title: "Not an email address",
                meaning: "The address cannot receive mail as written.")
        case .invalidLink:
            Entry(
                status: .notFound, type: .invalidRequest, title: "Link not valid",
                meaning:
                    "A signed link from a mail (confirm, unsubscribe, preferences) is incomplete or altered, or names a subscription that no longer exists."
            )
        case .expiredLink:
            Entry(
                status: .gone, type: .invalidRequest, title: "Link expired",
                meaning: "A signed link from a mail has expired; subscribe again for a new one.")
        case .payloadTooLarge:
            Entry(
                status: .contentTooLarge, type: .invalidRequest, title: "Too large",
                meaning: "The request body is larger than the endpoint accepts.")
        case .notFound:
            Entry(
                status: .notFound, type: .invalidRequest, title: "Not found",
                meaning:
                    "Nothing is at this path, or the thing it names (a collection, a token, a comment) does not exist.")
        case .paperNotFound:
            Entry(
                status: .notFound, type: .invalidRequest, title: "Paper not found",
                meaning: "No paper with this id is stored; arXiv papers can be imported first.")
        case .userNotFound:
            Entry(
                status: .notFound, type: .invalidRequest, title: "No such user",
                meaning: "No account has this username.")
        case .methodNotAllowed:
            Entry(
                status: .methodNotAllowed, type: .invalidRequest, title: "Method not allowed",
                meaning: "The path exists but not for this HTTP method.")
        case .conflict:
            Entry(
                status: .conflict, type: .invalidRequest, title: "Conflict",
                meaning: "The change conflicts with what is stored.")
        case .alreadySubmitted:
            Entry(
                status: .conflict, type: .invalidRequest, title: "Already submitted",
                meaning: "The paper is on a daily feed already; upvote it there.")
        case .usernameTaken:
            Entry(
                status: .conflict, type: .invalidRequest, title: "Username taken",
                meaning: "Another account has this username.")
        case .rateLimited:
            Entry(
                status: .tooManyRequests, type: .invalidRequest, title: "Too many requests",
                meaning: "A rate limit was reached; Retry-After says in how many seconds to try again.")
        case .unauthorized:
            Entry(
                status: .unauthorized, type: .auth, title: "Sign in needed",
                meaning:
                    "The endpoint needs a personal access token (Authorization: Bearer pb_…) or a signed-in session.")
        case .invalidToken:
            Entry(
                status: .unauthorized, type: .auth, title: "Token not valid",
                meaning: "The access token is revoked, expired or mistyped; create a new one on your profile page.")
        case .forbidden:
            Entry(
                status: .forbidden, type: .auth, title: "Not allowed",
                meaning: "The caller is known but may not do this (someone else's collection, a curator's page).")
        case .invalidCSRFToken:
            Entry(
                status: .forbidden, type: .auth, title: "Form expired",
                meaning:
                    "A form was sent without its security token, or with an old one; reload the page and send it again."
            )
        case .unavailable:
            Entry(
                status: .serviceUnavailable, type: .system, title: "Unavailable",
                meaning: "A part of Paperboy this needs is off or not running.")
        case .storeBusy:
            Entry(
                status: .serviceUnavailable, type: .system, title: "Busy for a moment",
                meaning:
                    "The database stayed locked by another writer (an import) past the wait; nothing was changed, retry after Retry-After seconds."
            )
        case .searchNotReady:
            Entry(
                status: .serviceUnavailable, type: .system, title: "Search is starting",
                meaning: "The search index is not open yet; retry in a few seconds.")
        case .arxivUnavailable:
            Entry(
                status: .serviceUnavailable, type: .system, title: "arXiv is unreachable",
                meaning: "arXiv did not answer (or answered with an error); nothing was changed, retry in a minute.")
        case .mailUnavailable:
            Entry(
                status: .serviceUnavailable, type: .system, title: "Mail could not be sent",
                meaning: "The mail server did not take the message; nothing was lost, try again later.")
        case .internal:
            Entry(
                status: .internalServerError, type: .internal, title: "Something went wrong",
                meaning:
                    "Paperboy failed; the error was logged under the request id that the response's X-Request-Id carries."
            )
        }
    }

    var status: HTTPResponse.Status { entry.status }
    var type: ErrorType { entry.type }

    /// The documentation anchor of the code: the `/errors` page lists every code.
    func link(base: String) -> String { "\(base)/errors#\(rawValue)" }
}

/// An error that knows its catalog code and a message that is safe to show to whoever asked.
protocol CatalogedError: Error {
    var catalogCode: ErrorCode { get }
    /// What went wrong, for people; never internal details (those go to the log).
    var publicMessage: String { get }
    /// Seconds a client should wait before retrying, when that is known.
    var retryAfter: Int? { get }
    /// A heading for the HTML page other than the code's title.
    var heading: String? { get }
}

extension CatalogedError {
    var retryAfter: Int? { nil }
    var heading: String? { nil }
}

/// The error handlers throw: a catalog code and a message. Rendered by the error middleware of the route group
/// (catalog JSON, a compatibility shape, or an HTML page); see `ErrorResponder`.
struct WebError: CatalogedError, Equatable {
    let catalogCode: ErrorCode
    let publicMessage: String
    let heading: String?
    let retryAfter: Int?

    init(_ code: ErrorCode, heading: String? = nil, _ message: String, retryAfter: Int? = nil) {
        catalogCode = code
        publicMessage = message
        self.heading = heading
        self.retryAfter = retryAfter
    }

    var code: ErrorCode { catalogCode }
    var status: HTTPResponse.Status { catalogCode.status }
    var message: String { publicMessage }

    static func invalidParameter(_ message: String) -> WebError { WebError(.invalidParameter, message) }
}
