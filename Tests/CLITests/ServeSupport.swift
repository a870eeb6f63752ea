import Foundation

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The 74,728-record arXiv file of ../shared, nil when ../shared is absent.
let recentArxivFile: URL? = sharedDirectory.map { $0.appendingPathComponent("data/arxiv/recent-cs.jsonl.gz") }
    .flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0 : nil }

/// A free TCP port on the loopback interface (bound once by the kernel's choice, then released).
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw CLIError("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard bound else { throw CLIError("bind() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A Kaggle-format line for a small test corpus.
func kaggleTestLine(_ id: String, title: String) -> String {
    let object: [String: Any] = [
        "id": id, "title": title, "abstract": "An abstract about \(title).", "categories": "cs.CL",
        "authors": "Ada Lovelace", "versions": [["version": "v1", "created": "Mon, 6 Jan 2025 10:00:00 GMT"]],
    ]
    return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
}

/// Runs `paperboy user create NAME` with the password on standard input.
func createUser(_ name: String, password: String, data: String) throws {
    let process = Process()
    process.executableURL = paperboyBinary
    process.arguments = ["user", "create", name, "--data-dir", data]
    let input = Pipe()
    process.standardInput = input
    process.standardOutput = Pipe()
    process.standardError = Pipe()
    try process.run()
    input.fileHandleForWriting.write(Data("\(password)\n".utf8))
    try input.fileHandleForWriting.close()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CLIError("paperboy user create \(name) failed") }
}

/// `paperboy serve` on a free loopback port, its log in a file. By default without the demo corpus and with
/// rate limits out of the way.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let log: URL

    static let quiet = ["--no-demo", "--api-reads-per-minute", "1000000", "--api-writes-per-minute", "1000000"]

    init(data: String, workDirectory: URL, arguments: [String] = ServeProcess.quiet) throws {
        port = try freeLoopbackPort()
        log = workDirectory.appendingPathComponent("serve-\(port).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = paperboyBinary
        process.arguments = ["serve", "--data-dir", data, "--port", String(port)] + arguments
        // No embedding model: lexical search only, no background embedding competing for the CPU.
        var environment = ProcessInfo.processInfo.environment
        environment["PAPERBOY_MODEL_DIR"] = workDirectory.appendingPathComponent("no-model").path
        process.environment = environment
        process.currentDirectoryURL = workDirectory
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// Polls `/healthz` until it answers 200. The budget is a number of attempts (about `timeout` seconds on an
    /// idle machine), not a wall-clock deadline: when parallel tests keep this task from running, waiting time
    /// passes without the server being asked, and that must not count against it.
    func waitUntilHealthy(client: HTTPClient, timeout: TimeInterval = 120) async throws {
        for _ in 0..<Int(timeout / 0.2) {
            guard process.isRunning else { throw CLIError("paperboy serve exited:\n\(logTail())") }
            if let response = try? await client.send("GET", base + "/healthz"), response.status == 200 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw CLIError("paperboy serve did not become healthy:\n\(logTail())")
    }

    /// Waits until `/healthz` answers, and returns its first answer.
    func waitUntilListening(timeout: TimeInterval = 120) async throws -> [String: Any] {
        // Attempts, not a deadline (see `waitUntilHealthy`).
        for _ in 0..<Int(timeout / 0.05) {
            guard process.isRunning else { throw CLIError("paperboy serve exited:\n\(logTail())") }
            if let (status, body) = try? await get("/healthz"), status == 200,
                let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
            {
                return json
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CLIError("paperboy serve did not listen within \(timeout) s of attempts:\n\(logTail())")
    }

    /// A GET over a plain socket on its own thread: checks of a server's state must not queue behind the heavy
    /// URLSession traffic other tests run in the same process (FoundationNetworking shares its machinery).
    func get(_ path: String) async throws -> (Int, Data) {
        let port = self.port
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try LoopbackHTTP.get(port: port, path: path, timeout: 30) })
            }.start()
        }
    }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    func logTail() -> String { String(output.suffix(3_000)) }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// SIGTERM, then the exit status (SIGKILL after `timeout`).
    func terminate(timeout: TimeInterval = 30) async -> Int32 {
        process.terminate()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

struct HTTPResponse {
    var status: Int
    var headers: [String: String]
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A tiny HTTP client that does not follow redirects and keeps no cookies (tests send their own).
final class HTTPClient: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    private var session: URLSession!

    override init() {
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpCookieStorage = nil
        configuration.timeoutIntervalForRequest = 60
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }

    func send(
        _ method: String, _ url: String, headers: [String: String] = [:], body: Data? = nil
    ) async throws -> HTTPResponse {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.timeoutInterval = 60
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        let session = self.session!
        return try await withCheckedThrowingContinuation { continuation in
            session.dataTask(with: request) { data, response, error in
                if let error {
                    continuation.resume(throwing: error)
                    return
                }
                let http = response as! HTTPURLResponse
                var headers: [String: String] = [:]
                for (name, value) in http.allHeaderFields {
                    headers[String(describing: name).lowercased()] = String(describing: value)
                }
                continuation.resume(
                    returning: HTTPResponse(status: http.statusCode, headers: headers, body: data ?? Data()))
            }.resume()
        }
    }

    func invalidate() { session.invalidateAndCancel() }
}

func formBody(_ fields: [(String, String)]) -> Data {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return Data(
        fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&").utf8)
}

/// The value of cookie `name` in a response's Set-Cookie header(s).
func cookie(_ name: String, in response: HTTPResponse) -> String? {
    guard let header = response.headers["set-cookie"] else { return nil }
    for part in header.components(separatedBy: CharacterSet(charactersIn: ",;")) {
        let pair = part.trimmingCharacters(in: .whitespaces)
        if pair.hasPrefix(name + "=") { return String(pair.dropFirst(name.count + 1)) }
    }
    return nil
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

/// The smallest HTTP/1.1 GET: `Connection: close`, the answer read to its end.
enum LoopbackHTTP {
    static func get(port: Int, path: String, timeout: Int) throws -> (Int, Data) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CLIError("socket: \(errno)") }
        defer { close(fd) }
        var time = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw CLIError("connect: \(errno)") }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else {
            throw CLIError("send: \(errno)")
        }
        var answer = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 { throw CLIError("recv: \(errno)") }
            if n == 0 { break }
            answer.append(contentsOf: buffer[0..<n])
        }
        guard let end = answer.range(of: Data("\r\n\r\n".utf8)),
            let head = String(data: answer[..<end.lowerBound], encoding: .utf8),
            let status = head.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { throw CLIError("not an HTTP answer") }
        return (status, Data(answer[end.upperBound...]))
    }
}
