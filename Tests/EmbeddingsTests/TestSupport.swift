import Foundation
import Testing

/// Locates the shared reference data and the real model, which are not in the repository.
enum Fixtures {
    static let filePath: String = #filePath

    /// Candidate starting points: the path as compiled and, when it runs through a symlinked
    /// dev package, the resolved path inside the real repository.
    static var startDirectories: [URL] {
        let file = URL(fileURLWithPath: filePath)
        var dirs = [file.deletingLastPathComponent()]
        let resolved = file.resolvingSymlinksInPath().deletingLastPathComponent()
        if resolved.path != dirs[0].path { dirs.append(resolved) }
        return dirs
    }

    static func ancestors(of url: URL) -> [URL] {
        var out: [URL] = []
        var dir = url.standardizedFileURL
        while true {
            out.append(dir)
            let parent = dir.deletingLastPathComponent().standardizedFileURL
            if parent.path == dir.path || dir.path == "/" { break }
            dir = parent
        }
        return out
    }

    static let sharedDirectory: URL? = {
        if let env = ProcessInfo.processInfo.environment["PAPERBOY_SHARED_DIR"], !env.isEmpty {
            let url = URL(fileURLWithPath: env)
            return FileManager.default.fileExists(atPath: url.appendingPathComponent("reference/minilm").path)
                ? url : nil
        }
        for start in startDirectories {
            for dir in ancestors(of: start) {
                let shared = dir.appendingPathComponent("shared")
                if FileManager.default.fileExists(
                    atPath: shared.appendingPathComponent("reference/minilm/README.md").path)
                {
                    return shared
                }
            }
        }
        return nil
    }()

    static var referenceDirectory: URL? { sharedDirectory?.appendingPathComponent("reference/minilm") }

    /// The repository root: nearest ancestor with Package.swift and a Sources/Embeddings folder
    /// (the dev package's Package.swift lacks the real models/ folder, so keep walking).
    static let modelDirectory: URL? = {
        if let env = ProcessInfo.processInfo.environment["PAPERBOY_MODEL_DIR"], !env.isEmpty {
            let url = URL(fileURLWithPath: env)
            return FileManager.default.fileExists(atPath: url.appendingPathComponent("model.safetensors").path)
                ? url : nil
        }
        for start in startDirectories {
            for dir in ancestors(of: start)
            where FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
                let model = dir.appendingPathComponent("models/all-MiniLM-L6-v2")
                if FileManager.default.fileExists(atPath: model.appendingPathComponent("model.safetensors").path) {
                    return model
                }
            }
        }
        return nil
    }()

    static var haveReference: Bool { referenceDirectory != nil }
    static var haveModel: Bool { modelDirectory != nil }
    static var haveModelAndReference: Bool { haveReference && haveModel }

    static func json(_ name: String) throws -> Any {
        let url = try #require(referenceDirectory).appendingPathComponent(name)
        return try JSONSerialization.jsonObject(with: Data(contentsOf: url))
    }

    /// Minimal .npy reader for little-endian float32 C-order arrays.
    static func readNpyFloat32(_ url: URL) throws -> (shape: [Int], data: [Float]) {
        let bytes = [UInt8](try Data(contentsOf: url))
        guard bytes.count > 10, bytes[0] == 0x93, String(decoding: bytes[1..<6], as: UTF8.self) == "NUMPY" else {
            throw NpyError.format("not an .npy file")
        }
        let major = bytes[6]
        let headerLen: Int, headerStart: Int
        if major == 1 {
            headerLen = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else {
            headerLen = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLen)], as: UTF8.self)
        guard header.contains("'descr': '<f4'"), header.contains("'fortran_order': False") else {
            throw NpyError.format("expected little-endian float32 C-order, got \(header)")
        }
        guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")")
        else {
            throw NpyError.format("no shape in \(header)")
        }
        let shape = header[open.upperBound..<close].split(separator: ",").compactMap {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        let count = shape.reduce(1, *)
        let start = headerStart + headerLen
        guard bytes.count - start >= count * 4 else { throw NpyError.format("truncated data") }
        var data = [Float](repeating: 0, count: count)
        data.withUnsafeMutableBytes { dst in
            bytes.withUnsafeBytes { src in
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[start..<(start + count * 4)]))
            }
        }
        return (shape, data)
    }

    enum NpyError: Error { case format(String) }
}

func cosine(_ a: [Float], _ b: [Float]) -> Double {
    var dot = 0.0, na = 0.0, nb = 0.0
    for i in a.indices {
        dot += Double(a[i]) * Double(b[i])
        na += Double(a[i]) * Double(a[i])
        nb += Double(b[i]) * Double(b[i])
    }
    return dot / (na.squareRoot() * nb.squareRoot())
}

func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
