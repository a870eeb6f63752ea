import Foundation
import Testing

/// A real SMTP server for one test: `smtp_peer.py` (aiosmtpd) on 127.0.0.1 and a free port.
final class SMTPPeer {
    struct Received: Decodable {
        var mail_from: String
        var mail_options: [String]
        var rcpt_tos: [String]
        var content: String
        var tls: Bool
        var authenticated: Bool
        var auth_login: String?
        var auth_mechanism: String?
        var helo: String?
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("smtp_peer.py").path

    let port: Int
    let directory: URL
    private let process: Process
    /// Held open for the peer's lifetime: the peer exits when its stdin closes, so it cannot outlive us.
    private let stdin: Pipe
    private let stderrURL: URL
    private var stopped = false

    /// Starts the peer with `smtp_peer.py` options (`--starttls CERT KEY`, `--auth USER:PASS`, `--script ...`).
    init(_ options: [String] = []) throws {
        let python = try #require(TestPython.path, TestPython.unavailable)
        directory = temporaryDirectory("smtp-peer")
        let messages = directory.appendingPathComponent("messages")
        stderrURL = directory.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Self.script, messages.path] + options
        stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()

        // The first stdout line is the port; give up (and kill the peer) after 20 s.
        let reader = LineReader(stdout.fileHandleForReading)
        guard let line = reader.firstLine(timeout: 20), let port = Int(line.trimmingCharacters(in: .whitespaces)) else {
            kill(process.processIdentifier, SIGKILL)
            let stderr = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
            throw TestFailure("smtp_peer.py did not report its port within 20 s; stderr:\n\(stderr)")
        }
        self.port = port
    }

    deinit { stop() }

    /// Closes the peer's stdin (it exits), then SIGTERM, then SIGKILL; never waits more than a few seconds.
    func stop() {
        guard !stopped else { return }
        stopped = true
        try? stdin.fileHandleForWriting.close()
        for (signal, grace) in [(SIGTERM, 3.0), (SIGKILL, 3.0)] {
            if !waitForExit(seconds: 0.5) { kill(process.processIdentifier, signal) } else { return }
            if waitForExit(seconds: grace) { return }
        }
    }

    private func waitForExit(seconds: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        return !process.isRunning
    }

    /// The messages the server accepted, in order.
    func received() throws -> [Received] {
        let messages = directory.appendingPathComponent("messages")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: messages.path)) ?? []
        return try files.filter { $0.hasSuffix(".json") }.sorted().map {
            try JSONDecoder().decode(Received.self, from: Data(contentsOf: messages.appendingPathComponent($0)))
        }
    }

    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
}

/// Reads the first line of a pipe on a background thread, so the wait can time out.
private final class LineReader: @unchecked Sendable {
    private let handle: FileHandle
    private let lock = NSLock()
    private var line: String?
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) { self.handle = handle }

    func firstLine(timeout: TimeInterval) -> String? {
        Thread.detachNewThread { [self] in
            var data = Data()
            while !data.contains(UInt8(ascii: "\n")) {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                data += chunk
            }
            let text = String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init)
            lock.withLock { line = text }
            done.signal()
        }
        guard done.wait(timeout: .now() + timeout) == .success else { return nil }
        return lock.withLock { line }
    }
}
