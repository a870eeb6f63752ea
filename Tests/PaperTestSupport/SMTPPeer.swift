import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one SMTP test peer: `smtp_peer.py` (aiosmtpd, from the venv named by `PAPERBOY_TEST_PYTHON`) on 127.0.0.1
/// and a free port, for the mail and the digest tests.
public final class SMTPPeer: @unchecked Sendable {  // the process handles are only touched by `stop`, once
    /// A message the peer accepted, with its envelope and session facts.
    public struct Received: Decodable, Sendable {
        public var mail_from: String
        public var mail_options: [String]
        public var rcpt_tos: [String]
        public var content: String
        public var tls: Bool
        public var authenticated: Bool
        public var auth_login: String?
        public var auth_mechanism: String?
        public var helo: String?
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("smtp_peer.py").path

    /// The venv's Python, nil when `PAPERBOY_TEST_PYTHON` is not set.
    public static let python: String? = {
        guard let path = ProcessInfo.processInfo.environment["PAPERBOY_TEST_PYTHON"], !path.isEmpty else { return nil }
        return path
    }()

    public let port: Int
    public let directory: URL
    private let process: Process
    /// Held open for the peer's lifetime: the peer exits when its stdin closes, so it cannot outlive us.
    private let stdin: Pipe
    private let stderrURL: URL
    private let stopped = Mutex(false)

    /// Starts the peer with `smtp_peer.py` options (`--starttls CERT KEY`, `--auth USER:PASS`, `--script ...`);
    /// `replies` answers each DATA with the next code of the list, the last one repeating ("451,250");
    /// with `delay`, an accepted message is kept only if the client is still connected that many seconds later.
    public init(_ options: [String] = [], replies: String? = nil, delay: Double = 0) throws {
        guard let python = Self.python else {
            throw Failure("PAPERBOY_TEST_PYTHON is not set (scripts/test sets it to the test venv with aiosmtpd)")
        }
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("paperboy-smtp-peer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let messages = directory.appendingPathComponent("messages")
        stderrURL = directory.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        var arguments = [Self.script, messages.path] + options
        if let replies { arguments += ["--data-replies", replies] }
        if delay > 0 { arguments += ["--delay", String(delay)] }
        process.arguments = arguments
        stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()

        // The first stdout line is the port; give up (and kill the peer) after 20 s.
        let reader = LineReader(stdout.fileHandleForReading)
        guard let line = reader.firstLine(timeout: 20), let port = Int(line.trimmingCharacters(in: .whitespaces))
        else {
            kill(process.processIdentifier, SIGKILL)
            let stderr = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
            throw Failure("smtp_peer.py did not report its port within 20 s; stderr:\n\(stderr)")
        }
        self.port = port
    }

    deinit { stop() }

    /// `smtp://127.0.0.1:<port>`.
    public var url: String { "smtp://127.0.0.1:\(port)" }

    /// Closes the peer's stdin (it exits), then SIGTERM, then SIGKILL; never waits more than a few seconds.
    public func stop() {
        let first = stopped.withLock { stopped in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
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

    private var messagesDirectory: URL { directory.appendingPathComponent("messages") }

    /// The messages the server accepted, in order.
    public func received() throws -> [Received] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: messagesDirectory.path)) ?? []
        return try files.filter { $0.hasSuffix(".json") }.sorted().map {
            try JSONDecoder().decode(
                Received.self, from: Data(contentsOf: messagesDirectory.appendingPathComponent($0)))
        }
    }

    /// The accepted messages, raw, each after an `X-Peer-Rcpt` header with its envelope recipients.
    public func messages() throws -> [String] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: messagesDirectory.path)) ?? [])
            .filter { $0.hasSuffix(".eml") }.sorted()
        return try files.map { try String(contentsOf: messagesDirectory.appendingPathComponent($0), encoding: .utf8) }
    }

    /// Every DATA the peer answered, as "<reply code> <recipients>" lines.
    public func attempts() -> [String] {
        ((try? String(contentsOf: messagesDirectory.appendingPathComponent("attempts.log"), encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
    }

    /// What the peer wrote to stderr so far.
    public var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
}

/// Reads the first line of a pipe on a background thread, so the wait can time out.
private final class LineReader: Sendable {
    private let handle: FileHandle
    private let line = Mutex<String?>(nil)
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
            line.withLock { $0 = text }
            done.signal()
        }
        guard done.wait(timeout: .now() + timeout) == .success else { return nil }
        return line.withLock { $0 }
    }
}
