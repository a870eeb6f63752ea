import CVectorKernels
import Dispatch
import Foundation
import PaperSupport

/// Exact and approximate (HNSW) top-k inner-product search over embeddings keyed
/// by caller ids. Vectors are expected to be unit length so that the inner
/// product is cosine similarity; the index scores exactly what it is given.
///
/// Rows are dense and append-only between compactions: removing a key leaves a
/// tombstone so HNSW node ids (== row numbers) stay valid and deleted nodes can
/// still be walked through. Tombstones are reclaimed automatically when no graph
/// exists, and by `buildApproximate`/`compact` otherwise.
/// `@unchecked`: every stored row and the graph are read and written under its `ReadWriteLock`.
public final class VectorIndex: @unchecked Sendable {
    public let dimension: Int
    public let storage: VectorStorage

    let lock = ReadWriteLock()

    // Row store. Everything below is guarded by `lock`.
    var rowCount = 0
    var keys: [String?] = []
    var rowOfKey: [String: Int32] = [:]
    var floats: RowBuffer<Float>?
    var codes: RowBuffer<Int8>?
    /// int8 only: value = scale * code.
    var scales: [Float] = []
    /// int8 only: sum of codes, to undo the +128 query bias of the VNNI kernel.
    var codeSums: [Int32] = []
    var graph: HNSWGraph?

    /// Rows at or above which an exact scan is split across threads (when `threads` is nil).
    public static let parallelScanThreshold = 150_000

    public init(dimension: Int, storage: VectorStorage = .float32) {
        precondition(dimension > 0 && dimension <= 65_536, "VectorIndex dimension must be in 1...65536")
        self.dimension = dimension
        self.storage = storage
        switch storage {
        case .float32: floats = RowBuffer(rowWidth: dimension)
        case .int8: codes = RowBuffer(rowWidth: dimension)
        }
    }

    /// Live keys.
    public var count: Int { lock.read { rowOfKey.count } }

    /// Rows held including tombstones (memory is proportional to this).
    public var storedRows: Int { lock.read { rowCount } }

    public var hasApproximateIndex: Bool { lock.read { graph != nil } }

    public var approximateParameters: HNSWParameters? { lock.read { graph?.parameters } }

    public func contains(key: String) -> Bool { lock.read { rowOfKey[key] != nil } }

    public var allKeys: [String] { lock.read { keys.compactMap { $0 } } }

    // MARK: - Mutation

    public func upsert(key: String, vector: [Float]) throws {
        try validate(vector, key: key)
        lock.write { upsertLocked(key: key, vector: vector) }
    }

    /// Bulk insert under one lock acquisition.
    public func upsert<S: Sequence>(_ items: S) throws where S.Element == (key: String, vector: [Float]) {
        let list = Array(items)
        for item in list { try validate(item.vector, key: item.key) }
        lock.write {
            reserveLocked(rows: rowCount + list.count)
            for item in list { upsertLocked(key: item.key, vector: item.vector) }
        }
    }

    /// Inserts from a contiguous row-major buffer (row i gets keys[i]); used for bulk loads.
    public func upsert(keys newKeys: [String], rowMajor: UnsafeBufferPointer<Float>) throws {
        guard rowMajor.count == newKeys.count * dimension else {
            throw VectorIndexError.dimensionMismatch(expected: newKeys.count * dimension, got: rowMajor.count)
        }
        for (i, key) in newKeys.enumerated() {
            for v in rowMajor[(i * dimension)..<((i + 1) * dimension)] where !v.isFinite {
                throw VectorIndexError.nonFiniteValue(key: key)
            }
        }
        lock.write {
            reserveLocked(rows: rowCount + newKeys.count)
            for (i, key) in newKeys.enumerated() {
                let row = UnsafeBufferPointer(rebasing: rowMajor[(i * dimension)..<((i + 1) * dimension)])
                upsertLocked(key: key, vector: row)
            }
        }
    }

    public func remove(key: String) {
        lock.write { removeLocked(key: key) }
    }

    public func removeAll() {
        lock.write {
            rowCount = 0
            keys = []
            rowOfKey = [:]
            scales = []
            codeSums = []
            graph = nil
        }
    }

    /// Drops tombstones. Discards the approximate index (row numbers change);
    /// call `buildApproximate` again if needed.
    public func compact() {
        lock.write { compactLocked() }
    }

    public func vector(for key: String) -> [Float]? {
        lock.read {
            guard let row = rowOfKey[key] else { return nil }
            return vectorLocked(row: Int(row))
        }
    }

    func validate(_ vector: [Float], key: String) throws {
        guard vector.count == dimension else {
            throw VectorIndexError.dimensionMismatch(expected: dimension, got: vector.count)
        }
        for v in vector where !v.isFinite { throw VectorIndexError.nonFiniteValue(key: key) }
    }

    func reserveLocked(rows: Int) {
        floats?.reserve(rows: rows, used: rowCount)
        codes?.reserve(rows: rows, used: rowCount)
        keys.reserveCapacity(rows)
        if storage == .int8 {
            scales.reserveCapacity(rows)
            codeSums.reserveCapacity(rows)
        }
    }

    func upsertLocked(key: String, vector: [Float]) {
        vector.withUnsafeBufferPointer { upsertLocked(key: key, vector: $0) }
    }

    func upsertLocked(key: String, vector: UnsafeBufferPointer<Float>) {
        if let existing = rowOfKey[key] {
            if graph == nil {
                writeRow(Int(existing), vector)
                return
            }
            // Graph edges were chosen for the old vector; a fresh node keeps them honest.
            keys[Int(existing)] = nil
            rowOfKey[key] = nil
        }
        let row = rowCount
        reserveLocked(rows: row + 1)
        rowCount += 1
        keys.append(key)
        if storage == .int8 {
            scales.append(0)
            codeSums.append(0)
        }
        writeRow(row, vector)
        rowOfKey[key] = Int32(row)
        if let graph { graph.insert(node: Int32(row), index: self) }
    }

    func writeRow(_ row: Int, _ vector: UnsafeBufferPointer<Float>) {
        switch storage {
        case .float32:
            floats!.row(row).update(from: vector.baseAddress!, count: dimension)
        case .int8:
            let (scale, sum) = Quantizer.quantize(vector, into: codes!.row(row))
            scales[row] = scale
            codeSums[row] = sum
        }
    }

    func removeLocked(key: String) {
        guard let row = rowOfKey.removeValue(forKey: key) else { return }
        keys[Int(row)] = nil
        let dead = rowCount - rowOfKey.count
        if graph == nil, dead >= 1024, dead * 4 >= rowCount { compactLocked() }
    }

    func compactLocked() {
        graph = nil
        var write = 0
        for read in 0..<rowCount {
            guard let key = keys[read] else { continue }
            if write != read {
                keys[write] = key
                rowOfKey[key] = Int32(write)
                switch storage {
                case .float32: floats!.row(write).update(from: floats!.row(read), count: dimension)
                case .int8:
                    codes!.row(write).update(from: codes!.row(read), count: dimension)
                    scales[write] = scales[read]
                    codeSums[write] = codeSums[read]
                }
            }
            write += 1
        }
        rowCount = write
        keys.removeLast(keys.count - write)
        if storage == .int8 {
            scales.removeLast(scales.count - write)
            codeSums.removeLast(codeSums.count - write)
        }
    }

    func vectorLocked(row: Int) -> [Float] {
        switch storage {
        case .float32:
            return Array(UnsafeBufferPointer(start: floats!.row(row), count: dimension))
        case .int8:
            let scale = scales[row]
            let c = codes!.row(row)
            return (0..<dimension).map { Float(c[$0]) * scale }
        }
    }

    // MARK: - Exact search

    /// Exact top-k by inner product, best first; equal scores are ordered by key.
    /// `allowed` is consulted only for rows that would enter the current top-k,
    /// so a selective filter costs little. `threads` nil = automatic.
    public func search(
        _ query: [Float], k: Int, allowed: (@Sendable (String) -> Bool)? = nil,
        threads: Int? = nil
    ) throws -> [VectorHit] {
        try validate(query, key: "<query>")
        guard k > 0 else { return [] }
        return lock.read {
            let n = rowCount
            guard n > 0 else { return [] }
            let prepared = PreparedQuery(query, storage: storage)
            let wanted =
                threads
                ?? (n >= VectorIndex.parallelScanThreshold
                    ? ProcessInfo.processInfo.activeProcessorCount : 1)
            let parts = max(1, min(wanted, n / 16_384, 64))
            if parts == 1 {
                return hits(scan(prepared, k: k, rows: 0..<n, allowed: allowed).sorted(keys: keys))
            }
            let results = ScanResults(count: parts)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let lo = n * part / parts, hi = n * (part + 1) / parts
                results.set(part, scan(prepared, k: k, rows: lo..<hi, allowed: allowed))
            }
            var merged = TopK(k: k)
            for part in results.values {
                for (s, r) in zip(part!.scores, part!.rows) where merged.accepts(score: s, row: r, keys: keys) {
                    merged.insert(score: s, row: r, keys: keys)
                }
            }
            return hits(merged.sorted(keys: keys))
        }
    }

    /// "More like this": neighbours of a stored key, excluding the key itself.
    public func similar(to key: String, k: Int, allowed: (@Sendable (String) -> Bool)? = nil) -> [VectorHit] {
        guard let v = vector(for: key) else { return [] }
        let filter: @Sendable (String) -> Bool = { $0 != key && (allowed?($0) ?? true) }
        return (try? search(v, k: k, allowed: filter)) ?? []
    }

    func hits(_ ranked: [(score: Float, row: Int32)]) -> [VectorHit] {
        ranked.map { VectorHit(key: keys[Int($0.row)]!, score: $0.score) }
    }

    /// Scores rows in blocks with the SIMD kernel, then walks the block keeping
    /// the top-k; only rows beating the current k-th are checked for tombstones
    /// and the caller's filter.
    func scan(_ q: PreparedQuery, k: Int, rows: Range<Int>, allowed: ((String) -> Bool)?) -> TopK {
        var top = TopK(k: k)
        let block = 2048
        let dim = dimension
        let keys = self.keys
        withUnsafeTemporaryAllocation(of: Float.self, capacity: block) { scoreBuf in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: block) { rawBuf in
                var start = rows.lowerBound
                while start < rows.upperBound {
                    let len = min(block, rows.upperBound - start)
                    switch q {
                    case let .float32(v):
                        v.withUnsafeBufferPointer {
                            cvk_dot_f32_batch($0.baseAddress, floats!.row(start), len, dim, scoreBuf.baseAddress)
                        }
                    case let .int8(biased, qScale, _):
                        biased.withUnsafeBufferPointer {
                            cvk_dot_u8s8_batch($0.baseAddress, codes!.row(start), len, dim, rawBuf.baseAddress)
                        }
                        scales.withUnsafeBufferPointer { sc in
                            codeSums.withUnsafeBufferPointer { sums in
                                for i in 0..<len {
                                    let r = start + i
                                    scoreBuf[i] = qScale * sc[r] * Float(rawBuf[i] &- 128 &* sums[r])
                                }
                            }
                        }
                    }
                    var threshold = top.threshold
                    for i in 0..<len where scoreBuf[i] >= threshold {
                        let row = Int32(start + i)
                        let s = scoreBuf[i]
                        guard let key = keys[Int(row)] else { continue }
                        guard top.accepts(score: s, row: row, keys: keys) else { continue }
                        if let allowed, !allowed(key) { continue }
                        top.insert(score: s, row: row, keys: keys)
                        threshold = top.threshold
                    }
                    start += len
                }
            }
        }
        return top
    }
}

/// One slot per scan partition; each partition writes only its own slot.
final class ScanResults: @unchecked Sendable {
    var values: [TopK?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: TopK) {
        values.withUnsafeMutableBufferPointer { $0[i] = v }
    }
}

/// A query in the representation the storage's kernels want.
enum PreparedQuery {
    case float32([Float])
    /// Codes + 128 as bytes, the query scale, and the plain int8 codes.
    case int8(biased: [UInt8], scale: Float, codes: [Int8])

    init(_ query: [Float], storage: VectorStorage) {
        switch storage {
        case .float32:
            self = .float32(query)
        case .int8:
            var c = [Int8](repeating: 0, count: query.count)
            let scale = query.withUnsafeBufferPointer { q in
                c.withUnsafeMutableBufferPointer { Quantizer.quantize(q, into: $0.baseAddress!).scale }
            }
            self = .int8(biased: c.map { UInt8(bitPattern: $0) &+ 128 }, scale: scale, codes: c)
        }
    }
}

enum Quantizer {
    /// Symmetric per-vector quantization to [-127, 127]; returns the scale and the code sum.
    static func quantize(
        _ v: UnsafeBufferPointer<Float>, into out: UnsafeMutablePointer<Int8>
    ) -> (scale: Float, sum: Int32) {
        var maxAbs: Float = 0
        for x in v { maxAbs = max(maxAbs, abs(x)) }
        guard maxAbs > 0 else {
            out.initialize(repeating: 0, count: v.count)
            return (0, 0)
        }
        let scale = maxAbs / 127
        let inv = 127 / maxAbs
        var sum: Int32 = 0
        for i in 0..<v.count {
            let c = Int8(max(-127, min(127, (v[i] * inv).rounded())))
            out[i] = c
            sum += Int32(c)
        }
        return (scale, sum)
    }
}
