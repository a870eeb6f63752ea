import Foundation

/// Index-wide statistics that BM25 normalizes by; they change with every commit (`generation`).
struct CollectionStats {
    var liveDocuments = 0
    var averageTitleLength: Float = 1
    var averageAbstractLength: Float = 1
    var averageAuthorLength: Float = 1
    var generation = 0

    init() {}

    init(segments: [Segment], generation: Int) {
        var title = 0, abstract = 0, author = 0
        for s in segments {
            liveDocuments += s.liveCount
            title += s.liveTitleLength
            abstract += s.liveAbstractLength
            author += s.liveAuthorLength
        }
        let n = Float(max(1, liveDocuments))
        averageTitleLength = max(1, Float(title) / n)
        averageAbstractLength = max(1, Float(abstract) / n)
        averageAuthorLength = max(1, Float(author) / n)
        self.generation = generation
    }
}

/// BM25 / BM25F arithmetic. Scores are `idf(term) × impact(posting)`; impacts are cached per posting list.
struct BM25Scorer {
    let parameters: BM25Parameters
    let stats: CollectionStats

    /// Lucene's idf, always positive: ln(1 + (N - df + 0.5) / (df + 0.5)).
    func idf(documentFrequency df: Int) -> Float {
        let n = Float(max(stats.liveDocuments, df))
        return log(1 + (n - Float(df) + 0.5) / (Float(df) + 0.5))
    }

    /// Saturated BM25 term-frequency part of one field: tf (k1 + 1) / (tf + k1 (1 - b + b len / avg)).
    @inline(__always)
    func fieldImpact(tf: UInt16, length: UInt32, average: Float) -> Float {
        guard tf > 0 else { return 0 }
        let t = Float(tf)
        let k1 = parameters.k1, b = parameters.b
        return t * (k1 + 1) / (t + k1 * (1 - b + b * Float(length) / average))
    }

    @inline(__always)
    func textImpact(tfTitle: UInt16, tfAbstract: UInt16, titleLength: UInt32, abstractLength: UInt32) -> Float {
        let p = parameters
        switch p.fieldScoring {
        case .bm25f:
            let b = p.b
            let weighted = p.titleWeight * Float(tfTitle) / (1 - b + b * Float(titleLength) / stats.averageTitleLength)
                + p.abstractWeight * Float(tfAbstract) / (1 - b + b * Float(abstractLength) / stats.averageAbstractLength)
            return weighted * (p.k1 + 1) / (p.k1 + weighted)
        case .perFieldSum:
            return p.titleWeight * fieldImpact(tf: tfTitle, length: titleLength, average: stats.averageTitleLength)
                + p.abstractWeight * fieldImpact(tf: tfAbstract, length: abstractLength, average: stats.averageAbstractLength)
        }
    }

    /// The impacts of `list` for the current statistics (text or author term space), computed on first use.
    /// Concurrent searches share the cache through the segment's impact lock; callers keep the returned array,
    /// so a later recomputation never changes what a running search reads.
    func impacts(_ list: PostingList, in segment: Segment, isText: Bool)
        -> (impacts: [Float], maxImpact: Float, blockMaxImpacts: [Float]) {
        segment.impactLock.lock()
        defer { segment.impactLock.unlock() }
        if list.impactGeneration != stats.generation { computeImpacts(list, in: segment, isText: isText) }
        return (list.impacts, list.maxImpact, list.blockMaxImpacts)
    }

    private func computeImpacts(_ list: PostingList, in segment: Segment, isText: Bool) {
        var impacts = [Float](repeating: 0, count: list.count)
        var maxImpact: Float = 0
        if isText {
            for i in 0..<list.count {
                let d = Int(list.docs[i])
                let v = textImpact(tfTitle: list.tf1[i], tfAbstract: list.tf2[i], titleLength: segment.titleLengths[d],
                                   abstractLength: segment.abstractLengths[d])
                impacts[i] = v
                if v > maxImpact { maxImpact = v }
            }
        } else {
            let w = parameters.authorWeight
            for i in 0..<list.count {
                let d = Int(list.docs[i])
                let v = w * fieldImpact(tf: list.tf1[i], length: segment.authorLengths[d], average: stats.averageAuthorLength)
                impacts[i] = v
                if v > maxImpact { maxImpact = v }
            }
        }
        var blockMax = [Float](repeating: 0, count: (list.count + impactBlockSize - 1) >> impactBlockShift)
        for (i, v) in impacts.enumerated() where v > blockMax[i >> impactBlockShift] { blockMax[i >> impactBlockShift] = v }
        list.impacts = impacts
        list.maxImpact = maxImpact
        list.blockMaxImpacts = blockMax
        list.impactGeneration = stats.generation
    }
}

/// Keeps the k best (segment, doc) hits. Ties go to the earlier document, which lets pruning skip documents
/// that can at best equal the current threshold and still return exactly what exhaustive scoring returns.
struct TopKCollector {
    struct Entry {
        var score: Float
        var segment: Int
        var doc: UInt32
    }

    let k: Int
    private(set) var heap: [Entry] = []

    init(k: Int) {
        self.k = k
        heap.reserveCapacity(k)
    }

    /// Score a new document must exceed to enter.
    var threshold: Float { heap.count < k ? -Float.infinity : heap[0].score }

    /// `a` ranks below `b`.
    @inline(__always) private static func worse(_ a: Entry, _ b: Entry) -> Bool {
        if a.score != b.score { return a.score < b.score }
        return (a.segment, a.doc) > (b.segment, b.doc)
    }

    mutating func offer(score: Float, segment: Int, doc: UInt32) {
        let e = Entry(score: score, segment: segment, doc: doc)
        if heap.count < k {
            heap.append(e)
            var i = heap.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard Self.worse(heap[i], heap[parent]) else { break }
                heap.swapAt(i, parent)
                i = parent
            }
        } else if score > heap[0].score {
            heap[0] = e
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count, Self.worse(heap[l], heap[m]) { m = l }
                if r < heap.count, Self.worse(heap[r], heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
    }

    func sorted() -> [Entry] { heap.sorted { Self.worse($1, $0) } }
}
