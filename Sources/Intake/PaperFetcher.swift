import ArxivClient
import Foundation
import PaperModel
import PaperStore

/// Adds or refreshes papers from arXiv's query API, on demand ("index this paper").
///
/// Concurrent requests for the same id share one upstream call. An id arXiv does not know is
/// `FetchError.unknown`; arXiv unreachable or failing is `FetchError.unavailable`, so pages can say 404 or 503.
public actor PaperFetcher {
    public let store: any PaperStore
    public let service: any ArxivService
    private var inFlight: [String: Task<Paper, any Error>] = [:]

    public init(store: any PaperStore, service: any ArxivService) {
        self.store = store
        self.service = service
    }

    public enum FetchError: Error, Equatable, CustomStringConvertible {
        case notAnArxivID(String)
        case unknown(String)
        case unavailable(String)

        public var description: String {
            switch self {
            case .notAnArxivID(let raw): "\(raw.debugDescription) is not an arXiv id"
            case .unknown(let id): "arXiv has no paper \(id)"
            case .unavailable(let reason): "arXiv could not be reached: \(reason)"
            }
        }
    }

    /// The paper, fetched from arXiv and stored (a newer version updates the stored one).
    public func fetch(_ raw: String) async throws -> Paper {
        guard let id = ArxivID.parse(raw) else { throw FetchError.notAnArxivID(raw) }
        let key = id.base
        if let running = inFlight[key] { return try await running.value }
        let task = Task { [store, service] in
            let entries: [ArxivEntry]
            do {
                entries = try await service.lookup(ids: [key])
            } catch let error as ArxivAPIError {
                throw FetchError.unknown("\(key) (\(error))")
            } catch {
                throw FetchError.unavailable("\(error)")
            }
            guard let entry = entries.first(where: { $0.paper.id == key }) else { throw FetchError.unknown(key) }
            try await store.upsert([entry.paper])
            return try await store.paper(id: key) ?? entry.paper
        }
        inFlight[key] = task
        defer { inFlight[key] = nil }
        return try await task.value
    }

    /// Several papers; each id's outcome.
    public func fetch(_ ids: [String]) async -> [(id: String, result: Result<Paper, any Error>)] {
        var results: [(String, Result<Paper, any Error>)] = []
        for raw in ids {
            do { results.append((raw, .success(try await fetch(raw)))) } catch {
                results.append((raw, .failure(error)))
            }
        }
        return results
    }
}
