import CVectorKernels
import Foundation

/// How candidate text becomes TF-IDF vectors.
public struct TermFeatureSettings: Sendable, Equatable {
    /// Terms in fewer documents than this are dropped (they cannot connect two papers of the index).
    public var minimumDocumentFrequency = 2
    /// Terms in more than this fraction of the documents are dropped.
    public var maximumDocumentFraction: Double = 0.5
    public var bigrams = true
    /// arXiv categories as extra terms (`cs.cl` weighs like a word), so a reader's fields count too.
    public var categoryTerms = true
    public init() {}
}

/// A sparse, L2-normalized TF-IDF vector over an index's vocabulary (term ids ascending).
public struct SparseVector: Sendable, Equatable {
    public var terms: [Int32]
    public var values: [Float]
    public init(terms: [Int32] = [], values: [Float] = []) {
        self.terms = terms
        self.values = values
    }

    public static func dot(_ a: SparseVector, _ b: SparseVector) -> Float {
        var i = 0, j = 0, sum: Float = 0
        while i < a.terms.count && j < b.terms.count {
            if a.terms[i] == b.terms[j] {
                sum += a.values[i] * b.values[j]; i += 1; j += 1
            } else if a.terms[i] < b.terms[j] {
                i += 1
            } else {
                j += 1
            }
        }
        return sum
    }
}

/// The candidate window, precomputed once (TF-IDF matrix in CSR form, unit vectors in one row-major block,
/// rows ordered by announce day) and shared by every reader's request. Immutable after init, so safe to share.
public final class RecommendationIndex: @unchecked Sendable {
    public let count: Int
    public let dimension: Int
    public let settings: TermFeatureSettings
    let extractor: TermExtractor

    let ids: [String]
    let baseIDs: [String]
    let titles: [String]
    let abstracts: [String]
    let days: [Int]
    let categories: [[String]]
    let authors: [[String]]
    let normalizedAuthors: [[String]]
    let rowOfBase: [String: Int]
    let rowsByAuthor: [String: [Int]]
    let rowsByCategory: [String: [Int]]

    let vocabulary: [UInt64: Int32]
    let termHashes: [UInt64]
    let idf: [Float]
    let rowStart: [Int]
    let rowTerms: [Int32]
    let rowValues: [Float]
    /// The same matrix by term (postings in row order), for scoring only the terms a reader's model uses.
    let termStart: [Int]
    let postingRows: [Int32]
    let postingValues: [Float]

    /// count × dimension unit vectors (zeros where a paper has none).
    let vectors: [Float]
    let hasVector: [Bool]
    public let vectorCount: Int

    public var vocabularySize: Int { termHashes.count }

    public init(candidates: [CandidatePaper], settings: TermFeatureSettings = TermFeatureSettings()) {
        self.settings = settings
        extractor = TermExtractor(bigrams: settings.bigrams)
        // One row per paper: versions of an id collapse to the highest version given (the last one on a tie).
        var chosen: [String: (version: Int, index: Int)] = [:]
        for (i, paper) in candidates.enumerated() {
            let base = PaperKey.base(paper.id)
            let version = Int(paper.id.dropFirst(base.utf8.count).dropFirst()) ?? 0
            if let existing = chosen[base], existing.version > version { continue }
            chosen[base] = (version, i)
        }
        let order = chosen.map { (base: $0.key, index: $0.value.index) }.sorted {
            let a = candidates[$0.index].day, b = candidates[$1.index].day
            return a != b ? a < b : Array($0.base.utf8).lexicographicallyPrecedes(Array($1.base.utf8))
        }
        let papers = order.map { candidates[$0.index] }
        count = papers.count
        ids = papers.map(\.id)
        baseIDs = order.map(\.base)
        titles = papers.map(\.title)
        abstracts = papers.map(\.abstract)
        days = papers.map(\.day)
        categories = papers.map { $0.categories.map { $0.lowercased() } }
        authors = papers.map(\.authors)
        normalizedAuthors = papers.map { $0.authors.map(AuthorKey.normalize) }
        var rows: [String: Int] = [:]
        for (i, base) in baseIDs.enumerated() { rows[base] = i }
        rowOfBase = rows
        var byAuthor: [String: [Int]] = [:], byCategory: [String: [Int]] = [:]
        for (i, names) in normalizedAuthors.enumerated() {
            for name in Set(names) { byAuthor[name, default: []].append(i) }
        }
        for (i, cats) in categories.enumerated() { for c in Set(cats) { byCategory[c, default: []].append(i) } }
        rowsByAuthor = byAuthor
        rowsByCategory = byCategory

        // Terms per document, in parallel (tokenizing is most of the build).
        let extractor = self.extractor
        let chunks = max(1, min(8, ProcessInfo.processInfo.activeProcessorCount * 2))
        var perDocument = [[(hash: UInt64, count: Int)]](repeating: [], count: papers.count)
        perDocument.withUnsafeMutableBufferPointer { out in
            let out = UnsafeSendable(out)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                var i = chunk
                while i < papers.count {
                    out.value[i] = extractor.counts(
                        title: papers[i].title, abstract: papers[i].abstract,
                        categories: settings.categoryTerms ? papers[i].categories : [])
                    i += chunks
                }
            }
        }
        var df: [UInt64: Int32] = [:]
        df.reserveCapacity(papers.count * 64)
        for doc in perDocument { for term in doc { df[term.hash, default: 0] += 1 } }
        let maxDF = Int32(max(1, Int(settings.maximumDocumentFraction * Double(papers.count))))
        let minDF = Int32(settings.minimumDocumentFrequency)
        var kept = df.filter { $0.value >= minDF && $0.value <= maxDF }.map { (hash: $0.key, df: $0.value) }
        kept.sort { $0.hash < $1.hash }
        var vocabulary: [UInt64: Int32] = [:]
        vocabulary.reserveCapacity(kept.count)
        let n = Float(papers.count)
        var idf = [Float](repeating: 0, count: kept.count)
        for (id, term) in kept.enumerated() {
            vocabulary[term.hash] = Int32(id)
            idf[id] = log((1 + n) / (1 + Float(term.df))) + 1
        }
        self.vocabulary = vocabulary
        termHashes = kept.map(\.hash)
        self.idf = idf

        var rowStart = [0]
        rowStart.reserveCapacity(papers.count + 1)
        var rowTerms: [Int32] = [], rowValues: [Float] = []
        for doc in perDocument {
            let vector = Self.weigh(doc, vocabulary: vocabulary, idf: idf)
            rowTerms.append(contentsOf: vector.terms)
            rowValues.append(contentsOf: vector.values)
            rowStart.append(rowTerms.count)
        }
        self.rowStart = rowStart
        self.rowTerms = rowTerms
        self.rowValues = rowValues
        var termStart = [Int](repeating: 0, count: kept.count + 1)
        for t in rowTerms { termStart[Int(t) + 1] += 1 }
        for t in 0..<kept.count { termStart[t + 1] += termStart[t] }
        var fill = termStart
        var postingRows = [Int32](repeating: 0, count: rowTerms.count)
        var postingValues = [Float](repeating: 0, count: rowTerms.count)
        for r in 0..<papers.count {
            for k in rowStart[r]..<rowStart[r + 1] {
                let t = Int(rowTerms[k])
                postingRows[fill[t]] = Int32(r)
                postingValues[fill[t]] = rowValues[k]
                fill[t] += 1
            }
        }
        self.termStart = termStart
        self.postingRows = postingRows
        self.postingValues = postingValues

        let dimension = papers.first(where: { $0.vector != nil })?.vector?.count ?? 0
        self.dimension = dimension
        var vectors = [Float](repeating: 0, count: papers.count * dimension)
        var hasVector = [Bool](repeating: false, count: papers.count)
        var vectorCount = 0
        if dimension > 0 {
            for (i, paper) in papers.enumerated() {
                guard let v = paper.vector, v.count == dimension, let unit = Self.unit(v) else { continue }
                vectors.replaceSubrange(i * dimension..<(i + 1) * dimension, with: unit)
                hasVector[i] = true
                vectorCount += 1
            }
        }
        self.vectors = vectors
        self.hasVector = hasVector
        self.vectorCount = vectorCount
    }

    static func weigh(_ counts: [(hash: UInt64, count: Int)], vocabulary: [UInt64: Int32], idf: [Float]) -> SparseVector
    {
        var pairs: [(Int32, Float)] = []
        pairs.reserveCapacity(counts.count)
        for term in counts {
            guard let id = vocabulary[term.hash] else { continue }
            pairs.append((id, (1 + log(Float(term.count))) * idf[Int(id)]))
        }
        pairs.sort { $0.0 < $1.0 }
        let norm = sqrt(pairs.reduce(Float(0)) { $0 + $1.1 * $1.1 })
        guard norm > 0 else { return SparseVector() }
        return SparseVector(terms: pairs.map(\.0), values: pairs.map { $0.1 / norm })
    }

    static func unit(_ v: [Float]) -> [Float]? {
        let norm = sqrt(v.reduce(Float(0)) { $0 + $1 * $1 })
        return norm > 0 ? v.map { $0 / norm } : nil
    }

    /// TF-IDF vector of any text against this index's vocabulary (terms the index lacks are dropped).
    public func features(title: String, abstract: String, categories: [String] = []) -> SparseVector {
        Self.weigh(
            extractor.counts(title: title, abstract: abstract, categories: settings.categoryTerms ? categories : []),
            vocabulary: vocabulary, idf: idf)
    }

    func row(_ i: Int) -> SparseVector {
        SparseVector(
            terms: Array(rowTerms[rowStart[i]..<rowStart[i + 1]]),
            values: Array(rowValues[rowStart[i]..<rowStart[i + 1]]))
    }

    /// The row of a paper id (any version), if it is in the index.
    public func row(of id: String) -> Int? { rowOfBase[PaperKey.base(id)] }

    /// First row announced on or after `day`.
    func firstRow(onOrAfter day: Int) -> Int {
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if days[mid] < day { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
