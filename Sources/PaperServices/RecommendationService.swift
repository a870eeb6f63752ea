import Foundation
import PaperModel
import PaperStore
import PaperSupport
import Recommendations
import Synchronization

/// Where recommendations read sentence vectors: the search engine's, loaded from the store's embeddings.
public protocol PaperVectorSource: Sendable {
    /// A paper's vector, nil when it has none (no model, or not embedded yet).
    func paperVector(_ paperID: String) -> [Float]?
    /// Grows whenever vectors were added: an index built before is stale.
    var vectorGeneration: Int64 { get }
}

extension PaperSearchEngine: PaperVectorSource {}

/// How the "For you" recommender is wired to the store.
public struct RecommendationSettings: Sendable {
    /// Candidates: papers first published, or submitted to the daily feed, in this many days up to today.
    public var windowDays = 14
    /// Papers per answer.
    public var limit = 30
    /// At most this many of a reader's positives (newest first) and negatives train the model.
    public var maximumPositives = 200
    public var maximumNegatives = 200
    /// Papers read per published day into the window.
    public var maximumPapersPerDay = 20_000
    /// An index that took longer than this to build is rebuilt off the request path: requests keep the previous
    /// index until the new one is ready.
    public var slowBuild: Duration = .milliseconds(200)
    /// A request waits at most this long for an index being built, then answers with the previous index or, before
    /// the first one, with an empty "preparing" list; nil: wait for the build (the digest always does; tests do,
    /// since a loaded machine can make even a tiny build take seconds).
    public var requestWait: Duration? = .seconds(5)
    /// A slow index is rebuilt at most this often for writes that did not change papers (upvotes, submissions).
    public var slowRebuildInterval: TimeInterval = 60
    /// The engine's model and blend (see the Recommendations module).
    public var engine = RecommendationOptions()

    public init() {}
}

/// Why a paper was recommended.
public enum RecommendationReasonKind: String, Sendable, Equatable, Codable {
    /// The reader's model ranked it: like one of their papers (`because`).
    case similar
    case followedAuthor = "followed_author"
    case followedCategory = "followed_category"
    case trending
    case recent
}

/// What made a positive a positive, for "because you upvoted *X*".
public enum PositiveSource: String, Sendable, Equatable, Codable {
    case upvoted, saved, authored, search
    /// "More like this collection": a paper of the collection.
    case collection
}

/// The positive nearest to a recommended paper.
public struct RecommendationBecause: Sendable, Equatable {
    public var paperID: String?
    /// The paper's title, or the saved search's query.
    public var title: String
    public var source: PositiveSource
}

/// One recommended paper with what explains it.
public struct RecommendedPaper: Sendable, Equatable {
    public var paper: Paper
    public var score: Float
    public var reason: RecommendationReasonKind
    public var because: RecommendationBecause?
    /// The words that weighed most, as written in the paper.
    public var terms: [String]
    public var followedAuthor: String?
    public var followedCategory: String?

    /// The explanation as plain text (views escape it): "Because you upvoted “X” · Terms: a, b".
    public var explanation: String { reasons.joined(separator: " · ") }

    /// The explanation's sentences, most specific first.
    public var reasons: [String] {
        var parts: [String] = []
        if let author = followedAuthor { parts.append("By an author you follow: \(author)") }
        if let because {
            switch because.source {
            case .upvoted: parts.append("Because you upvoted “\(because.title)”")
            case .saved: parts.append("Because you saved “\(because.title)”")
            case .authored: parts.append("Because you wrote “\(because.title)”")
            case .search: parts.append("Because you saved the search “\(because.title)”")
            case .collection: parts.append("Like “\(because.title)” in this collection")
            }
        }
        if !terms.isEmpty { parts.append("Terms: " + terms.joined(separator: ", ")) }
        if followedAuthor == nil, let category = followedCategory, because == nil {
            parts.append("In \(category), which you follow")
        }
        switch reason {
        case .trending: parts.append("Trending now")
        case .recent: parts.append("New in the last days")
        default: break
        }
        return parts
    }
}

/// A reader's recommendations.
public struct RecommendationFeed: Sendable, Equatable {
    public var items: [RecommendedPaper]
    /// No positives yet: the order comes from follows, categories and trending, and pages say so.
    public var coldStart: Bool
    public var usedEmbeddings: Bool
    /// The candidate index is still being built (just after start): no list yet, ask again in a moment.
    public var preparing = false
    /// Papers in the candidate window (before leaving out the reader's own).
    public var candidates: Int
    /// The window's first and last day.
    public var windowStart: Day
    public var windowEnd: Day
}

/// "For you": ranks the papers of the candidate window for one reader from what they upvoted, saved, wrote,
/// searched for and rejected, and whom and what they follow.
///
/// The candidate index (`RecommendationIndex`: TF-IDF rows and the search engine's sentence vectors) is built
/// once per store state and shared by every reader: it is rebuilt when the store's papers change (change
/// sequence), vectors arrive, the day changes, or, at most every `slowRebuildInterval` for a slow index, after
/// other writes (submissions put older papers into the window). A fast build happens on the request that
/// notices; a slow one in the background while requests keep the previous index. A reader's profile is read
/// from the store on each request, so their own upvotes and rejections count at once.
public final class RecommendationService: Sendable {
    public let store: any PaperStore
    public let vectors: (any PaperVectorSource)?
    public let settings: RecommendationSettings
    let clock: WallClock

    struct IndexKey: Equatable {
        var sequence: Int64
        var vectorGeneration: Int64
        var windowEnd: Day
    }

    final class BuiltIndex: Sendable {
        let key: IndexKey
        let generation: Int64
        let index: RecommendationIndex
        let papers: [String: Paper]
        let windowStart: Day
        let windowEnd: Day
        let buildTime: Duration
        let builtAt: Date

        init(
            key: IndexKey, generation: Int64, index: RecommendationIndex, papers: [String: Paper], windowStart: Day,
            windowEnd: Day, buildTime: Duration, builtAt: Date
        ) {
            self.key = key
            self.generation = generation
            self.index = index
            self.papers = papers
            self.windowStart = windowStart
            self.windowEnd = windowEnd
            self.buildTime = buildTime
            self.builtAt = builtAt
        }
    }

    private struct State {
        var built: BuiltIndex?
        var building: Task<BuiltIndex, any Error>?
    }

    private let state = Mutex(State())

    public init(
        store: any PaperStore, vectors: (any PaperVectorSource)? = nil,
        settings: RecommendationSettings = RecommendationSettings(), clock: WallClock = .system
    ) {
        self.store = store
        self.vectors = vectors
        self.settings = settings
        self.clock = clock
    }

    // MARK: Readers

    /// The recommendations of `username` as of `date` (the clock's now when nil). With `waitForIndex` (batches),
    /// waits for the candidate index however long its first build takes.
    public func recommendations(
        for username: String, limit: Int? = nil, at date: Date? = nil, waitForIndex: Bool = false
    ) async throws -> RecommendationFeed {
        let signals = try await store.readerSignals(username: username)
        var positives: [(id: String, source: PositiveSource)] = []
        var seen = Set<String>()
        for (ids, source) in [
            (signals.upvoted, PositiveSource.upvoted), (signals.collected, .saved), (signals.authored, .authored),
        ] {
            for id in ids where seen.insert(id).inserted { positives.append((id, source)) }
        }
        positives = Array(positives.prefix(settings.maximumPositives))
        // A digest subscription's saved searches say what the reader looks for: each query is a positive text.
        let searches = try await store.subscriber(username: username)?.savedSearches ?? []
        // Papers the reader opened or put on the daily feed themselves: seen, not news to them.
        var seenPapers = Set(signals.seen)
        seenPapers.formUnion(try await store.submissions(by: username).map(\.paper.id))
        return try await recommend(
            positives: positives, searches: Array(searches.prefix(10)),
            negatives: Array(signals.rejected.prefix(settings.maximumNegatives)), excluded: seenPapers,
            followedAuthors: signals.followedAuthors.map(\.name), followedCategories: signals.followedCategories,
            limit: limit, at: date, waitForIndex: waitForIndex)
    }

    /// "More like this collection": the collection's papers are the positives; with a viewer, their rejections
    /// and their own papers are left out too.
    public func moreLike(
        collectionID: Int64, viewer: String?, limit: Int = 10, at date: Date? = nil
    ) async throws
        -> RecommendationFeed
    {
        let items = try await store.collectionPapers(id: collectionID).map(\.id)
        var negatives: [String] = []
        var excluded: Set<String> = []
        if let viewer {
            let signals = try await store.readerSignals(username: viewer)
            negatives = Array(signals.rejected.prefix(settings.maximumNegatives))
            excluded = Set(signals.upvoted)
        }
        return try await recommend(
            positives: items.prefix(settings.maximumPositives).map { (id: $0, source: PositiveSource.collection) },
            searches: [],
            negatives: negatives, excluded: excluded, followedAuthors: [], followedCategories: [], limit: limit,
            at: date)
    }

    func recommend(
        positives: [(id: String, source: PositiveSource)], searches: [String], negatives: [String],
        excluded: Set<String> = [], followedAuthors: [String], followedCategories: [String], limit: Int?,
        at date: Date?, waitForIndex: Bool = false
    ) async throws -> RecommendationFeed {
        let now = date ?? clock.now()
        guard let built = try await index(at: now, waitForIndex: waitForIndex) else {
            let today = Day(now)
            return RecommendationFeed(
                items: [], coldStart: false, usedEmbeddings: false, preparing: true, candidates: 0,
                windowStart: today.adding(days: 1 - max(1, settings.windowDays)), windowEnd: today)
        }
        let signalPapers = try await store.papers(ids: positives.map(\.id) + negatives)
        let byID = Dictionary(signalPapers.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var sourceOf: [String: PositiveSource] = [:]
        var profile = ReaderProfile(
            followedAuthors: followedAuthors, followedCategories: followedCategories, excluded: excluded)
        for (id, source) in positives {
            guard let paper = byID[id] else { continue }
            sourceOf[paper.id] = source
            profile.positives.append(signal(paper))
        }
        for (k, query) in searches.enumerated() {
            let id = "search:\(k)"
            sourceOf[id] = .search
            profile.positives.append(SignalPaper(id: id, title: query, abstract: ""))
        }
        profile.negatives = negatives.compactMap { byID[$0] }.map(signal)

        var options = settings.engine
        options.limit = max(1, limit ?? settings.limit)
        if profile.positives.isEmpty {
            options.trending =
                try await TrendingPapers.current(store: store, now: now, limit: 100).entries.map(\.paper.id)
        }
        let result = built.index.recommend(profile, options: options)
        let items = result.items.compactMap { item -> RecommendedPaper? in
            guard let paper = built.papers[item.id] else { return nil }
            let because = item.becauseOf.map {
                RecommendationBecause(
                    paperID: $0.id.hasPrefix("search:") ? nil : $0.id, title: $0.title,
                    source: sourceOf[$0.id] ?? .upvoted)
            }
            return RecommendedPaper(
                paper: paper, score: item.score, reason: Self.kind(item.reason), because: because, terms: item.terms,
                followedAuthor: item.followedAuthor,
                // As the reader wrote it (the index keeps categories lowercased).
                followedCategory: item.followedCategory.map { category in
                    followedCategories.first { $0.lowercased() == category } ?? category
                })
        }
        return RecommendationFeed(
            items: items, coldStart: result.coldStart, usedEmbeddings: result.usedEmbeddings,
            candidates: built.index.count, windowStart: built.windowStart, windowEnd: built.windowEnd)
    }

    func signal(_ paper: Paper) -> SignalPaper {
        SignalPaper(
            id: paper.id, title: paper.title, abstract: paper.abstract, categories: paper.categories,
            vector: vectors?.paperVector(paper.id))
    }

    static func kind(_ reason: RecommendationReason) -> RecommendationReasonKind {
        switch reason {
        case .similar: .similar
        case .followedAuthor: .followedAuthor
        case .followedCategory: .followedCategory
        case .trending: .trending
        case .recent: .recent
        }
    }

    // MARK: The candidate index

    /// The index for `now`: the kept one while it is current, else built (here, or in the background when the
    /// last build was slow and there is one to serve meanwhile).
    func index(at now: Date, waitForIndex: Bool) async throws -> BuiltIndex? {
        let key = IndexKey(
            sequence: try await store.latestChangeSequence(), vectorGeneration: vectors?.vectorGeneration ?? 0,
            windowEnd: Day(now))
        let generation = store.writeGeneration()
        enum Plan {
            case use(BuiltIndex)
            /// Wait for the build, or (after `requestWait`) go on with the kept index, if any.
            case wait(Task<BuiltIndex, any Error>, kept: BuiltIndex?)
        }
        let plan = state.withLock { state -> Plan in
            if let built = state.built {
                let current = built.key == key && built.generation == generation
                let slow = built.buildTime > settings.slowBuild
                if current { return .use(built) }
                if slow {
                    // Serve the kept index; rebuild once in the background (writes that did not change papers
                    // wait for the interval).
                    let papersChanged = built.key != key
                    let due = papersChanged || now.timeIntervalSince(built.builtAt) >= settings.slowRebuildInterval
                    if due && state.building == nil { state.building = startBuild(key, generation, now) }
                    return .use(built)
                }
            }
            if let building = state.building { return .wait(building, kept: state.built) }
            let task = startBuild(key, generation, now)
            state.building = task
            return .wait(task, kept: state.built)
        }
        switch plan {
        case .use(let built): return built
        case .wait(let task, let kept):
            guard !waitForIndex, let wait = settings.requestWait else { return try await task.value }
            // A first build over a large window (or a debug build over the demo) can take seconds: a request waits
            // a bounded time, then answers with the kept index or "preparing"; the build goes on either way.
            let finished = try await Self.first(of: task, orNilAfter: wait)
            return finished ?? kept
        }
    }

    /// The task's value, or nil when `wait` passes first. (A task group would not do: it returns only when all its
    /// children have, and awaiting an unstructured task's value does not end on cancellation.)
    static func first(of task: Task<BuiltIndex, any Error>, orNilAfter wait: Duration) async throws -> BuiltIndex? {
        let once = Once()
        return try await withCheckedThrowingContinuation { continuation in
            once.set(continuation)
            Task {
                do { once.resume(with: .success(try await task.value)) } catch { once.resume(with: .failure(error)) }
            }
            Task {
                try? await Task.sleep(for: wait)
                once.resume(with: .success(nil))
            }
        }
    }

    /// Resumes a continuation once, whichever side comes first.
    final class Once: Sendable {
        private let continuation = Mutex<CheckedContinuation<BuiltIndex?, any Error>?>(nil)

        func set(_ value: CheckedContinuation<BuiltIndex?, any Error>) { continuation.withLock { $0 = value } }

        func resume(with result: Result<BuiltIndex?, any Error>) {
            let waiting = continuation.withLock { slot -> CheckedContinuation<BuiltIndex?, any Error>? in
                defer { slot = nil }
                return slot
            }
            waiting?.resume(with: result)
        }
    }

    private func startBuild(_ key: IndexKey, _ generation: Int64, _ now: Date) -> Task<BuiltIndex, any Error> {
        Task {
            do {
                let built = try await self.build(key, generation, now)
                self.state.withLock { state in
                    state.building = nil
                    if state.built.map({ $0.builtAt <= built.builtAt }) ?? true { state.built = built }
                }
                return built
            } catch {
                self.state.withLock { $0.building = nil }
                throw error
            }
        }
    }

    /// Reads the window's papers from the store and indexes them: papers first published in the window and papers
    /// submitted to the daily feed in it. When nothing was published in the window (an archive, the demo corpus),
    /// the published part ends on the latest day a paper was published instead, so there is still a list.
    func build(_ key: IndexKey, _ generation: Int64, _ now: Date) async throws -> BuiltIndex {
        let started = ContinuousClock.now
        let days = max(1, settings.windowDays)
        let today = key.windowEnd
        var end = today
        var papers = try await published(ending: end)
        if papers.isEmpty, let latest = try await store.latestPublishedDay(onOrBefore: today), latest < today {
            end = latest
            papers = try await published(ending: end)
        }
        for entry in try await store.feed(from: today.adding(days: 1 - days), through: today, limit: 10_000, offset: 0)
        {
            papers[entry.paper.id] = entry.paper
        }
        let candidates = papers.values.map { paper in
            CandidatePaper(
                id: paper.id, title: paper.title, abstract: paper.abstract, categories: paper.categories,
                authors: paper.authors, day: Day(paper.publishedAt ?? now).daysSinceEpoch,
                vector: vectors?.paperVector(paper.id))
        }
        let index = RecommendationIndex(candidates: candidates)
        return BuiltIndex(
            key: key, generation: generation, index: index, papers: papers, windowStart: end.adding(days: 1 - days),
            windowEnd: end, buildTime: ContinuousClock.now - started, builtAt: now)
    }

    /// Papers first published (announced; harvested "new on arXiv" papers among them) on the window's days, by id.
    func published(ending end: Day) async throws -> [String: Paper] {
        var papers: [String: Paper] = [:]
        for offset in 0..<max(1, settings.windowDays) {
            for paper in try await store.papersPublished(
                on: end.adding(days: -offset), category: nil, limit: settings.maximumPapersPerDay)
            {
                papers[paper.id] = paper
            }
        }
        return papers
    }
}
