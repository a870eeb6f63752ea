import CZlib
import Foundation

/// Reads a text file line by line, gzip-compressed or not (zlib's gzread passes plain files through), with the
/// 1-based line number and the byte offset in the file on disk for progress bars.
final class LineReader {
    let path: String
    let totalBytes: Int64
    private let file: gzFile
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEOF = false
    private(set) var lineNumber = 0

    init(path: String) throws {
        self.path = path
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ImportError(file: path, line: nil, reason: "cannot read file: \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ImportError(file: path, line: nil, reason: "not a regular file")
        }
        guard let file = gzopen(path, "rb") else {
            throw ImportError(file: path, line: nil, reason: "cannot open file")
        }
        gzbuffer(file, 1 << 17)
        self.file = file
        self.totalBytes = Int64(info.st_size)
    }

    deinit { gzclose(file) }

    /// Bytes consumed from the file on disk (compressed bytes for gzip input).
    var bytesRead: Int64 { Int64(gzoffset(file)) }

    /// The next line without its terminator (`\n` or `\r\n`), nil at the end of the file.
    func nextLine() throws -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start, buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = try decode(buffer[start..<end])
                start = newline + 1
                lineNumber += 1
                return line
            }
            if atEOF {
                guard start < buffer.count else { return nil }
                let line = try decode(buffer[start...])
                start = buffer.count
                lineNumber += 1
                return line
            }
            try fill()
        }
    }

    private func decode(_ bytes: ArraySlice<UInt8>) throws -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ImportError(file: path, line: lineNumber + 1, reason: "line is not valid UTF-8")
        }
        return text
    }

    private func fill() throws {
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        let chunk = 1 << 16
        let oldCount = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        let n = buffer.withUnsafeMutableBufferPointer { ptr in
            gzread(file, ptr.baseAddress! + oldCount, UInt32(chunk))
        }
        if n < 0 {
            var code: Int32 = 0
            let message = gzerror(file, &code).map { String(cString: $0) } ?? "read error"
            throw ImportError(file: path, line: lineNumber + 1, reason: "cannot read: \(message)")
        }
        buffer.removeLast(chunk - Int(n))
        if n == 0 {
            // gzread returns 0 both at a clean end and at a cut-off gzip stream; only the latter sets an error.
            var code: Int32 = 0
            let message = gzerror(file, &code).map { String(cString: $0) } ?? ""
            if code != Z_OK && code != Z_STREAM_END {
                throw ImportError(
                    file: path, line: lineNumber + 1, reason: "corrupt or truncated gzip data: \(message)")
            }
            atEOF = true
        }
    }
}

/// Why an import failed, with the file and 1-based line it failed at.
public struct ImportError: Error, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let reason: String

    public init(file: String, line: Int?, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String {
        if let line { return "\(file):\(line): \(reason)" }
        return "\(file): \(reason)"
    }
}
