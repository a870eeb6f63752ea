import Foundation
import Hummingbird
import Intake
import PaperModel
import PaperStore
import PaperSupport

/// On-demand imports from arXiv ("index this paper"): the paper page's button, the submit form and
/// `POST /api/papers/index` share one `PaperFetcher` (one upstream call per id, however many ask at once) and
/// one per-account limit.
final class PaperImports: Sendable {
    let fetcher: PaperFetcher
    let limiter: Throttle<String>

    /// Imports per account per hour (a burst of that many, refilled evenly).
    static let perHour = 30

    init(fetcher: PaperFetcher, clock: @escaping @Sendable () -> Date) {
        self.fetcher = fetcher
        limiter = Throttle(.limit(Self.perHour, per: 3600), clock: WallClock(now: clock))
    }

    enum Failure: Error, Equatable {
        case notAnArxivID(String)
        case unknown(String)
        case unavailable(String)
        /// Seconds until the account may import again.
        case rateLimited(Int)
    }

    /// The paper, fetched from arXiv and stored, counted against `username`'s limit.
    func importPaper(_ raw: String, by username: String) async throws -> Paper {
        guard let id = ArxivID.parse(raw) else { throw Failure.notAnArxivID(raw) }
        if let wait = limiter.takeOrWait("import:" + username) { throw Failure.rateLimited(wait) }
        do {
            return try await fetcher.fetch(id.base)
        } catch let error as PaperFetcher.FetchError {
            switch error {
            case .notAnArxivID(let raw): throw Failure.notAnArxivID(raw)
            case .unknown: throw Failure.unknown(id.base)
            case .unavailable(let reason): throw Failure.unavailable(reason)
            }
        }
    }

}

extension PaperImports.Failure: CatalogedError {
    var catalogCode: ErrorCode {
        switch self {
        case .notAnArxivID: .invalidParameter
        case .unknown: .paperNotFound
        case .unavailable: .arxivUnavailable
        case .rateLimited: .rateLimited
        }
    }

    var heading: String? {
        switch self {
        case .notAnArxivID: "Not an arXiv id"
        case .unknown: "Not on arXiv"
        case .unavailable: nil
        case .rateLimited: "Too many imports"
        }
    }

    /// What a person is told when an import fails (the upstream reason of `.unavailable` stays in the log).
    var publicMessage: String {
        switch self {
        case .notAnArxivID(let raw):
            "\(raw.prefix(80).debugDescription) is not an arXiv id or URL (e.g. 2605.12345)."
        case .unknown(let id):
            "arXiv has no paper \(id). Check the id and try again."
        case .unavailable:
            "Paperboy could not reach arXiv to import the paper; nothing was changed. Try again in a minute."
        case .rateLimited(let wait):
            "An account imports at most \(PaperImports.perHour) papers an hour; try again in \(max(1, (wait + 59) / 60)) minutes."
        }
    }

    var retryAfter: Int? {
        switch self {
        case .unavailable: WebErrorPolicy.upstreamRetryAfter
        case .rateLimited(let wait): wait
        default: nil
        }
    }
}

/// `POST /papers/{id}/import`: the "Import from arXiv" button of a paper page for a paper not stored yet.
struct ImportController: Sendable {
    let imports: PaperImports

    func addRoutes(to router: some RouterMethods<PaperboyRequestContext>) {
        router.post("/papers/{id}/import", use: importPaper)
        // Old-style arXiv ids contain a slash: /papers/hep-th/9901001/import
        router.post("/papers/{id}/{number}/import", use: importPaper)
    }

    @Sendable func importPaper(_ request: Request, context: PaperboyRequestContext) async throws -> Response {
        var raw = context.parameters.get("id") ?? ""
        if let number = context.parameters.get("number") { raw += "/" + number }
        _ = try await CSRF.verifiedForm(request, context)
        guard let viewer = context.viewer else {
            return .redirect(
                to: "/login?next=" + (ArxivID.parse(raw).map { "/papers/\($0.base)" } ?? "/"), type: .normal)
        }
        let paper = try await imports.importPaper(raw, by: viewer.username)
        return .redirect(to: "/papers/\(paper.id)", type: .normal)
    }
}
