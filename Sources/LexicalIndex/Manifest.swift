import Foundation

/// `manifest.json`: the one file that says which segment and tombstone files make up the committed index.
/// Replacing it atomically (temp file, fsync, rename, fsync of the directory) is what makes a commit atomic;
/// files it does not name are leftovers of an interrupted commit and are removed on open.
struct Manifest: Codable, Equatable {
    struct SegmentEntry: Codable, Equatable {
        var name: String
        var documentCount: Int
        var deletesFile: String?
    }

    var formatVersion = 1
    var lastAppliedSequence: Int64 = 0
    var nextSegmentNumber = 1
    var segments: [SegmentEntry] = []

    static let fileName = "manifest.json"
}

/// Durable file writes: write a temporary file, fsync it, rename it into place, fsync the directory.
enum DurableFile {
    static func write(_ bytes: [UInt8], to url: URL) throws {
        let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw LexicalIndexError.io("cannot create \(temp.path): errno \(errno)") }
        var written = 0
        let ok: Bool = bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + written, raw.count - written)
                if n <= 0 { return false }
                written += n
            }
            return fsync(fd) == 0
        }
        close(fd)
        guard ok else { throw LexicalIndexError.io("cannot write \(temp.path): errno \(errno)") }
        guard rename(temp.path, url.path) == 0 else {
            throw LexicalIndexError.io("cannot rename to \(url.path): errno \(errno)")
        }
        syncDirectory(url.deletingLastPathComponent())
    }

    static func syncDirectory(_ url: URL) {
        let fd = open(url.path, O_RDONLY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    static func read(_ url: URL) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw LexicalIndexError.io("cannot read \(url.path)")
        }
        return [UInt8](data)
    }
}
