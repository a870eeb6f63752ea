import Foundation
import Testing

/// The Python of the test venv (aiosmtpd, and the standard `email` package to check what Paperboy renders).
enum TestPython {
    static let path: String? = {
        guard let path = ProcessInfo.processInfo.environment["PAPERBOY_TEST_PYTHON"], !path.isEmpty else { return nil }
        return path
    }()

    static var available: Bool { path != nil }
    static let unavailable: Comment =
        "PAPERBOY_TEST_PYTHON is not set (scripts/test sets it to the test venv with aiosmtpd)"

    /// Runs `python -c script args...` and returns its stdout; fails the test on a non-zero exit.
    static func run(_ script: String, _ arguments: [String] = []) throws -> String {
        let path = try #require(path, unavailable)
        let result = try runProcess(path, ["-c", script] + arguments, timeout: 60)
        try #require(result.status == 0, "python failed (\(result.status)): \(result.stderr)")
        return result.stdout
    }

    /// Parses a message with `email.message_from_string(..., policy=email.policy.default)`.
    static func parse(_ message: String) throws -> ParsedMessage {
        let file = temporaryDirectory("parse").appendingPathComponent("message.eml")
        try Data(message.utf8).write(to: file)
        let output = try run(
            """
            import email, email.policy, json, sys
            raw = open(sys.argv[1], encoding="utf-8", newline="").read()
            msg = email.message_from_string(raw, policy=email.policy.default)
            def address(header):
                a = msg[header].addresses[0]
                return {"address": a.addr_spec, "name": a.display_name}
            def body(kind):
                part = msg.get_body(preferencelist=(kind,))
                return None if part is None else part.get_content()
            print(json.dumps({
                "subject": str(msg["subject"]),
                "from": address("from"), "to": address("to"),
                "messageID": str(msg["message-id"]),
                "date": str(msg["date"]),
                "contentType": msg.get_content_type(),
                "parts": [p.get_content_type() for p in msg.walk() if not p.is_multipart()],
                "text": body("plain"), "html": body("html"),
                "defects": [type(d).__name__ for p in msg.walk() for d in p.defects]
                    + [type(d).__name__ for h in msg.keys() for d in msg[h].defects],
                "headers": {k: str(v) for k, v in msg.items()},
            }))
            """, [file.path])
        return try JSONDecoder().decode(ParsedMessage.self, from: Data(output.utf8))
    }
}

struct ParsedMessage: Decodable {
    struct Address: Decodable, Equatable {
        var address: String
        var name: String
    }

    var subject: String
    var from: Address
    var to: Address
    var messageID: String
    var date: String
    var contentType: String
    var parts: [String]
    var text: String?
    var html: String?
    var defects: [String]
    var headers: [String: String]
}

/// Line endings aside, what a reader gets back; `email` ends a decoded part with the line break before the
/// next boundary.
func normalizedBody(_ text: String?) -> String? {
    guard var text else { return nil }
    text = text.replacingOccurrences(of: "\r\n", with: "\n")
    if text.hasSuffix("\n") { text.removeLast() }
    return text
}

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

func runProcess(_ executable: String, _ arguments: [String], timeout: TimeInterval) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let directory = temporaryDirectory("process")
    let outURL = directory.appendingPathComponent("stdout"), errURL = directory.appendingPathComponent("stderr")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
    if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        throw TestFailure("\(executable) \(arguments.prefix(1)) did not finish within \(timeout) s")
    }
    return ProcessResult(
        status: process.terminationStatus,
        stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func temporaryDirectory(_ label: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
        "paperboy-mail-\(label)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A throwaway self-signed certificate for `localhost`.
func makeSelfSignedCertificate() throws -> (certificate: String, key: String) {
    let directory = temporaryDirectory("tls")
    let certificate = directory.appendingPathComponent("cert.pem").path
    let key = directory.appendingPathComponent("key.pem").path
    let result = try runProcess(
        "/usr/bin/env",
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
            "-keyout", key, "-out", certificate,
        ],
        timeout: 60)
    guard result.status == 0 else { throw TestFailure("openssl failed: \(result.stderr)") }
    return (certificate, key)
}
