import Foundation
import LexicalIndex
import Logging
import Metrics
import PaperModel
import PaperStore
import Synchronization
import VectorIndex

public enum SearchMode: String, Sendable, CaseIterable, Codable {
    case lexical, semantic, hybrid
}

public struct SearchRequest: Sendable {
    public var query: String
    /// nil: hybrid when vectors are available, else lexical.
    public var mode: SearchMode?
    public var filter: PaperFilter
    public var limit: Int
    /// Take the query as plain words, without operators: for natural-language queries such as BEIR claims,
    /// where a quoted word is a quotation, not a phrase constraint.
    public var plainText: Bool

    public init(
        query: String, mode: SearchMode? = nil, filter: PaperFilter = PaperFilter(), limit: Int = 20,
        plainText: Bool = false
    ) {
        self.query = query
        self.mode = mode
        self.filter = filter
        self.limit = limit
        self.plainText = plainText
    }
}

public struct SearchHit: Sendable, Equatable {
    public var paperID: String
    public var score: Float
    public var lexicalScore: Float?
    public var semanticScore: Float?
}

public struct SearchResponse: Sendable {
    /// The mode actually used (a semantic request without a model falls back to lexical).
    public var mode: SearchMode
    public var hits: [SearchHit]
    /// Analyzed terms to highlight in titles and abstracts.
    public var highlightTerms: Set<String>
}

public enum SearchRequestError: Error, Equatable, CustomStringConvertible {
    case invalidQuery(String)
    case semanticUnavailable

    public var description: String {
        switch self {
        case .invalidQuery(let reason): reason
        case .semanticUnavailable: "semantic search needs an embedding model; this instance runs lexical-only"
        }
    }
}

/// Hybrid paper search over the derived indexes: a BM25 `LexicalIndex` kept current from the store's change
/// sequence and a `VectorIndex` loaded from the store's embeddings, fused by `Fusion`.
///
/// Both indexes are derived and rebuildable: the lexical one persists its segments in `directory` with the
/// last applied change sequence; the vectors come from the store at start (exact search needs no build).
public final class PaperSearchEngine: Sendable {
    public let store: any PaperStore
    /// Internal: callers search through `search`, `fieldedMatches` and `similar`, never the index itself.
    let lexical: LexicalIndex
    public let embedder: (any TextEmbedder)?
    public let fusion: FusionParameters
    public let chunking: ChunkPolicy
    /// Window vectors (`chunking`) and, when enabled, sentence vectors (`sentenceChunking`).
    let chunks: ChunkedVectors?
    let sentences: ChunkedVectors?
    public let sentenceChunking: ChunkPolicy?
    let logger: Logger
    /// What filters need for semantic hits (which do not come from the lexical index), and whether a first
    /// catch-up has finished.
    private let state = Mutex(EngineState())
    private let queryCache = QueryVectorCache(capacity: 2048)

    struct DocumentFilterFacts {
        var day: Int32
        var categories: [String]
        var hasCode: Bool
    }

    private struct EngineState {
        var metadata: [String: DocumentFilterFacts] = [:]
        var caughtUp = false
    }

    public init(
        store: any PaperStore, directory: URL?, embedder: (any TextEmbedder)?, fusion: FusionParameters = .tuned,
        chunking: ChunkPolicy = .standard, sentenceChunking: ChunkPolicy? = .sentences,
        bm25: BM25Parameters = .paperboy,
        logger: Logger = Logger(label: "paperboy.search")
    ) throws {
        self.chunking = chunking
        self.sentenceChunking = sentenceChunking
        self.store = store
        self.lexical = try Self.openLexicalIndex(directory: directory, parameters: bm25, logger: logger)
        self.embedder = embedder
        self.fusion = fusion
        self.chunks = embedder.map { ChunkedVectors(modelKey: $0.identity + chunking.tag, dimension: $0.dimension) }
        self.sentences = embedder.flatMap { e in
            sentenceChunking.map { ChunkedVectors(modelKey: e.identity + $0.tag, dimension: e.dimension) }
        }
        self.logger = logger
    }

    /// Opens the lexical index in `directory`. The index is derived from the store, so an unreadable one (a damaged
    /// file, or a segment an older version wrote that this one rejects) is set aside as `<directory>.unreadable`
    /// (replacing an older one, for diagnosis) and an empty index takes its place; `catchUp` then rebuilds it
    /// from the store's changes. Other errors (permissions, I/O) are thrown.
    static func openLexicalIndex(directory: URL?, parameters: BM25Parameters, logger: Logger) throws -> LexicalIndex {
        do {
            return try LexicalIndex.open(directory: directory, parameters: parameters)
        } catch LexicalIndexError.corrupt(let reason) {
            guard let directory else { throw LexicalIndexError.corrupt(reason) }
            let aside = directory.deletingLastPathComponent()
                .appendingPathComponent(directory.lastPathComponent + ".unreadable")
            try? FileManager.default.removeItem(at: aside)
            try FileManager.default.moveItem(at: directory, to: aside)
            logger.error(
                "lexical index unreadable, rebuilding it from the store",
                metadata: ["reason": "\(reason)", "moved-to": "\(aside.path)"])
            return try LexicalIndex.open(directory: directory, parameters: parameters)
        }
    }

    /// The default mode: hybrid once vectors exist.
    public var defaultMode: SearchMode {
        (chunks?.paperCount ?? 0) > 0 ? .hybrid : .lexical
    }

    var hasVectors: Bool { (chunks?.paperCount ?? 0) > 0 }

    static func chunkKey(_ paperID: String, _ chunk: Int) -> String {
        chunk == 0 ? paperID : "\(paperID)#\(chunk)"
    }

    /// The paper a vector key belongs to (`#` never occurs in paper ids: arXiv and local ids are `[a-z0-9./-]`).
    static func paperID(ofKey key: String) -> Substring {
        key.firstIndex(of: "#").map { key[..<$0] } ?? key[...]
    }

    /// Nearest papers by their best window chunk.
    func nearestPapers(_ q: [Float], k: Int, allowed: (@Sendable (String) -> Bool)?) throws -> [(String, Float)] {
        try chunks?.nearest(q, k: k, allowed: allowed) ?? []
    }

    /// A paper's best window-chunk similarity to `q`.
    func bestChunkScore(_ paperID: String, _ q: [Float]) -> Float? {
        chunks?.best(paperID, q)
    }

    /// Whether a first catch-up has finished: before it, the indexes may lag the store (after a crash, an
    /// upgrade or a rebuild), and pages say that search is still indexing.
    public var isReady: Bool { state.withLock { $0.caughtUp } }

    /// Indexed papers, and papers with vectors.
    public var status: (documents: Int, vectors: Int) {
        (lexical.documentCount, chunks?.paperCount ?? 0)
    }

    // MARK: Keeping current

    /// Applies every store change not yet in the indexes; returns how many papers changed.
    @discardableResult
    public func catchUp(batch: Int = 2000) async throws -> Int {
        var applied = 0
        while true {
            let from = lexical.lastAppliedSequence
            let changes = try await store.changes(after: from, limit: batch)
            guard let last = changes.last else { break }
            // Changes apply in order: a run of stored papers is upserted, a deletion (a listing paper that
            // became an arXiv paper) drops its key.
            var documents: [IndexDocument] = []
            var facts: [(key: String, facts: DocumentFilterFacts?)] = []
            for change in changes {
                if change.isDeletion {
                    if !documents.isEmpty { lexical.upsert(documents); documents.removeAll() }
                    lexical.delete(keys: [change.paper.id])
                    chunks?.remove(paperID: change.paper.id)
                    sentences?.remove(paperID: change.paper.id)
                    facts.append((change.paper.id, nil))
                } else {
                    let d = Self.indexDocument(change.paper)
                    documents.append(d)
                    facts.append((d.key, DocumentFilterFacts(day: d.day, categories: d.categories, hasCode: d.hasCode)))
                }
            }
            if !documents.isEmpty { lexical.upsert(documents) }
            try lexical.commit(sequence: last.sequence)
            state.withLock { state in
                for (key, value) in facts { state.metadata[key] = value }
            }
            applied += changes.count
        }
        if state.withLock({ $0.metadata.isEmpty }), lexical.documentCount > 0 {
            try await loadFilterFacts()
        }
        try await catchUpVectors(batch: batch)
        state.withLock { $0.caughtUp = true }
        return applied
    }

    /// After a restart the lexical index is current on disk but the in-memory facts are empty: read them back.
    private func loadFilterFacts() async throws {
        var after: Int64 = 0
        while true {
            let changes = try await store.changes(after: after, limit: 5000)
            guard let last = changes.last else { break }
            state.withLock { state in
                for change in changes {
                    if change.isDeletion { state.metadata[change.paper.id] = nil; continue }
                    let d = Self.indexDocument(change.paper)
                    state.metadata[d.key] = DocumentFilterFacts(
                        day: d.day, categories: d.categories, hasCode: d.hasCode)
                }
            }
            after = last.sequence
        }
    }

    private func catchUpVectors(batch: Int) async throws {
        try await chunks?.catchUp(store: store, batch: batch)
        try await sentences?.catchUp(store: store, batch: batch)
    }

    static func indexDocument(_ paper: Paper) -> IndexDocument {
        IndexDocument(
            key: paper.id, title: paper.title, abstract: paper.abstract, authors: paper.authors,
            categories: paper.categories, day: Int32(paper.publishedAt.map { Day($0).daysSinceEpoch } ?? 0),
            hasCode: paper.codeURL != nil)
    }

    // MARK: Searching

    public func search(_ request: SearchRequest) async throws -> SearchResponse {
        let started = ContinuousClock.now
        defer {
            Metrics.Timer(
                label: "paperboy_search_duration", dimensions: [("mode", (request.mode ?? defaultMode).rawValue)]
            )
            .recordNanoseconds((ContinuousClock.now - started).nanoseconds)
        }
        let parsed: ParsedQuery
        do {
            parsed = try lexical.parse(request.query)
        } catch let error as QueryError {
            throw SearchRequestError.invalidQuery(error.description)
        }
        let limit = max(0, min(request.limit, 1000))
        var mode = request.mode ?? defaultMode
        if mode != .lexical && !hasVectors {
            if request.mode == .semantic { throw SearchRequestError.semanticUnavailable }
            mode = .lexical
        }
        guard !parsed.isEmpty, limit > 0 else {
            return SearchResponse(mode: mode, hits: [], highlightTerms: parsed.highlightTerms)
        }
        let hits: [SearchHit]
        switch mode {
        case .lexical:
            hits = try lexicalHits(request, limit: limit).map {
                SearchHit(paperID: $0.key, score: $0.score, lexicalScore: $0.score, semanticScore: nil)
            }
        case .semantic:
            hits = try await semanticHits(request, parsed, limit: limit)
        case .hybrid:
            hits = try await hybridHits(request, parsed, limit: limit)
        }
        return SearchResponse(mode: mode, hits: hits, highlightTerms: parsed.highlightTerms)
    }

    /// Papers most similar to a stored paper (its own embedding as the query), excluding itself.
    public func similar(to paperID: String, limit: Int) -> [SearchHit] {
        guard let q = chunks?.index.vector(for: paperID) else { return [] }
        let hits = (try? nearestPapers(q, k: limit, allowed: { $0 != paperID })) ?? []
        return hits.map { SearchHit(paperID: $0.0, score: $0.1, lexicalScore: nil, semanticScore: $0.1) }
    }

    /// A paper's sentence vector (its first window's, as `similar` uses), nil without a model or before the paper
    /// is embedded: recommendations read vectors here rather than loading the store's embeddings a second time.
    public func paperVector(_ paperID: String) -> [Float]? {
        chunks?.index.vector(for: paperID)
    }

    /// Grows whenever vectors were loaded from the store: recommendation indexes built before are stale.
    public var vectorGeneration: Int64 { chunks?.loadedSequence ?? 0 }

    /// The words a person meant, for the encoder. A plain query goes as typed (stopwords and punctuation carry
    /// meaning for a sentence encoder); with operators, `-excluded` words, quotes and field prefixes are syntax,
    /// not meaning, and are dropped.
    static func semanticText(_ request: SearchRequest, _ parsed: ParsedQuery) -> String {
        let query = request.query
        let hasSyntax =
            !request.plainText
            && (query.contains("\"") || parsed.clauses.contains { $0.occurrence == .mustNot || $0.field != .any })
        if !hasSyntax { return query.trimmingCharacters(in: .whitespacesAndNewlines) }
        return parsed.clauses.filter { $0.occurrence != .mustNot && $0.field != .category }
            .map { $0.original.replacingOccurrences(of: "\"", with: "") }
            .map { text in
                guard let colon = text.firstIndex(of: ":"), text[..<colon].allSatisfy(\.isLetter) else { return text }
                return String(text[text.index(after: colon)...])
            }
            .joined(separator: " ")
    }

    func queryVector(_ text: String) async throws -> [Float] {
        if let cached = queryCache.get(text) { return cached }
        guard let embedder else { throw SearchRequestError.semanticUnavailable }
        let vector = try await BlockingWork.run { try embedder.embed([text])[0] }
        queryCache.put(text, vector)
        return vector
    }

    func allowedPredicate(_ filter: PaperFilter) -> (@Sendable (String) -> Bool)? {
        let filter = filter.lexical
        guard filter.dayRange != nil || !filter.categories.isEmpty || filter.hasCode != nil else { return nil }
        let facts = state.withLock { $0.metadata }
        return { key in
            guard let f = facts[key] else { return false }
            if let range = filter.dayRange, !range.contains(f.day) { return false }
            if !filter.categories.isEmpty, !f.categories.contains(where: filter.categories.contains) { return false }
            if let hasCode = filter.hasCode, f.hasCode != hasCode { return false }
            return true
        }
    }

    func lexicalHits(_ request: SearchRequest, limit: Int) throws -> [LexicalHit] {
        request.plainText
            ? try lexical.searchPlainText(request.query, filter: request.filter.lexical, limit: limit)
            : try lexical.search(request.query, filter: request.filter.lexical, limit: limit)
    }

    func semanticHits(_ request: SearchRequest, _ parsed: ParsedQuery, limit: Int) async throws -> [SearchHit] {
        guard hasVectors else { throw SearchRequestError.semanticUnavailable }
        let q = try await queryVector(Self.semanticText(request, parsed))
        return try nearestPapers(q, k: limit, allowed: allowedPredicate(request.filter)).map {
            SearchHit(paperID: $0.0, score: $0.1, lexicalScore: nil, semanticScore: $0.1)
        }
    }

    func hybridHits(_ request: SearchRequest, _ parsed: ParsedQuery, limit: Int) async throws -> [SearchHit] {
        guard hasVectors else { throw SearchRequestError.semanticUnavailable }
        let depth = max(limit, fusion.candidates)
        let q = try await queryVector(Self.semanticText(request, parsed))
        // Exclusions, phrases and field prefixes are constraints: then only lexical matches may appear, re-ranked
        // with their semantic similarity. Plain words let semantic neighbours in too.
        let constrained = !request.plainText && parsed.clauses.contains { $0.occurrence != .should || $0.field != .any }
        if !constrained, let feedback = fusion.feedback, let sentences, sentences.paperCount > 0 {
            return try await feedbackHybridHits(
                request, q: q, sentences: sentences, feedback: feedback, depth: depth, limit: limit)
        }
        let lexicalHits = try self.lexicalHits(request, limit: depth)
        var semantic: [String: Float] = [:]
        if !constrained {
            for (id, score) in try nearestPapers(q, k: depth, allowed: allowedPredicate(request.filter)) {
                semantic[id] = score
            }
        }
        for hit in lexicalHits where semantic[hit.key] == nil {
            semantic[hit.key] = bestChunkScore(hit.key, q)
        }
        let lexical = Dictionary(lexicalHits.map { ($0.key, $0.score) }, uniquingKeysWith: max)
        return Array(Fusion.combine(lexical: lexical, semantic: semantic, parameters: fusion).prefix(limit))
    }
}

extension PaperSearchEngine {
    /// Hybrid search with sentence vectors and relevance feedback (see `FeedbackFusion`): a first fusion of BM25,
    /// best-window and best-sentence cosines ranks the papers; the top ones expand the query (RM3) for a second
    /// BM25 pass, fused again with the same two cosine lists.
    func feedbackHybridHits(
        _ request: SearchRequest, q: [Float], sentences: ChunkedVectors, feedback: FeedbackFusion, depth: Int,
        limit: Int
    ) async throws -> [SearchHit] {
        let allowed = allowedPredicate(request.filter)
        let lexical1 = Dictionary(
            try lexicalHits(request, limit: depth).map { ($0.key, $0.score) }, uniquingKeysWith: max)
        let windows = Dictionary(try nearestPapers(q, k: depth, allowed: allowed), uniquingKeysWith: max)
        let sentence = Dictionary(try sentences.nearest(q, k: depth, allowed: allowed), uniquingKeysWith: max)
        let first = Fusion.combine([lexical1, windows, sentence], weights: feedback.firstPass)
        guard !first.isEmpty else { return [] }
        let top = Array(first.prefix(feedback.documents))
        let papers = Dictionary(
            try await store.papers(ids: top.map(\.paperID)).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let expanded = RelevanceFeedback.expand(
            query: request.query, documents: top.compactMap { hit in papers[hit.paperID].map { ($0, hit.score) } },
            parameters: feedback)
        let lexical2 = Dictionary(
            lexical.searchWeightedTerms(expanded, filter: request.filter.lexical, limit: depth).map {
                ($0.key, $0.score)
            },
            uniquingKeysWith: max)
        let hits = Fusion.combine([lexical2, windows, sentence], weights: feedback.finalPass).prefix(limit).map {
            SearchHit(
                paperID: $0.paperID, score: $0.score, lexicalScore: lexical2[$0.paperID],
                semanticScore: sentence[$0.paperID])
        }
        return Array(hits)
    }
}

/// A small LRU of query vectors: people repeat queries (paging, sorting, feeds of saved searches).
final class QueryVectorCache: Sendable {
    private struct Entries {
        var values: [String: (vector: [Float], tick: UInt64)] = [:]
        var tick: UInt64 = 0
    }

    private let capacity: Int
    private let entries = Mutex(Entries())

    init(capacity: Int) {
        self.capacity = capacity
    }

    func get(_ key: String) -> [Float]? {
        entries.withLock { entries in
            guard var entry = entries.values[key] else { return nil }
            entries.tick += 1
            entry.tick = entries.tick
            entries.values[key] = entry
            return entry.vector
        }
    }

    func put(_ key: String, _ vector: [Float]) {
        entries.withLock { entries in
            entries.tick += 1
            entries.values[key] = (vector, entries.tick)
            if entries.values.count > capacity,
                let oldest = entries.values.min(by: { $0.value.tick < $1.value.tick })?.key
            {
                entries.values[oldest] = nil
            }
        }
    }
}

extension Duration {
    /// Whole nanoseconds, for metrics timers.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
