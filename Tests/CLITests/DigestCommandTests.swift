import Foundation
import PaperModel
import PaperStore
import Testing

let testPython = ProcessInfo.processInfo.environment["PAPERBOY_TEST_PYTHON"]

/// The one SMTP test peer (Tests/PaperTestSupport/smtp_peer.py, aiosmtpd) on a free loopback port.
final class DigestPeer: @unchecked Sendable {
    let process = Process()
    let input = Pipe()
    let directory: URL
    let port: Int

    init(delay: Double = 0, replies: String = "250") throws {
        directory = try temporaryDirectory().appendingPathComponent("peer")
        process.executableURL = URL(fileURLWithPath: testPython!)
        process.arguments = [
            repositoryRoot.appendingPathComponent("Tests/PaperTestSupport/smtp_peer.py").path, directory.path,
            "--delay", String(delay), "--data-replies", replies,
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        var line = ""
        while !line.contains("\n") {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { throw CLIError("the SMTP peer did not start") }
            line += String(decoding: data, as: UTF8.self)
        }
        port = Int(line.split(separator: " ").last!.trimmingCharacters(in: .whitespacesAndNewlines))!
    }

    var url: String { "smtp://127.0.0.1:\(port)" }

    func messages() -> [String] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter {
            $0.hasSuffix(".eml")
        }
        return files.compactMap { try? String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8) }
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func headerValue(_ name: String, _ raw: String) -> String? {
    let head = raw.components(separatedBy: "\r\n\r\n").first ?? raw
    return head.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
        .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
}

/// A data folder with the founding listing (the daily feed of 2026-05-30) and `subscribers` confirmed subscribers.
func digestDataFolder(subscribers: Int, pending: Int = 0) async throws -> (String, SQLitePaperStore) {
    let data = try temporaryDirectory().appendingPathComponent("data").path
    let listing = repositoryRoot.appendingPathComponent("Sources/DemoCorpus/Data/hf-papers-listing.txt").path
    let run = try paperboy(["import", "--data-dir", data, "--date", "2026-05-30", listing])
    #expect(run.status == 0, "\(run.stderr)")
    let store = try SQLitePaperStore.open(directory: URL(fileURLWithPath: data))
    for i in 0..<subscribers {
        let s = try await store.subscribe(email: "reader\(i)@example.org", username: nil, frequency: .daily, at: Date())
        try await store.confirmSubscriber(id: s.id, at: Date())
    }
    for i in 0..<pending {
        _ = try await store.subscribe(email: "pending\(i)@example.org", username: nil, frequency: .daily, at: Date())
    }
    return (data, store)
}

@Suite("paperboy digest", .serialized, .enabled(if: paperboyBinary != nil, "the paperboy binary was not built"))
struct DigestCommandTests {
    @Test func badArgumentsGetClearErrors() async throws {
        var run = try paperboy(["digest", "send", "--period", "monthly"])
        #expect(run.status != 0 && run.stderr.contains("unknown period"))
        run = try paperboy(["digest", "send", "--as-of", "30/05/2026"])
        #expect(run.status != 0 && run.stderr.contains("--as-of"))
        run = try paperboy(["digest", "send", "--to", "a@example.org\r\nBcc: b@example.org"])
        #expect(run.status != 0 && run.stderr.contains("--to"))
        run = try paperboy(["digest", "send", "--mail-from", "Eve\r\nBcc: x@example.org <eve@example.org>"])
        #expect(run.status != 0 && run.stderr.contains("--mail-from"))
        run = try paperboy(["digest", "send", "--smtp-url", "http://example.org"])
        #expect(run.status != 0 && run.stderr.contains("--smtp-url"))
        run = try paperboy(["serve", "--digest-hour", "25"])
        #expect(run.status != 0 && run.stderr.contains("--digest-hour"))
    }

    @Test func unreachableServerEmptyPeriodAndDryRun() async throws {
        let (data, store) = try await digestDataFolder(subscribers: 2)
        var run = try paperboy([
            "digest", "send", "--data-dir", data, "--as-of", "2026-05-31", "--smtp-url", "smtp://127.0.0.1:9",
        ])
        #expect(run.status == 0 && run.stdout.contains("No papers in May 31, 2026: nothing sent."), "\(run.stderr)")
        run = try paperboy(["digest", "send", "--data-dir", data, "--dry-run", "--smtp-url", "smtp://127.0.0.1:9"])
        #expect(
            run.status == 0 && run.stdout.contains("2 of 2 confirmed daily subscribers would get the digest"),
            "\(run.stderr)")
        #expect(try await store.outboxMessages(state: nil).isEmpty)
        run = try paperboy(["digest", "send", "--data-dir", data, "--smtp-url", "smtp://127.0.0.1:9"])
        #expect(run.status != 0 && run.stderr.contains("could not be reached"), "\(run.stderr)")
        #expect(try await store.outboxMessages(state: .queued).count == 2)
        // Without --smtp-url the digests land as files in <data-dir>/mail (an outbox row is sent once, and these
        // are still queued for their retry, so a preview goes to one address instead).
        run = try paperboy(["digest", "send", "--data-dir", data, "--to", "someone@example.org"])
        #expect(run.status == 0, "\(run.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: data + "/mail").filter { $0.hasSuffix(".eml") }
        #expect(files.count == 1)
        run = try paperboy(["digest", "preview", "--data-dir", data, "--output", data + "/preview.html"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            try String(contentsOfFile: data + "/preview.html", encoding: .utf8).contains(
                "Trending papers of May 30, 2026"))
    }

    @Test(
        .enabled(
            if: testPython != nil,
            "PAPERBOY_TEST_PYTHON is not set: run scripts/test (it creates .venv-test with aiosmtpd)"))
    func sigkillMidBatchThenRestartDeliversExactlyOneDigestEach() async throws {
        let count = 30
        let (data, store) = try await digestDataFolder(subscribers: count, pending: 3)
        let peer = try DigestPeer(delay: 0.2)
        defer { peer.stop() }
        let arguments = [
            "digest", "send", "--period", "daily", "--as-of", "2026-05-30", "--smtp-url", peer.url, "--data-dir", data,
            "--rate", "100",
        ]
        let process = Process()
        process.executableURL = paperboyBinary
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while peer.messages().count < 5 && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let before = peer.messages().count
        #expect(before >= 5 && before < count, "killed after \(before) of \(count)")

        let rerun = try paperboy(arguments)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let messages = peer.messages()
        var messageIDs: [String: Set<String>] = [:]
        for raw in messages {
            let to = try #require(headerValue("To", raw))
            messageIDs[to, default: []].insert(try #require(headerValue("Message-ID", raw)))
        }
        #expect(messageIDs.count == count)
        for i in 0..<count {
            #expect(messageIDs["reader\(i)@example.org"]?.count == 1, "reader\(i)")
        }
        #expect(!messageIDs.keys.contains { $0.hasPrefix("pending") })
        // A copy can repeat only for the one message in flight at the kill, with the same Message-ID.
        #expect(messages.count <= count + 1)
        #expect(try await store.outboxMessages(state: .sent).count == count)
        // A third run sends nothing.
        let third = try paperboy(arguments)
        #expect(third.status == 0 && third.stdout.contains("Sent 0"))
        #expect(peer.messages().count == messages.count)
    }
}
