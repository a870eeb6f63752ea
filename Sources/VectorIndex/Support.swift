import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How vectors are kept in memory and on disk.
public enum VectorStorage: String, Sendable, CaseIterable {
    /// Exact float32 rows (4 bytes per dimension).
    case float32
    /// Symmetric int8 codes with one float scale per vector (1 byte per dimension);
    /// scores are approximate, see the recall figures in benchmarks/RESULTS.md.
    case int8
}

public struct VectorHit: Sendable, Equatable, Hashable {
    public var key: String
    public var score: Float
    public init(key: String, score: Float) {
        self.key = key
        self.score = score
    }
}

public struct HNSWParameters: Sendable, Equatable {
    /// Links per node on upper layers; layer 0 keeps 2*M.
    public var m: Int
    public var efConstruction: Int
    /// Default beam width for `searchApproximate` when the caller passes none.
    public var efSearch: Int
    /// Seeds level assignment; with a single-threaded build the graph is a pure
    /// function of (rows in order, parameters).
    public var seed: UInt64

    public init(m: Int = 16, efConstruction: Int = 200, efSearch: Int = 64, seed: UInt64 = 0x5eed) {
        self.m = max(2, m)
        self.efConstruction = max(1, efConstruction)
        self.efSearch = max(1, efSearch)
        self.seed = seed
    }
}

public enum VectorIndexError: Error, Equatable, CustomStringConvertible {
    case dimensionMismatch(expected: Int, got: Int)
    case nonFiniteValue(key: String)
    case zeroVector(key: String)
    case invalidDimension(Int)
    case notAnIndexFile(String)
    case unsupportedVersion(UInt32)
    case corrupted(String)
    case io(String)

    public var description: String {
        switch self {
        case let .dimensionMismatch(e, g): "vector dimension \(g) does not match index dimension \(e)"
        case let .nonFiniteValue(k): "vector for '\(k)' contains NaN or infinity"
        case let .zeroVector(k): "vector for '\(k)' is all zeros"
        case let .invalidDimension(d): "invalid dimension \(d)"
        case let .notAnIndexFile(p): "\(p) is not a Paperboy vector index file"
        case let .unsupportedVersion(v): "vector index file format version \(v) is not supported"
        case let .corrupted(why): "vector index file is corrupted: \(why)"
        case let .io(why): "vector index I/O error: \(why)"
        }
    }
}

/// Growable, 64-byte aligned row-major buffer. Not an Array so rows never move
/// under a pointer taken for a scan and no copy-on-write check sits in hot loops.
final class RowBuffer<Element> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var capacityRows: Int
    let rowWidth: Int

    init(rowWidth: Int, capacityRows: Int = 16) {
        self.rowWidth = rowWidth
        self.capacityRows = max(1, capacityRows)
        base = RowBuffer.allocate(count: self.capacityRows * rowWidth)
    }

    deinit { free(base) }

    private static func allocate(count: Int) -> UnsafeMutablePointer<Element> {
        var raw: UnsafeMutableRawPointer?
        let bytes = max(64, count * MemoryLayout<Element>.stride)
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("VectorIndex: out of memory (\(bytes) bytes)")
        }
        return raw.bindMemory(to: Element.self, capacity: count)
    }

    func reserve(rows: Int, used: Int) {
        guard rows > capacityRows else { return }
        var newCapacity = capacityRows
        while newCapacity < rows {
            newCapacity = newCapacity < 1 << 20 ? newCapacity * 2 : newCapacity + newCapacity / 2
        }
        let fresh = RowBuffer.allocate(count: newCapacity * rowWidth)
        fresh.update(from: base, count: used * rowWidth)
        free(base)
        base = fresh
        capacityRows = newCapacity
    }

    @inline(__always) func row(_ r: Int) -> UnsafeMutablePointer<Element> { base + r * rowWidth }
}
