import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of a whole file; pages are loaded on first touch, so
/// large embedding tables cost resident memory only for the rows actually used.
/// `@unchecked`: a read-only mapping, unmapped only in deinit.
final class MappedFile: @unchecked Sendable {
    // Immutable after init; the mapping is never written, so sharing across threads is safe.
    let base: UnsafeRawPointer
    let size: Int
    let path: String

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw EmbeddingError(
                errno == ENOENT ? .missingFile : .unreadableFile,
                "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw EmbeddingError(.unreadableFile, "cannot stat \(path)")
        }
        let size = Int(st.st_size)
        guard size > 0 else { throw EmbeddingError(.invalidSafetensors, "\(path) is empty") }
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw EmbeddingError(.unreadableFile, "cannot map \(path): \(String(cString: strerror(errno)))")
        }
        self.base = UnsafeRawPointer(p)
        self.size = size
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), size) }
}

enum SafeTensorDType: String, Sendable {
    case f64 = "F64"
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"
    case i64 = "I64"
    case i32 = "I32"
    case i16 = "I16"
    case i8 = "I8"
    case u8 = "U8"
    case bool = "BOOL"
    case u16 = "U16"
    case u32 = "U32"
    case u64 = "U64"
    case f8e4m3 = "F8_E4M3"
    case f8e5m2 = "F8_E5M2"

    var byteSize: Int {
        switch self {
        case .f64, .i64, .u64: return 8
        case .f32, .i32, .u32: return 4
        case .f16, .bf16, .i16, .u16: return 2
        case .i8, .u8, .bool, .f8e4m3, .f8e5m2: return 1
        }
    }
}

struct SafeTensorInfo: Sendable {
    let name: String
    let dtype: SafeTensorDType
    let shape: [Int]
    /// Byte range relative to the start of the data section.
    let begin: Int
    let end: Int
    var elementCount: Int { shape.reduce(1, *) }
}

/// A validated safetensors file: 8-byte little-endian header length, JSON header, data.
/// Every entry is checked (known dtype, byte length == shape * dtype size, inside the data
/// section, no two tensors overlapping) before any tensor is read.
/// `@unchecked`: read-only after its entries are checked in init.
final class SafeTensorsFile: @unchecked Sendable {
    let file: MappedFile
    let tensors: [String: SafeTensorInfo]
    let dataOffset: Int
    let headerBytes: Int

    init(path: String) throws {
        file = try MappedFile(path: path)
        let name = (path as NSString).lastPathComponent
        func bad(_ why: String) -> EmbeddingError { EmbeddingError(.invalidSafetensors, "\(name): \(why)") }

        guard file.size >= 8 else { throw bad("file is \(file.size) bytes, shorter than the 8-byte header length") }
        var n: UInt64 = 0
        memcpy(&n, file.base, 8)
        n = UInt64(littleEndian: n)
        guard n >= 2, n <= 100_000_000, Int(n) <= file.size - 8 else {
            throw bad("header length \(n) does not fit in a file of \(file.size) bytes (truncated?)")
        }
        headerBytes = Int(n)
        dataOffset = 8 + headerBytes
        let dataSize = file.size - dataOffset
        let headerData = Data(bytes: file.base + 8, count: headerBytes)
        guard let json = try? JSONSerialization.jsonObject(with: headerData), let dict = json as? [String: Any] else {
            throw bad("header is not a JSON object")
        }
        var tensors: [String: SafeTensorInfo] = [:]
        for (key, value) in dict where key != "__metadata__" {
            guard let entry = value as? [String: Any] else { throw bad("entry \(key) is not an object") }
            guard let dtypeName = entry["dtype"] as? String else { throw bad("tensor \(key) has no dtype") }
            guard let dtype = SafeTensorDType(rawValue: dtypeName) else {
                throw EmbeddingError(.unsupportedDType, "\(name): tensor \(key) has unknown dtype \(dtypeName)")
            }
            guard let shapeAny = entry["shape"] as? [Any], let offsAny = entry["data_offsets"] as? [Any],
                offsAny.count == 2
            else {
                throw bad("tensor \(key) lacks shape or data_offsets")
            }
            let shape = try shapeAny.map { v -> Int in
                guard let i = (v as? NSNumber)?.intValue, i >= 0, i < 1 << 40 else {
                    throw bad("tensor \(key) has an invalid shape")
                }
                return i
            }
            let offs = try offsAny.map { v -> Int in
                guard let i = (v as? NSNumber)?.int64Value, i >= 0, i <= Int64(Int.max / 2) else {
                    throw bad("tensor \(key) has invalid data_offsets")
                }
                return Int(i)
            }
            var count = 1
            for d in shape {
                let (p, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow, p < 1 << 40 else { throw bad("tensor \(key) shape \(shape) is too large") }
                count = p
            }
            guard offs[0] <= offs[1] else { throw bad("tensor \(key) has data_offsets \(offs) out of order") }
            guard offs[1] <= dataSize else {
                throw bad(
                    "tensor \(key) ends at byte \(offs[1]) beyond the \(dataSize)-byte data section (truncated file?)")
            }
            guard offs[1] - offs[0] == count * dtype.byteSize else {
                throw bad(
                    "tensor \(key) spans \(offs[1] - offs[0]) bytes but shape \(shape) of \(dtypeName) needs \(count * dtype.byteSize)"
                )
            }
            tensors[key] = SafeTensorInfo(name: key, dtype: dtype, shape: shape, begin: offs[0], end: offs[1])
        }
        let ordered = tensors.values.filter { $0.end > $0.begin }.sorted { $0.begin < $1.begin }
        for (a, b) in zip(ordered, ordered.dropFirst()) where b.begin < a.end {
            throw bad("tensors \(a.name) and \(b.name) overlap")
        }
        self.tensors = tensors
    }

    /// Looks a tensor up under `name`, or with a `bert.` prefix added or removed, because
    /// checkpoints saved from BertModel and from task heads name the same weights differently.
    func info(_ name: String) -> SafeTensorInfo? {
        if let t = tensors[name] { return t }
        if let t = tensors["bert." + name] { return t }
        if name.hasPrefix("bert.") { return tensors[String(name.dropFirst(5))] }
        return nil
    }

    /// Returns the pages of a tensor that has been copied elsewhere (packed) to the kernel,
    /// so the mapping does not keep a second copy resident. The mapping stays valid: a later
    /// read would fault the pages back in from the file.
    func dropPages(_ name: String) {
        guard let t = info(name), t.end > t.begin else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = dataOffset + t.begin, end = dataOffset + t.end
        let first = (start + page - 1) / page * page, last = end / page * page
        guard last > first else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: file.base + first), last - first, MADV_DONTNEED)
    }

    /// Returns the tensor as fp32 with the expected shape; F32 data is used in place
    /// (no copy), F16/BF16 are widened into `owned` storage.
    func floats(
        _ name: String, shape expected: [Int], owned: inout [UnsafeMutablePointer<Float>]
    ) throws -> UnsafePointer<Float> {
        guard let t = info(name) else {
            throw EmbeddingError(.missingTensor, "model.safetensors: missing tensor \(name)")
        }
        guard t.shape == expected else {
            throw EmbeddingError(
                .tensorShape, "model.safetensors: tensor \(t.name) has shape \(t.shape), expected \(expected)")
        }
        let src = file.base + dataOffset + t.begin
        let n = t.elementCount
        switch t.dtype {
        case .f32:
            if Int(bitPattern: src) % MemoryLayout<Float>.alignment == 0 {
                return src.assumingMemoryBound(to: Float.self)
            }
            let dst = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
            memcpy(dst, src, n * 4)
            owned.append(dst)
            return UnsafePointer(dst)
        case .f16, .bf16:
            let dst = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
            owned.append(dst)
            for i in 0..<n {
                var bits: UInt16 = 0
                memcpy(&bits, src + 2 * i, 2)
                bits = UInt16(littleEndian: bits)
                dst[i] = t.dtype == .bf16 ? Float(bitPattern: UInt32(bits) << 16) : Float(halfBits: bits)
            }
            return UnsafePointer(dst)
        default:
            throw EmbeddingError(
                .unsupportedDType,
                "model.safetensors: tensor \(t.name) has dtype \(t.dtype.rawValue); only F32, F16 and BF16 are supported"
            )
        }
    }
}

extension Float {
    /// IEEE half to single, written out so it does not depend on Float16 availability.
    init(halfBits h: UInt16) {
        let sign = UInt32(h & 0x8000) << 16
        let exp = Int((h >> 10) & 0x1F)
        var mant = UInt32(h & 0x3FF)
        if exp == 0 {
            if mant == 0 { self = Float(bitPattern: sign); return }
            // Subnormal half: renormalize.
            var e = -1
            repeat { e += 1; mant <<= 1 } while mant & 0x400 == 0
            mant &= 0x3FF
            self = Float(bitPattern: sign | UInt32(127 - 15 - e) << 23 | mant << 13)
        } else if exp == 31 {
            self = Float(bitPattern: sign | 0x7F80_0000 | mant << 13)
        } else {
            self = Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | mant << 13)
        }
    }
}
