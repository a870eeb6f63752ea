/// LEB128 unsigned variable-length integers, the unit of the segment format.
enum VarInt {
    @inline(__always)
    static func append(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    @inline(__always)
    static func append(_ value: Int, to out: inout [UInt8]) { append(UInt64(value), to: &out) }

    static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
    static func unzigzag(_ v: UInt64) -> Int64 { Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1) }
}

/// Bounds-checked sequential reader over segment bytes (in memory or mapped); corrupt input throws instead of
/// trapping. The bytes must outlive the reader.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var offset: Int

    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    @inline(__always)
    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count, shift < 64 else { throw LexicalIndexError.corrupt("truncated varint") }
            let b = bytes[offset]
            offset += 1
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
        }
    }

    @inline(__always)
    mutating func int() throws -> Int {
        let v = try varint()
        guard v <= UInt64(Int32.max) * 4 else { throw LexicalIndexError.corrupt("value out of range") }
        return Int(v)
    }

    mutating func take(_ count: Int) throws -> Slice<UnsafeRawBufferPointer> {
        guard count >= 0, offset + count <= bytes.count else { throw LexicalIndexError.corrupt("truncated data") }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    mutating func skip(_ count: Int) throws {
        guard count >= 0, offset + count <= bytes.count else { throw LexicalIndexError.corrupt("truncated data") }
        offset += count
    }

    mutating func string() throws -> String {
        let n = try int()
        return String(decoding: try take(n), as: UTF8.self)
    }
}

extension Array where Element == UInt8 {
    mutating func appendString(_ s: String) {
        VarInt.append(s.utf8.count, to: &self)
        append(contentsOf: s.utf8)
    }
}
