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

/// BM25 / BM25F arithmetic shared by all segments: idf and the parameters.
struct BM25Scorer {
    let parameters: BM25Parameters
    let stats: CollectionStats

    /// Lucene's idf, always positive: ln(1 + (N - df + 0.5) / (df + 0.5)).
    func idf(documentFrequency df: Int) -> Float {
        let n = Float(max(stats.liveDocuments, df))
        return log(1 + (n - Float(df) + 0.5) / (Float(df) + 0.5))
    }
}

/// Scores postings of one segment: a posting's score is `idf(term) × impact(posting)`, and the impact is
/// computed from the posting's term frequencies and the document's length norms when it is read, so no
/// per-posting score array is ever kept.
struct PostingScorer {
    let parameters: BM25Parameters
    let postings: Postings
    let norms: LengthNorms

    init(_ scorer: BM25Scorer, segment: Segment) {
        parameters = scorer.parameters
        postings = segment.postings
        norms = segment.lengthNorms(scorer)
    }

    var generation: Int { norms.generation }

    /// Saturated BM25 term-frequency part of one field: tf (k1 + 1) / (tf + k1 · norm).
    @inline(__always)
    func fieldImpact(tf: UInt16, norm: Float) -> Float {
        guard tf > 0 else { return 0 }
        let t = Float(tf)
        let k1 = parameters.k1
        return t * (k1 + 1) / (t + k1 * norm)
    }

    /// BM25 contribution without idf of posting `index` (segment-wide) of `list`, in document `doc`.
    @inline(__always)
    func impact(_ list: PostingList, posting index: Int, doc: UInt32) -> Float {
        let d = Int(doc)
        let p = parameters
        switch list.kind {
        case .text:
            let tfTitle = postings.titleFrequency(index), tfAbstract = postings.abstractFrequency(index)
            switch p.fieldScoring {
            case .bm25f:
                let weighted =
                    p.titleWeight * Float(tfTitle) / norms.title[d]
                    + p.abstractWeight * Float(tfAbstract) / norms.abstract[d]
                return weighted * (p.k1 + 1) / (p.k1 + weighted)
            case .perFieldSum:
                return p.titleWeight * fieldImpact(tf: tfTitle, norm: norms.title[d])
                    + p.abstractWeight * fieldImpact(tf: tfAbstract, norm: norms.abstract[d])
            }
        case .author:
            return p.authorWeight * fieldImpact(tf: postings.titleFrequency(index), norm: norms.author[d])
        case .category:
            return 0
        }
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
