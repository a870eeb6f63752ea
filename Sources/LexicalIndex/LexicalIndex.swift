import Foundation
import PaperSupport
import TextAnalysis

/// BM25 full-text index over papers: immutable on-disk segments, tombstones, tiered merges.
///
/// Changes (`upsert`, `delete`) are buffered and become visible to `search` at `commit`, which writes a new
/// segment and manifest atomically. All methods are safe to call from any thread: searches run concurrently under a shared lock,
/// changes and commits take it exclusively.
/// `@unchecked`: its segments and statistics are read and written under its `ReadWriteLock`.
public final class LexicalIndex: @unchecked Sendable {
    private struct Location {
        var segment: Int
        var doc: Int
    }

    public let directory: URL?
    public let parameters: BM25Parameters
    /// A tier merges when it holds this many segments of similar size.
    public var mergeFactor: Int {
        get { lock.read { _mergeFactor } }
        set { lock.write { _mergeFactor = max(2, newValue) } }
    }

    private let lock = ReadWriteLock()
    private let analyzer = Analyzer.standard
    private let parser = QueryParser()
    private var _mergeFactor = 10
    private var segments: [Segment] = []
    private var locations: [String: Location] = [:]
    private var pendingDocuments: [IndexDocument?] = []  // nil: upserted, then deleted before commit
    private var pendingIndex: [String: Int] = [:]
    private var pendingDeletes: Set<String> = []
    private var stats = CollectionStats()
    private var generation = 0
    private var manifest = Manifest()

    private init(directory: URL?, parameters: BM25Parameters) {
        self.directory = directory
        self.parameters = parameters
    }

    /// Opens (or creates) the index stored in `directory`; `nil` keeps everything in memory.
    public static func open(directory: URL?, parameters: BM25Parameters = .default) throws -> LexicalIndex {
        let index = LexicalIndex(directory: directory, parameters: parameters)
        if let directory { try index.load(directory) }
        index.refreshStatistics()
        return index
    }

    public var lastAppliedSequence: Int64 { lock.read { manifest.lastAppliedSequence } }

    /// Committed live documents.
    public var documentCount: Int { lock.read { segments.reduce(0) { $0 + $1.liveCount } } }

    public var segmentCount: Int { lock.read { segments.count } }

    /// Adds or replaces documents by key (visible after `commit`).
    public func upsert(_ documents: [IndexDocument]) {
        lock.write {
            for document in documents {
                pendingDeletes.insert(document.key)  // replaces any committed version
                if let i = pendingIndex[document.key] {
                    pendingDocuments[i] = document
                } else {
                    pendingIndex[document.key] = pendingDocuments.count
                    pendingDocuments.append(document)
                }
            }
        }
    }

    /// Removes documents by key (visible after `commit`); unknown keys are ignored.
    public func delete(keys: [String]) {
        lock.write {
            for key in keys {
                pendingDeletes.insert(key)
                if let i = pendingIndex.removeValue(forKey: key) {
                    pendingDocuments[i] = nil
                }
            }
        }
    }

    /// Removes every document, committed or buffered (visible after `commit`), e.g. to rebuild from the store.
    public func deleteAll() {
        lock.write {
            pendingDocuments.removeAll()
            pendingIndex.removeAll()
            pendingDeletes.formUnion(locations.keys)
        }
    }

    /// Makes buffered changes visible and durable, recording the store change `sequence` they reflect.
    public func commit(sequence: Int64) throws {
        try lock.write {
            var touchedSegments = Set<Int>()
            for key in pendingDeletes {
                if let loc = locations.removeValue(forKey: key) {
                    segments[loc.segment].markDeleted(loc.doc)
                    touchedSegments.insert(loc.segment)
                }
            }
            var newSegments: [Segment] = []
            let docs = pendingDocuments.compactMap { $0 }
            if !docs.isEmpty {
                let builder = SegmentBuilder(analyzer: analyzer)
                builder.add(docs)
                newSegments.append(builder.build(name: nextSegmentName()))
            }
            var all = segments + newSegments
            // Drop fully deleted segments, then merge tiers that grew too many segments.
            all.removeAll { $0.liveCount == 0 }
            all = mergeTiers(all)
            segments = try persist(all, touched: Set(touchedSegments.map { segments[$0].name }), sequence: sequence)
            pendingDocuments.removeAll()
            pendingIndex.removeAll()
            pendingDeletes.removeAll()
            rebuildLocations()
            manifest.lastAppliedSequence = sequence
            refreshStatisticsLocked()
        }
    }

    /// Merges everything into one segment (e.g. after a rebuild) and commits.
    public func forceMerge() throws {
        try lock.write {
            guard segments.count > 1 || segments.contains(where: { $0.deletedCount > 0 }) else { return }
            let builder = SegmentBuilder(analyzer: analyzer)
            builder.merge(segments)
            let merged = builder.build(name: nextSegmentName())
            segments = try persist([merged], touched: [], sequence: manifest.lastAppliedSequence)
            rebuildLocations()
            refreshStatisticsLocked()
        }
    }

    public func parse(_ query: String) throws -> ParsedQuery {
        try parser.parse(query)
    }

    public func search(_ query: String, filter: SearchFilter = .init(), limit: Int = 10) throws -> [LexicalHit] {
        let parsed = try parser.parse(query)
        return lock.read { searchLocked(parsed, filter: filter, limit: limit, pruning: true) }
    }

    /// Ranks documents for text taken as plain words (no phrases, exclusions or field prefixes); for
    /// natural-language queries such as BEIR claims.
    public func searchPlainText(_ text: String, filter: SearchFilter = .init(), limit: Int = 10) throws -> [LexicalHit]
    {
        let parsed = try parser.parsePlainText(text)
        return lock.read { searchLocked(parsed, filter: filter, limit: limit, pruning: true) }
    }

    /// Same results as `search`, scoring every matching document; for tests and measurements of pruning.
    public func searchExhaustive(
        _ query: String, filter: SearchFilter = .init(), limit: Int = 10
    ) throws -> [LexicalHit] {
        let parsed = try parser.parse(query)
        return lock.read { searchLocked(parsed, filter: filter, limit: limit, pruning: false) }
    }

    /// Ranks documents for weighted title/abstract terms (already analyzed index terms, e.g. from query expansion):
    /// each term adds `weight ×` its BM25F score. Non-positive weights are ignored.
    public func searchWeightedTerms(
        _ terms: [String: Float], filter: SearchFilter = .init(), limit: Int = 10
    ) -> [LexicalHit] {
        lock.read {
            guard limit > 0, !segments.isEmpty else { return [] }
            let scorer = BM25Scorer(parameters: parameters, stats: stats)
            var plan = QueryPlan()
            for (term, weight) in terms.sorted(by: { $0.key < $1.key }) where weight > 0 {
                let key = TermSpace.text + term
                plan.should.append(
                    QueryPlan.WeightedTerm(
                        key: key, idf: weight * scorer.idf(documentFrequency: documentFrequency(key))))
            }
            return run(plan, scorer: scorer, filter: filter, limit: limit, pruning: true)
        }
    }

    // MARK: - Search

    private func searchLocked(_ query: ParsedQuery, filter: SearchFilter, limit: Int, pruning: Bool) -> [LexicalHit] {
        guard !query.isEmpty, limit > 0, !segments.isEmpty else { return [] }
        let scorer = BM25Scorer(parameters: parameters, stats: stats)
        let plan = makePlan(query, scorer: scorer)
        return run(plan, scorer: scorer, filter: filter, limit: limit, pruning: pruning)
    }

    private func run(
        _ plan: QueryPlan, scorer: BM25Scorer, filter: SearchFilter, limit: Int, pruning: Bool
    ) -> [LexicalHit] {
        if plan.should.isEmpty && plan.must.isEmpty { return [] }
        let categories = filter.categories.map { Normalizer.normalize($0) }
        var collector = TopKCollector(k: min(limit, 10_000))
        for (i, segment) in segments.enumerated() {
            SegmentSearch(
                segment: segment, segmentIndex: i, scorer: scorer, filter: filter, filterCategories: categories,
                pruning: pruning
            ).run(plan, into: &collector)
        }
        return collector.sorted().map { LexicalHit(key: segments[$0.segment].keys[Int($0.doc)], score: $0.score) }
    }

    private func documentFrequency(_ key: String) -> Int {
        segments.reduce(0) { $0 + ($1.terms[key]?.count ?? 0) }
    }

    private func makePlan(_ query: ParsedQuery, scorer: BM25Scorer) -> QueryPlan {
        var plan = QueryPlan()
        func weighted(_ key: String) -> QueryPlan.WeightedTerm {
            QueryPlan.WeightedTerm(key: key, idf: scorer.idf(documentFrequency: documentFrequency(key)))
        }
        var seenShould = Set<String>()
        for clause in query.clauses {
            let space: String
            switch clause.field {
            case .any, .title, .abstract: space = TermSpace.text
            case .author: space = TermSpace.author
            case .category: space = TermSpace.category
            }
            switch clause.occurrence {
            case .should:
                // A word repeated in the query counts once, as in most engines' default OR query.
                let key = space + clause.terms[0]
                if seenShould.insert(key).inserted { plan.should.append(weighted(key)) }
                if parameters.authorWeight > 0, let author = clause.authorTerm {
                    let authorKey = TermSpace.author + author
                    if seenShould.insert(authorKey).inserted { plan.should.append(weighted(authorKey)) }
                }
            case .must, .mustNot:
                let terms = clause.terms.map { weighted(space + $0) }
                let constraint = QueryPlan.Constraint(field: clause.field, terms: terms, offsets: clause.offsets)
                if clause.occurrence == .must { plan.must.append(constraint) } else { plan.mustNot.append(constraint) }
            }
        }
        return plan
    }

    // MARK: - Maintenance

    private func refreshStatistics() { lock.write { refreshStatisticsLocked() } }

    private func refreshStatisticsLocked() {
        generation += 1
        stats = CollectionStats(segments: segments, generation: generation)
    }

    private func rebuildLocations() {
        locations.removeAll(keepingCapacity: true)
        for (si, s) in segments.enumerated() {
            for doc in 0..<s.documentCount where !s.deleted[doc] {
                locations[s.keys[doc]] = Location(segment: si, doc: doc)
            }
        }
    }

    private func nextSegmentName() -> String {
        defer { manifest.nextSegmentNumber += 1 }
        return String(format: "seg-%08d", manifest.nextSegmentNumber)
    }

    /// Tiered merging: segments are grouped by order of magnitude of their live size; a tier holding
    /// `mergeFactor` segments is merged into one (dropping deleted documents). Segments more than half
    /// deleted are rewritten with their tier's merge or on their own.
    private func mergeTiers(_ input: [Segment]) -> [Segment] {
        var result = input
        while true {
            var tiers: [Int: [Int]] = [:]
            for (i, s) in result.enumerated() {
                let tier = Int(log10(Double(max(1, s.liveCount))))
                tiers[tier, default: []].append(i)
            }
            guard let (_, members) = tiers.first(where: { $0.value.count >= _mergeFactor }) else { break }
            let builder = SegmentBuilder(analyzer: analyzer)
            let sources = members.map { result[$0] }
            builder.merge(sources)
            let merged = builder.build(name: nextSegmentName())
            let firstIndex = members[0]
            result = result.enumerated().compactMap { i, s in
                if i == firstIndex { return merged }
                return members.contains(i) ? nil : s
            }
        }
        for (i, s) in result.enumerated() where s.deletedCount * 2 > s.documentCount {
            let builder = SegmentBuilder(analyzer: analyzer)
            builder.merge([s])
            result[i] = builder.build(name: nextSegmentName())
        }
        return result
    }

    // MARK: - Disk

    /// Writes new segments and tombstones, then the manifest; returns the segments to serve, where each newly
    /// written one is reopened from its file so that its positions live in the mapping rather than in memory.
    private func persist(_ newSegments: [Segment], touched: Set<String>, sequence: Int64) throws -> [Segment] {
        guard let directory else { return newSegments }
        let known = Set(manifest.segments.map(\.name))
        var entries: [Manifest.SegmentEntry] = []
        var serving: [Segment] = []
        for var segment in newSegments {
            if !known.contains(segment.name) {
                let url = directory.appendingPathComponent(segment.name + ".seg")
                try DurableFile.write(SegmentFile.encode(segment), to: url)
                let reopened = try SegmentFile.open(url, name: segment.name)
                for doc in 0..<segment.documentCount where segment.deleted[doc] { reopened.markDeleted(doc) }
                segment = reopened
            }
            serving.append(segment)
            if segment.deletedCount > 0, touched.contains(segment.name) || segment.deletesFile == nil {
                let name = "\(segment.name).\(nextSegmentName().dropFirst(4)).del"
                try DurableFile.write(SegmentFile.encodeDeletes(segment), to: directory.appendingPathComponent(name))
                segment.deletesFile = name
            }
            entries.append(
                Manifest.SegmentEntry(
                    name: segment.name, documentCount: segment.documentCount,
                    deletesFile: segment.deletedCount > 0 ? segment.deletesFile : nil))
        }
        var next = manifest
        next.segments = entries
        next.lastAppliedSequence = sequence
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try DurableFile.write(
            [UInt8](try encoder.encode(next)), to: directory.appendingPathComponent(Manifest.fileName))
        manifest = next
        removeUnreferencedFiles(directory)
        return serving
    }

    private func removeUnreferencedFiles(_ directory: URL) {
        var keep: Set<String> = [Manifest.fileName]
        for e in manifest.segments {
            keep.insert(e.name + ".seg")
            if let d = e.deletesFile { keep.insert(d) }
        }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for f in files where !keep.contains(f) && (f.hasSuffix(".seg") || f.hasSuffix(".del") || f.hasSuffix(".tmp")) {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(f))
        }
    }

    private func load(_ directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let manifestURL = directory.appendingPathComponent(Manifest.fileName)
        guard FileManager.default.fileExists(atPath: manifestURL.path) else { return }
        let loaded: Manifest
        do {
            loaded = try JSONDecoder().decode(Manifest.self, from: Data(try DurableFile.read(manifestURL)))
        } catch let error as LexicalIndexError {
            throw error
        } catch {
            throw LexicalIndexError.corrupt("manifest: \(error)")
        }
        var loadedSegments: [Segment] = []
        for entry in loaded.segments {
            let segment = try SegmentFile.open(directory.appendingPathComponent(entry.name + ".seg"), name: entry.name)
            guard segment.documentCount == entry.documentCount else {
                throw LexicalIndexError.corrupt("\(entry.name) size")
            }
            if let deletes = entry.deletesFile {
                try SegmentFile.applyDeletes(
                    try DurableFile.read(directory.appendingPathComponent(deletes)), to: segment)
                segment.deletesFile = deletes
            }
            loadedSegments.append(segment)
        }
        manifest = loaded
        segments = loadedSegments
        rebuildLocations()
        removeUnreferencedFiles(directory)
    }
}
