import Foundation
import Synchronization

/// The three term spaces of one dictionary; a term key's first character says which.
enum TermKind: UInt8 {
    case text, author, category

    init?(key: String) {
        switch key.utf8.first {
        case UInt8(ascii: "T"): self = .text
        case UInt8(ascii: "A"): self = .author
        case UInt8(ascii: "C"): self = .category
        default: return nil
        }
    }
}

/// Prefixes that put the three term spaces into one dictionary.
enum TermSpace {
    static let text = "T"
    static let author = "A"
    static let category = "C"
}

/// Where one term's postings sit in its segment's `Postings`: a range of the segment-wide arrays, and the
/// byte range of its positions. A small value, so a million-term dictionary costs tens of megabytes.
struct PostingList {
    /// Index of the term's first posting in `Postings.docs`, `tf1` and `tf2`.
    let start: Int
    let count: Int
    let kind: TermKind
    /// Byte range of the term's delta-varint positions in `Postings.positions`, posting after posting.
    let positionsStart: Int
    let positionsLength: Int
    /// Index of the term's first entry in `Postings.positionBlockStarts` (one per `impactBlockSize` postings).
    let firstBlock: Int

    var blockCount: Int { (count + impactBlockSize - 1) >> impactBlockShift }
}

/// Postings per block: the unit of block-max pruning and of the position skip table. Small enough to skip
/// precisely, large enough to keep the per-block arrays short.
let impactBlockShift = 6
let impactBlockSize = 1 << impactBlockShift

/// Abstract positions are offset so that one position stream serves both fields and phrases never span them.
let abstractPositionOffset: UInt32 = 1 << 20

/// Term frequencies are kept in one byte; this value means "look in the overflow table".
let tfOverflowMarker: UInt8 = .max

/// All postings of one segment in flat arrays, term after term, which is what keeps a large index compact:
/// 4 bytes of document number and 2 bytes of term frequencies per posting, no per-term allocations, and
/// positions left where they are (the memory-mapped segment file) until a phrase or field check reads them.
///
/// The number of positions of a posting is implied by its term frequencies (`positionCount`), so the only
/// position index kept in memory is the byte offset of each block's first posting.
/// `@unchecked`: immutable raw buffers after init.
final class Postings: @unchecked Sendable {
    let docs: UnsafeMutableBufferPointer<UInt32>
    let tf1: UnsafeMutableBufferPointer<UInt8>
    let tf2: UnsafeMutableBufferPointer<UInt8>
    /// True frequencies of the postings whose byte says `tfOverflowMarker`, by posting index.
    let tf1Overflow: [Int: UInt16]
    let tf2Overflow: [Int: UInt16]
    /// Absolute offset in `positions` of the first position byte of each block of `impactBlockSize` postings.
    let positionBlockStarts: [Int]
    let positions: ByteStore

    init(
        docs: UnsafeMutableBufferPointer<UInt32>, tf1: UnsafeMutableBufferPointer<UInt8>,
        tf2: UnsafeMutableBufferPointer<UInt8>, tf1Overflow: [Int: UInt16], tf2Overflow: [Int: UInt16],
        positionBlockStarts: [Int], positions: ByteStore
    ) {
        self.docs = docs
        self.tf1 = tf1
        self.tf2 = tf2
        self.tf1Overflow = tf1Overflow
        self.tf2Overflow = tf2Overflow
        self.positionBlockStarts = positionBlockStarts
        self.positions = positions
    }

    deinit {
        docs.deallocate()
        tf1.deallocate()
        tf2.deallocate()
    }

    static func allocate(
        count: Int
    ) -> (
        UnsafeMutableBufferPointer<UInt32>, UnsafeMutableBufferPointer<UInt8>,
        UnsafeMutableBufferPointer<UInt8>
    ) {
        let docs = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: max(1, count))
        let tf1 = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, count))
        let tf2 = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, count))
        tf2.initialize(repeating: 0)
        return (docs, tf1, tf2)
    }

    /// Stores a term frequency as its byte, recording large ones in `overflow`.
    @inline(__always)
    static func store(
        _ tf: UInt16, at index: Int, in bytes: UnsafeMutableBufferPointer<UInt8>, overflow: inout [Int: UInt16]
    ) {
        if tf < UInt16(tfOverflowMarker) {
            bytes[index] = UInt8(tf)
        } else {
            bytes[index] = tfOverflowMarker
            overflow[index] = tf
        }
    }

    /// Title (text terms) or field (author, category terms) frequency of posting `index`.
    @inline(__always)
    func titleFrequency(_ index: Int) -> UInt16 {
        let t = tf1[index]
        return t != tfOverflowMarker ? UInt16(t) : tf1Overflow[index] ?? UInt16(t)
    }

    /// Abstract frequency of posting `index` (0 for author and category terms).
    @inline(__always)
    func abstractFrequency(_ index: Int) -> UInt16 {
        let t = tf2[index]
        return t != tfOverflowMarker ? UInt16(t) : tf2Overflow[index] ?? UInt16(t)
    }

    /// Number of position varints of a posting: one per occurrence; categories have none.
    @inline(__always)
    func positionCount(_ list: PostingList, posting index: Int) -> Int {
        switch list.kind {
        case .text: return Int(titleFrequency(index)) + Int(abstractFrequency(index))
        case .author: return Int(titleFrequency(index))
        case .category: return 0
        }
    }

    /// Byte range in `positions` of posting `i` of `list` (i relative to the list): from its block's start,
    /// skipping the varints of the postings before it in the block.
    func positionRange(_ list: PostingList, posting i: Int) -> Range<Int> {
        let block = i >> impactBlockShift
        var offset = positionBlockStarts[list.firstBlock + block]
        let bytes = positions.bytes
        let end = list.positionsStart + list.positionsLength
        for j in (block << impactBlockShift)..<i {
            offset = Self.skipVarints(positionCount(list, posting: list.start + j), in: bytes, from: offset, end: end)
        }
        let stop = Self.skipVarints(positionCount(list, posting: list.start + i), in: bytes, from: offset, end: end)
        return offset..<stop
    }

    /// Decoded positions of posting `i` of `list` (title positions, then abstract ones at `abstractPositionOffset`).
    func decodePositions(_ list: PostingList, posting i: Int) -> [UInt32] {
        let range = positionRange(list, posting: i)
        positions.noteRead()
        let bytes = positions.bytes
        var out: [UInt32] = []
        var offset = range.lowerBound
        var last: UInt32 = 0
        while offset < range.upperBound {
            var value: UInt32 = 0
            var shift: UInt32 = 0
            while offset < range.upperBound {
                let b = bytes[offset]
                offset += 1
                if shift < 32 { value |= UInt32(b & 0x7F) << shift }
                shift += 7
                if b < 0x80 { break }
            }
            last &+= value
            out.append(last)
        }
        return out
    }

    @inline(__always)
    static func skipVarints(_ n: Int, in bytes: UnsafeRawBufferPointer, from start: Int, end: Int) -> Int {
        var offset = start
        var remaining = n
        while remaining > 0, offset < end {
            if bytes[offset] < 0x80 { remaining -= 1 }
            offset += 1
        }
        return offset
    }
}

/// Read-only bytes that either live in memory or are a memory-mapped file. Mapped pages are paged in on use
/// and count against the process only while resident, so a segment's positions cost nothing until read.
/// `@unchecked`: read-only memory after init.
final class ByteStore: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    private let isMapped: Bool
    /// Reads since the mapping's pages were last released (see `noteRead`).
    private let readsSinceRelease = Atomic<Int>(0)
    /// Releasing every this many reads bounds what phrase checks keep resident: each read maps at most one
    /// fault-around window (64 KB by default), so at most ~64 MB stay mapped between releases.
    static let readsPerRelease = 1_024

    init(copying array: [UInt8]) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, array.count), alignment: 16)
        array.withUnsafeBytes { buffer.copyMemory(from: $0) }
        bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<array.count])
        isMapped = false
    }

    /// Maps `path` read-only; empty files map to an empty store.
    init(mapping path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw LexicalIndexError.io("cannot open \(path): errno \(errno)") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw LexicalIndexError.io("cannot stat \(path): errno \(errno)") }
        let size = Int(info.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            isMapped = true
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else {
            throw LexicalIndexError.io("cannot map \(path): errno \(errno)")
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
        isMapped = true
    }

    deinit {
        guard let base = bytes.baseAddress else { return }
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        } else {
            base.deallocate()
        }
    }

    /// Counts one random read (e.g. one posting's positions). Every `readsPerRelease` reads, the mapped pages
    /// are released, so scattered reads over a large file never make the whole file resident in this process;
    /// the pages stay in the page cache, so a later read costs a minor fault, not I/O.
    @inline(__always)
    func noteRead() {
        guard isMapped else { return }
        if readsSinceRelease.add(1, ordering: .relaxed).newValue % Self.readsPerRelease == 0 {
            dropResidentPages(0..<bytes.count)
        }
    }

    /// Tells the kernel the bytes in `range` are not needed soon: mapped pages leave the process (they stay in
    /// the page cache and come back on the next read). Used after opening, which reads the whole file once.
    func dropResidentPages(_ range: Range<Int>) {
        // Only for mappings: on allocated memory MADV_DONTNEED would discard the bytes themselves.
        guard isMapped, let base = bytes.baseAddress, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (range.lowerBound / page) * page
        let end = min(bytes.count, range.upperBound)
        guard end > start else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, Int32(MADV_DONTNEED))
    }
}

/// Per-document BM25 length normalization, `1 - b + b · length / average` for each field, for the collection
/// statistics of one generation; computing it once per commit keeps posting scoring to a few multiplications.
final class LengthNorms: @unchecked Sendable {
    let generation: Int
    let title: [Float]
    let abstract: [Float]
    let author: [Float]

    init(segment: Segment, parameters: BM25Parameters, stats: CollectionStats) {
        let b = parameters.b
        generation = stats.generation
        title = segment.titleLengths.map { 1 - b + b * Float($0) / stats.averageTitleLength }
        abstract = segment.abstractLengths.map { 1 - b + b * Float($0) / stats.averageAbstractLength }
        author = segment.authorLengths.map { 1 - b + b * Float($0) / stats.averageAuthorLength }
    }
}

/// Score bounds of one posting list for one generation: its best posting and each block's best.
/// `@unchecked`: immutable after init.
final class ImpactBounds: @unchecked Sendable {
    let generation: Int
    let maxImpact: Float
    let blocks: [Float]

    init(generation: Int, maxImpact: Float, blocks: [Float]) {
        self.generation = generation
        self.maxImpact = maxImpact
        self.blocks = blocks
    }
}

/// An immutable set of documents with their inverted index; only the tombstones change after creation.
/// `@unchecked`: `deleted` and the live lengths change only under `LexicalIndex`'s write lock; the caches have
/// their own `Mutex`.
final class Segment: @unchecked Sendable {
    let name: String
    let keys: [String]
    let days: [Int32]
    let hasCode: [Bool]
    /// Distinct category lists, and each document's index into them (papers share a few thousand combinations).
    let categorySets: [[String]]
    let categorySetOfDocument: [UInt32]
    let titleLengths: [UInt32]
    let abstractLengths: [UInt32]
    let authorLengths: [UInt32]
    let terms: [String: PostingList]
    let postings: Postings

    var deleted: [Bool]
    private(set) var deletedCount = 0
    /// The caches concurrent searches fill: length norms of the current statistics, and score bounds of the
    /// terms queried in that generation.
    private struct Caches {
        var norms: LengthNorms?
        var bounds: [Int: ImpactBounds] = [:]
    }

    private let caches = Mutex(Caches())
    /// Name of the tombstone file that holds `deleted` on disk, if any.
    var deletesFile: String?
    private(set) var liveTitleLength = 0
    private(set) var liveAbstractLength = 0
    private(set) var liveAuthorLength = 0

    init(
        name: String, keys: [String], days: [Int32], hasCode: [Bool], categorySets: [[String]],
        categorySetOfDocument: [UInt32], titleLengths: [UInt32], abstractLengths: [UInt32], authorLengths: [UInt32],
        terms: [String: PostingList], postings: Postings
    ) {
        self.name = name
        self.keys = keys
        self.days = days
        self.hasCode = hasCode
        self.categorySets = categorySets
        self.categorySetOfDocument = categorySetOfDocument
        self.titleLengths = titleLengths
        self.abstractLengths = abstractLengths
        self.authorLengths = authorLengths
        self.terms = terms
        self.postings = postings
        deleted = [Bool](repeating: false, count: keys.count)
        liveTitleLength = titleLengths.reduce(0) { $0 + Int($1) }
        liveAbstractLength = abstractLengths.reduce(0) { $0 + Int($1) }
        liveAuthorLength = authorLengths.reduce(0) { $0 + Int($1) }
    }

    var documentCount: Int { keys.count }
    var liveCount: Int { keys.count - deletedCount }

    @inline(__always) func categories(_ doc: Int) -> [String] { categorySets[Int(categorySetOfDocument[doc])] }

    func markDeleted(_ doc: Int) {
        guard !deleted[doc] else { return }
        deleted[doc] = true
        deletedCount += 1
        liveTitleLength -= Int(titleLengths[doc])
        liveAbstractLength -= Int(abstractLengths[doc])
        liveAuthorLength -= Int(authorLengths[doc])
    }

    /// Length norms for the statistics of `scorer`, computed once per generation and shared by searches.
    func lengthNorms(_ scorer: BM25Scorer) -> LengthNorms {
        caches.withLock { caches in
            if let norms = caches.norms, norms.generation == scorer.stats.generation { return norms }
            let fresh = LengthNorms(segment: self, parameters: scorer.parameters, stats: scorer.stats)
            caches.norms = fresh
            caches.bounds.removeAll()
            return fresh
        }
    }

    /// Score bounds of `list` for the statistics of `scorer`, computed on first use in a generation. Kept for
    /// queried terms only: 4 bytes per block of postings.
    func impactBounds(_ list: PostingList, scorer: PostingScorer) -> ImpactBounds {
        if let cached = caches.withLock({ $0.bounds[list.start] }), cached.generation == scorer.generation {
            return cached
        }
        var blocks = [Float](repeating: 0, count: list.blockCount)
        var maxImpact: Float = 0
        let docs = postings.docs
        for i in 0..<list.count {
            let v = scorer.impact(list, posting: list.start + i, doc: docs[list.start + i])
            if v > blocks[i >> impactBlockShift] { blocks[i >> impactBlockShift] = v }
            if v > maxImpact { maxImpact = v }
        }
        let computed = ImpactBounds(generation: scorer.generation, maxImpact: maxImpact, blocks: blocks)
        caches.withLock { caches in
            if caches.norms?.generation == scorer.generation { caches.bounds[list.start] = computed }
        }
        return computed
    }
}

/// A forward-only position in a posting list with galloping skips.
struct PostingCursor {
    let list: PostingList
    /// The list's document numbers (`docs[0]` is its first posting).
    let docs: UnsafePointer<UInt32>
    let count: Int
    /// Bounds of each block's best posting for the running search (empty where the clause needs none).
    let blockMaxImpacts: [Float]
    var index = 0

    init(_ list: PostingList, in postings: Postings, blockMaxImpacts: [Float] = []) {
        self.list = list
        docs = UnsafePointer(postings.docs.baseAddress! + list.start)
        count = list.count
        self.blockMaxImpacts = blockMaxImpacts
    }

    static let exhausted = UInt32.max

    /// Index of the current posting in the segment-wide arrays.
    @inline(__always) var posting: Int { list.start + index }

    @inline(__always) var doc: UInt32 { index < count ? docs[index] : Self.exhausted }

    @inline(__always) mutating func next() { index += 1 }

    /// Moves to the first posting with doc ≥ target.
    @inline(__always)
    mutating func advance(to target: UInt32) {
        let n = count
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

/// Builds `Segment.categorySets`: each distinct category list once, and per document the index of its list.
struct CategorySets {
    private(set) var sets: [[String]] = []
    private(set) var setOfDocument: [UInt32] = []
    private var index: [[String]: UInt32] = [:]

    mutating func append(_ categories: [String]) {
        if let i = index[categories] {
            setOfDocument.append(i)
        } else {
            let i = UInt32(sets.count)
            index[categories] = i
            sets.append(categories)
            setOfDocument.append(i)
        }
    }
}
