import Foundation
import PaperModel
import PaperServices
import PaperStore

/// A paper as a digest lists it.
public struct DigestItem: Sendable, Equatable {
    public var paper: Paper
    public var upvotes: Int
    public var day: Day
    /// Why a "For you" paper was chosen ("Because you upvoted …"); nil in the other sections.
    public var explanation: String? = nil
}

/// What one subscriber's digest of one period holds.
public struct DigestContent: Sendable, Equatable {
    public var period: DigestPeriod
    /// The period's top trending papers, filled up with its newest papers when few were upvoted.
    public var top: [DigestItem]
    /// Papers of the period matching the subscriber's saved searches or categories, not already in `top`.
    public var matching: [DigestItem]
    /// The subscriber's account's recommendations ("For you"), not already in `top` or `matching`; empty for
    /// subscribers without an account.
    public var forYou: [DigestItem] = []

    /// An empty period sends nothing.
    public var isEmpty: Bool { top.isEmpty && matching.isEmpty }
}

/// Chooses the papers of a digest.
///
/// The candidates are the papers submitted to the daily feeds of the period. The top list ranks the upvoted
/// ones with `TrendingFormula` as of the end of the period; when fewer than `topCount` were upvoted, the list is
/// filled with the period's newest submissions. "Matching your interests" runs each saved search through the
/// search engine (hybrid when vectors are there) restricted to the period's papers, then adds papers in the
/// subscriber's categories.
public struct DigestSelector: Sendable {
    public let store: any PaperStore
    public let search: PaperSearchEngine?
    public var topCount: [DigestFrequency: Int] = [.daily: 10, .weekly: 15]
    public var matchingCount = 5
    public var formula = TrendingFormula.standard
    /// "For you" for subscribers linked to an account (nil: no such section). Each subscriber's list is computed
    /// when their digest is rendered and dropped after, so a batch holds one reader's recommendations at a time.
    public var recommendations: RecommendationService?
    public var forYouCount = 5

    public init(store: any PaperStore, search: PaperSearchEngine?) {
        self.store = store
        self.search = search
        recommendations = RecommendationService(store: store, vectors: search)
    }

    /// The period's feed, computed once per batch and shared by every subscriber's digest.
    public struct PeriodPapers: Sendable {
        public var period: DigestPeriod
        public var entries: [FeedEntry]
        public var top: [DigestItem]

        public var isEmpty: Bool { entries.isEmpty }
    }

    public func periodPapers(_ period: DigestPeriod) async throws -> PeriodPapers {
        let entries = try await store.feed(from: period.first, through: period.last, limit: 5000, offset: 0)
        let count = topCount[period.frequency] ?? 10
        let upvoted = entries.filter { $0.upvotes > 0 }
        let ranked = formula.rank(
            upvoted.map {
                TrendingFormula.Candidate(
                    paperID: $0.paper.id, upvotes: $0.upvotes, comments: $0.commentCount,
                    submittedAt: $0.submission.submittedAt)
            },
            now: period.end)
        let byID = Dictionary(entries.map { ($0.paper.id, $0) }, uniquingKeysWith: { a, _ in a })
        var top = ranked.prefix(count).compactMap { byID[$0.paperID] }
        if top.count < count {
            let chosen = Set(top.map(\.paper.id))
            let newest = entries.filter { !chosen.contains($0.paper.id) }.sorted {
                if $0.submission.day != $1.submission.day { return $0.submission.day > $1.submission.day }
                if $0.submission.submittedAt != $1.submission.submittedAt {
                    return $0.submission.submittedAt > $1.submission.submittedAt
                }
                return $0.paper.id < $1.paper.id
            }
            top += newest.prefix(count - top.count)
        }
        return PeriodPapers(period: period, entries: entries, top: top.map(Self.item))
    }

    public func content(_ papers: PeriodPapers, for subscriber: Subscriber?) async throws -> DigestContent {
        var content = DigestContent(period: papers.period, top: papers.top, matching: [])
        guard let subscriber, !papers.isEmpty else { return content }
        var taken = Set(papers.top.map(\.paper.id))
        let inPeriod = Dictionary(papers.entries.map { ($0.paper.id, $0) }, uniquingKeysWith: { a, _ in a })
        var matching: [FeedEntry] = []
        func take(_ entry: FeedEntry) {
            guard matching.count < matchingCount, !taken.contains(entry.paper.id) else { return }
            taken.insert(entry.paper.id)
            matching.append(entry)
        }
        for query in subscriber.savedSearches.prefix(10) where matching.count < matchingCount {
            for id in try await searchHits(query, papers) {
                if let entry = inPeriod[id] { take(entry) }
            }
        }
        let categories = Set(subscriber.categories.map { $0.lowercased() })
        if !categories.isEmpty {
            for entry in papers.entries
            where entry.paper.categories.contains(where: { categories.contains($0.lowercased()) }) {
                take(entry)
            }
        }
        content.matching = matching.map(Self.item)
        if let username = subscriber.username, let recommendations, forYouCount > 0 {
            // As of the period's last day, so a rerun of an old period recommends what that digest would have.
            let feed = try await recommendations.recommendations(
                for: username, limit: forYouCount + taken.count, at: papers.period.last.startDate, waitForIndex: true)
            // A cold start would repeat the trending list: only a personal list is worth a section.
            if !feed.coldStart {
                content.forYou = feed.items.filter { !taken.contains($0.paper.id) }.prefix(forYouCount).map {
                    DigestItem(
                        paper: $0.paper, upvotes: 0, day: Day($0.paper.publishedAt ?? papers.period.end),
                        explanation: $0.explanation)
                }
            }
        }
        return content
    }

    /// Paper ids matching `query`, best first, among the period's papers. Without a search engine, a plain
    /// case-insensitive match of every query word in title or abstract.
    func searchHits(_ query: String, _ papers: PeriodPapers) async throws -> [String] {
        if let search {
            do {
                let response = try await search.search(SearchRequest(query: query, limit: 1000))
                return response.hits.map(\.paperID)
            } catch is SearchRequestError {
                return []
            }
        }
        let words = query.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        guard !words.isEmpty else { return [] }
        return papers.entries.filter { entry in
            let text = (entry.paper.title + " " + entry.paper.abstract).lowercased()
            return words.allSatisfy { text.contains($0) }
        }.map(\.paper.id)
    }

    static func item(_ entry: FeedEntry) -> DigestItem {
        DigestItem(paper: entry.paper, upvotes: entry.upvotes, day: entry.submission.day)
    }
}
