/// Postings of one term in one segment, decoded into flat arrays for fast traversal.
final class PostingList: @unchecked Sendable {
    /// Ascending segment-local document numbers.
    let docs: [UInt32]
    /// Term frequency in the title (text terms) or in the field (author and category terms).
    let tf1: [UInt16]
    /// Term frequency in the abstract; empty for non-text terms.
    let tf2: [UInt16]
    /// `positions[posStarts[i]..<posStarts[i+1]]` are the delta-varint positions of posting i.
    let posStarts: [UInt32]
    let positions: [UInt8]

    /// Per-posting BM25 contribution without idf, for the collection statistics of `impactGeneration`.
    /// Computed lazily because it depends on the index-wide average field lengths, which every commit changes.
    var impacts: [Float] = []
    var maxImpact: Float = 0
    /// Largest impact of each block of `impactBlockSize` postings, so that pruning can skip whole blocks.
    var blockMaxImpacts: [Float] = []
    var impactGeneration = -1

    init(docs: [UInt32], tf1: [UInt16], tf2: [UInt16], posStarts: [UInt32], positions: [UInt8]) {
        self.docs = docs
        self.tf1 = tf1
        self.tf2 = tf2
        self.posStarts = posStarts
        self.positions = positions
    }

    var count: Int { docs.count }

    func decodePositions(_ posting: Int) -> [UInt32] {
        var reader = ByteReader(positions, offset: Int(posStarts[posting]))
        let end = Int(posStarts[posting + 1])
        var out: [UInt32] = []
        var last: UInt32 = 0
        while reader.offset < end, let delta = try? reader.varint() {
            last &+= UInt32(truncatingIfNeeded: delta)
            out.append(last)
        }
        return out
    }
}

/// Postings per block-max entry: small enough to skip precisely, large enough to keep the bounds array short.
let impactBlockShift = 6
let impactBlockSize = 1 << impactBlockShift

/// Abstract positions are offset so that one position stream serves both fields and phrases never span them.
let abstractPositionOffset: UInt32 = 1 << 20

/// Prefixes that put the three term spaces into one dictionary.
enum TermSpace {
    static let text = "T"
    static let author = "A"
    static let category = "C"
}

import Foundation

/// An immutable set of documents with their inverted index; only the tombstones change after creation.
final class Segment: @unchecked Sendable {
    let name: String
    let keys: [String]
    let days: [Int32]
    let hasCode: [Bool]
    let categories: [[String]]
    let titleLengths: [UInt32]
    let abstractLengths: [UInt32]
    let authorLengths: [UInt32]
    let terms: [String: PostingList]

    var deleted: [Bool]
    private(set) var deletedCount = 0
    /// Guards the lazily computed BM25 impacts of this segment's posting lists.
    let impactLock = NSLock()
    /// Name of the tombstone file that holds `deleted` on disk, if any.
    var deletesFile: String?
    private(set) var liveTitleLength = 0
    private(set) var liveAbstractLength = 0
    private(set) var liveAuthorLength = 0

    init(name: String, keys: [String], days: [Int32], hasCode: [Bool], categories: [[String]], titleLengths: [UInt32],
         abstractLengths: [UInt32], authorLengths: [UInt32], terms: [String: PostingList]) {
        self.name = name
        self.keys = keys
        self.days = days
        self.hasCode = hasCode
        self.categories = categories
        self.titleLengths = titleLengths
        self.abstractLengths = abstractLengths
        self.authorLengths = authorLengths
        self.terms = terms
        deleted = [Bool](repeating: false, count: keys.count)
        liveTitleLength = titleLengths.reduce(0) { $0 + Int($1) }
        liveAbstractLength = abstractLengths.reduce(0) { $0 + Int($1) }
        liveAuthorLength = authorLengths.reduce(0) { $0 + Int($1) }
    }

    var documentCount: Int { keys.count }
    var liveCount: Int { keys.count - deletedCount }

    func markDeleted(_ doc: Int) {
        guard !deleted[doc] else { return }
        deleted[doc] = true
        deletedCount += 1
        liveTitleLength -= Int(titleLengths[doc])
        liveAbstractLength -= Int(abstractLengths[doc])
        liveAuthorLength -= Int(authorLengths[doc])
    }
}

/// A forward-only position in a posting list with galloping skips.
struct PostingCursor {
    let list: PostingList
    /// BM25 impacts of `list` for the statistics of the running search (empty where the clause needs none).
    let impacts: [Float]
    let blockMaxImpacts: [Float]
    var index = 0

    init(_ list: PostingList, impacts: [Float] = [], blockMaxImpacts: [Float] = []) {
        self.list = list
        self.impacts = impacts
        self.blockMaxImpacts = blockMaxImpacts
    }

    static let exhausted = UInt32.max

    @inline(__always) var doc: UInt32 { index < list.docs.count ? list.docs[index] : Self.exhausted }

    @inline(__always) mutating func next() { index += 1 }

    /// Moves to the first posting with doc ≥ target.
    @inline(__always)
    mutating func advance(to target: UInt32) {
        let docs = list.docs
        let n = docs.count
        if index >= n || docs[index] >= target { return }
        var step = 1
        var lo = index
        var hi = index + 1
        while hi < n, docs[hi] < target {
            lo = hi
            step <<= 1
            hi = index + step
        }
        if hi > n { hi = n }
        // docs[lo] < target, and docs[hi] ≥ target or hi == n.
        var l = lo + 1
        var h = hi
        while l < h {
            let m = (l + h) >> 1
            if docs[m] < target { l = m + 1 } else { h = m }
        }
        index = l
    }
}
