import CVectorKernels
import Foundation

/// On-disk layout (little-endian), version 1:
///
///     magic "PBVECIDX" | u32 version | u32 storage (0 float32, 1 int8) | u32 dimension | u32 flags (bit0: graph)
///     i64 lastAppliedSequence | u64 rows | u32 n + n bytes modelIdentity (UTF-8)
///     keys: per row u32 length (0xFFFF_FFFF = tombstone) + UTF-8 bytes
///     float32: rows*dim f32          | int8: rows*dim i8, rows f32 scales, rows i32 code sums
///     graph (if flag): u32 m, u32 efConstruction, u32 efSearch, u64 seed, u64 rng state,
///                      i32 entry, i32 maxLevel, rows u8 levels, rows*(2m+1) i32 layer 0,
///                      then for each node with level > 0: level*(m+1) i32
///     u32 CRC-32C of all preceding bytes
///
/// Files are written to a temporary sibling, fsynced and renamed over the target,
/// so readers see the old or the new index, never a torn one.
enum IndexFile {
    static let magic = Array("PBVECIDX".utf8)
    static let version: UInt32 = 1
    static let tombstone: UInt32 = 0xFFFF_FFFF
}

/// Buffered file writer that checksums everything it writes.
final class ChecksummingWriter {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private(set) var crc: UInt32 = 0
    private let flushAt = 1 << 20

    init(handle: FileHandle) {
        self.handle = handle
        buffer.reserveCapacity(flushAt + 65_536)
    }

    func bytes(_ raw: UnsafeRawBufferPointer) throws {
        guard raw.count > 0 else { return }
        crc = cvk_crc32c(crc, raw.baseAddress, raw.count)
        if raw.count >= flushAt {
            try flush()
            try handle.write(
                contentsOf: Data(
                    bytesNoCopy: UnsafeMutableRawPointer(mutating: raw.baseAddress!),
                    count: raw.count, deallocator: .none))
            return
        }
        buffer.append(contentsOf: raw)
        if buffer.count >= flushAt { try flush() }
    }

    func value<T: FixedWidthInteger>(_ v: T) throws {
        var le = v.littleEndian
        try withUnsafeBytes(of: &le) { try bytes($0) }
    }

    func float(_ v: Float) throws { try value(v.bitPattern) }

    func array<T>(_ a: [T]) throws { try a.withUnsafeBytes { try bytes($0) } }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func finish() throws {
        let sum = crc
        var le = sum.littleEndian
        withUnsafeBytes(of: &le) { buffer.append(contentsOf: $0) }
        try flush()
    }
}

/// Bounds-checked reader over a (memory-mapped) file.
struct CheckedReader {
    let data: UnsafeRawBufferPointer
    var offset = 0

    mutating func take(_ n: Int, _ what: String) throws -> UnsafeRawBufferPointer {
        guard n >= 0, n <= data.count - offset else { throw VectorIndexError.corrupted("truncated in \(what)") }
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: data[offset..<(offset + n)])
    }

    mutating func value<T: FixedWidthInteger>(_ type: T.Type, _ what: String) throws -> T {
        let raw = try take(MemoryLayout<T>.size, what)
        return T(littleEndian: raw.loadUnaligned(as: T.self))
    }

    mutating func array<T>(_ type: T.Type, count: Int, _ what: String) throws -> [T] {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard !overflow else { throw VectorIndexError.corrupted("size overflow in \(what)") }
        let raw = try take(bytes, what)
        return [T](unsafeUninitializedCapacity: count) { buf, initialized in
            UnsafeMutableRawBufferPointer(buf).copyMemory(from: raw)
            initialized = count
        }
    }
}

extension VectorIndex {
    public func save(to url: URL, modelIdentity: String, sequence: Int64) throws {
        let fm = FileManager.default
        let dir = url.deletingLastPathComponent()
        let temp = dir.appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        guard fm.createFile(atPath: temp.path, contents: nil) else {
            throw VectorIndexError.io("cannot create \(temp.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: temp)
            defer { try? handle.close() }
            try lock.read {
                try writeLocked(ChecksummingWriter(handle: handle), modelIdentity: modelIdentity, sequence: sequence)
            }
            try handle.synchronize()
            try handle.close()
            guard rename(temp.path, url.path) == 0 else {
                throw VectorIndexError.io("rename to \(url.path) failed: errno \(errno)")
            }
            // Make the rename itself durable.
            let dfd = open(dir.path, O_RDONLY)
            if dfd >= 0 {
                fsync(dfd)
                close(dfd)
            }
        } catch {
            try? fm.removeItem(at: temp)
            if let e = error as? VectorIndexError { throw e }
            throw VectorIndexError.io("\(error)")
        }
    }

    private func writeLocked(_ w: ChecksummingWriter, modelIdentity: String, sequence: Int64) throws {
        try IndexFile.magic.withUnsafeBytes { try w.bytes($0) }
        try w.value(IndexFile.version)
        try w.value(UInt32(storage == .float32 ? 0 : 1))
        try w.value(UInt32(dimension))
        try w.value(UInt32(graph == nil ? 0 : 1))
        try w.value(sequence)
        try w.value(UInt64(rowCount))
        let identity = Array(modelIdentity.utf8)
        try w.value(UInt32(identity.count))
        try w.array(identity)
        for row in 0..<rowCount {
            if let key = keys[row] {
                let b = Array(key.utf8)
                try w.value(UInt32(b.count))
                try w.array(b)
            } else {
                try w.value(IndexFile.tombstone)
            }
        }
        switch storage {
        case .float32:
            try w.bytes(UnsafeRawBufferPointer(start: floats!.base, count: rowCount * dimension * 4))
        case .int8:
            try w.bytes(UnsafeRawBufferPointer(start: codes!.base, count: rowCount * dimension))
            try w.array(Array(scales.prefix(rowCount)))
            try w.array(Array(codeSums.prefix(rowCount)))
        }
        if let g = graph {
            try w.value(UInt32(g.m))
            try w.value(UInt32(g.parameters.efConstruction))
            try w.value(UInt32(g.parameters.efSearch))
            try w.value(g.parameters.seed)
            try w.value(g.rng.state)
            try w.value(g.entry)
            try w.value(Int32(g.maxLevel))
            try w.array(g.levels)
            try w.bytes(UnsafeRawBufferPointer(start: g.level0.base, count: rowCount * (g.m0 + 1) * 4))
            for node in 0..<rowCount where g.levels[node] > 0 { try w.array(g.upper[node]) }
        }
        try w.finish()
    }

    public static func load(from url: URL) throws -> (VectorIndex, modelIdentity: String, sequence: Int64) {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw VectorIndexError.io("cannot read \(url.path): \(error.localizedDescription)")
        }
        return try data.withUnsafeBytes { raw in try parse(raw, path: url.path) }
    }

    static func parse(
        _ raw: UnsafeRawBufferPointer, path: String
    ) throws -> (VectorIndex, modelIdentity: String, sequence: Int64) {
        guard raw.count >= 12, Array(raw[0..<8]) == IndexFile.magic else { throw VectorIndexError.notAnIndexFile(path) }
        var r = CheckedReader(data: UnsafeRawBufferPointer(rebasing: raw[0..<(raw.count - 4)]), offset: 8)
        let version = try r.value(UInt32.self, "header")
        guard version == IndexFile.version else { throw VectorIndexError.unsupportedVersion(version) }
        let stored = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: raw.count - 4, as: UInt32.self))
        guard cvk_crc32c(0, raw.baseAddress, raw.count - 4) == stored else {
            throw VectorIndexError.corrupted("checksum mismatch")
        }
        let storageCode = try r.value(UInt32.self, "header")
        let dim = Int(try r.value(UInt32.self, "header"))
        let flags = try r.value(UInt32.self, "header")
        let sequence = try r.value(Int64.self, "header")
        let rows64 = try r.value(UInt64.self, "header")
        guard storageCode <= 1 else { throw VectorIndexError.corrupted("unknown storage \(storageCode)") }
        guard dim > 0, dim <= 65_536 else { throw VectorIndexError.corrupted("dimension \(dim)") }
        // Every row needs at least 4 bytes of key length plus its vector.
        guard rows64 <= UInt64(raw.count / (4 + dim)) else { throw VectorIndexError.corrupted("row count \(rows64)") }
        let rows = Int(rows64)
        let idLen = Int(try r.value(UInt32.self, "model identity"))
        guard let identity = String(validating: try r.take(idLen, "model identity"), as: UTF8.self) else {
            throw VectorIndexError.corrupted("model identity is not UTF-8")
        }
        let index = VectorIndex(dimension: dim, storage: storageCode == 0 ? .float32 : .int8)
        index.reserveLocked(rows: rows)
        var keys: [String?] = []
        keys.reserveCapacity(rows)
        var rowOfKey: [String: Int32] = [:]
        rowOfKey.reserveCapacity(rows)
        for row in 0..<rows {
            let len = try r.value(UInt32.self, "keys")
            if len == IndexFile.tombstone {
                keys.append(nil)
                continue
            }
            guard let key = String(validating: try r.take(Int(len), "keys"), as: UTF8.self) else {
                throw VectorIndexError.corrupted("key at row \(row) is not UTF-8")
            }
            guard rowOfKey.updateValue(Int32(row), forKey: key) == nil else {
                throw VectorIndexError.corrupted("duplicate key '\(key)'")
            }
            keys.append(key)
        }
        switch index.storage {
        case .float32:
            let v = try r.take(rows * dim * 4, "vectors")
            UnsafeMutableRawPointer(index.floats!.base).copyMemory(from: v.baseAddress!, byteCount: v.count)
            for i in 0..<(rows * dim) where !index.floats!.base[i].isFinite {
                throw VectorIndexError.corrupted("non-finite value in row \(i / dim)")
            }
        case .int8:
            let v = try r.take(rows * dim, "vectors")
            UnsafeMutableRawPointer(index.codes!.base).copyMemory(from: v.baseAddress!, byteCount: v.count)
            index.scales = try r.array(Float.self, count: rows, "scales")
            index.codeSums = try r.array(Int32.self, count: rows, "code sums")
            for s in index.scales where !s.isFinite { throw VectorIndexError.corrupted("non-finite scale") }
        }
        index.keys = keys
        index.rowOfKey = rowOfKey
        index.rowCount = rows
        if flags & 1 != 0 {
            let m = Int(try r.value(UInt32.self, "graph header"))
            let efC = Int(try r.value(UInt32.self, "graph header"))
            let efS = Int(try r.value(UInt32.self, "graph header"))
            let seed = try r.value(UInt64.self, "graph header")
            let rngState = try r.value(UInt64.self, "graph header")
            let entry = try r.value(Int32.self, "graph header")
            let maxLevel = Int(try r.value(Int32.self, "graph header"))
            guard m >= 2, m <= 1024 else { throw VectorIndexError.corrupted("graph M \(m)") }
            let params = HNSWParameters(m: m, efConstruction: efC, efSearch: efS, seed: seed)
            let g = HNSWGraph(parameters: params, capacity: rows)
            g.rng.state = rngState
            guard (rows == 0 && entry == -1) || (entry >= 0 && Int(entry) < rows) else {
                throw VectorIndexError.corrupted("graph entry point \(entry)")
            }
            g.entry = entry
            g.maxLevel = maxLevel
            g.levels = try r.array(UInt8.self, count: rows, "graph levels")
            guard g.levels.allSatisfy({ Int($0) <= HNSWGraph.maxAllowedLevel }),
                rows == 0 || Int(g.levels.max()!) == maxLevel
            else {
                throw VectorIndexError.corrupted("graph levels")
            }
            let width = g.m0 + 1
            let l0 = try r.take(rows * width * 4, "graph layer 0")
            g.level0.reserve(rows: rows, used: 0)
            UnsafeMutableRawPointer(g.level0.base).copyMemory(from: l0.baseAddress!, byteCount: l0.count)
            try validateLinks(
                UnsafeBufferPointer(start: g.level0.base, count: rows * width), width: width,
                capacity: g.m0, rows: rows, what: "layer 0")
            g.upper = []
            for node in 0..<rows {
                let level = Int(g.levels[node])
                guard level > 0 else {
                    g.upper.append([])
                    continue
                }
                let block = try r.array(Int32.self, count: level * (m + 1), "graph upper layers")
                try block.withUnsafeBufferPointer {
                    try validateLinks($0, width: m + 1, capacity: m, rows: rows, what: "upper layer")
                }
                g.upper.append(block)
            }
            index.graph = g
        }
        guard r.offset == r.data.count else { throw VectorIndexError.corrupted("trailing bytes") }
        return (index, identity, sequence)
    }

    private static func validateLinks(
        _ links: UnsafeBufferPointer<Int32>, width: Int, capacity: Int, rows: Int,
        what: String
    ) throws {
        var o = 0
        while o < links.count {
            let c = Int(links[o])
            guard c >= 0, c <= capacity else { throw VectorIndexError.corrupted("\(what) link count \(c)") }
            for i in 0..<c where links[o + 1 + i] < 0 || Int(links[o + 1 + i]) >= rows {
                throw VectorIndexError.corrupted("\(what) link out of range")
            }
            o += width
        }
    }
}

/// CRC-32C as used in the file footer (exposed for tests that forge files).
func crc32c(_ data: UnsafeRawPointer, _ count: Int) -> UInt32 { cvk_crc32c(0, data, count) }

extension VectorIndex {
    /// Which kernels runtime dispatch chose: "avx512" (with VNNI for int8 when present) or "portable".
    public static var kernelFamily: String { cvk_active_isa() == 2 ? "avx512" : "portable" }
}
