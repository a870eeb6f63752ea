import Foundation
import GRDB
import PaperModel
import PaperStore
import Testing

/// `paperboy import` of the 74,728-record file into the data folder a running `paperboy serve` uses, while
/// writes keep coming in through the write API and the web forms.
@Suite(
    "paperboy import while serving", .serialized,
    .enabled(if: paperboyBinary != nil, "the paperboy binary was not built"),
    .enabled(if: recentArxivFile != nil, "needs ../shared/data/arxiv/recent-cs.jsonl.gz (../shared is absent)"))
struct ImportConcurrencyTests {
    struct Write {
        var kind: String
        var status: Int?
        var expected: Int
        var seconds: Double
        var error: String?
        var ok: Bool { status == expected }
    }

    @Test func writesThroughTheAPIAndTheWebSucceedDuringALargeImport() async throws {
        let work = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }  // runs last, after the server stopped
        let data = work.appendingPathComponent("data").path
        // Papers to upvote and comment on, imported before the server starts.
        let ids = (1...20).map { String(format: "2401.%05d", $0) }
        let small = work.appendingPathComponent("small.jsonl")
        try Data(ids.map { kaggleTestLine($0, title: "Paper \($0)") }.joined(separator: "\n").utf8).write(to: small)
        var run = try paperboy(["import", "--data-dir", data, small.path])
        #expect(run.status == 0, "\(run.stderr)")
        let password = "a long password"
        try createUser("alice", password: password, data: data)
        run = try paperboy(["user", "token", "alice", "--data-dir", data])
        let token = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(run.status == 0 && token.hasPrefix("pb_"), "\(run.stderr)")

        let server = try ServeProcess(data: data, workDirectory: work)
        defer { server.stop() }
        let client = HTTPClient()
        defer { client.invalidate() }
        try await server.waitUntilHealthy(client: client)

        // A web session: the CSRF cookie is double-submitted, so any well-formed token of ours will do.
        let csrf = String(repeating: "ab", count: 32)
        let login = try await client.send(
            "POST", server.base + "/login",
            headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": "pb_csrf=\(csrf)"],
            body: formBody([("username", "alice"), ("password", password), ("csrf", csrf), ("next", "/")]))
        let session = try #require(
            cookie("pb_session", in: login), "login answered \(login.status): \(login.text.prefix(300))")
        // Signed in, the forms' CSRF token is the session's own: the login answer sets it, as a browser keeps it.
        let sessionCSRF = try #require(cookie("pb_csrf", in: login), "login set no CSRF cookie")
        let webCookies = "pb_csrf=\(sessionCSRF); pb_session=\(session)"
        let bearer = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]

        // The import, in the background.
        let importProcess = Process()
        importProcess.executableURL = paperboyBinary
        importProcess.arguments = ["import", "--data-dir", data, recentArxivFile!.path]
        let importOut = Pipe(), importErr = Pipe()
        importProcess.standardOutput = importOut
        importProcess.standardError = importErr
        let importStarted = Date()
        try importProcess.run()

        var writes: [Write] = []
        var apiComments = 0, webComments = 0
        var upvoted = Set<String>()
        var i = 0
        while importProcess.isRunning {
            let id = ids[i % ids.count]
            i += 1
            func timed(_ kind: String, expected: Int, _ send: () async throws -> HTTPResponse) async -> Write {
                let started = Date()
                do {
                    let response = try await send()
                    return Write(
                        kind: kind, status: response.status, expected: expected,
                        seconds: Date().timeIntervalSince(started),
                        error: response.status == expected ? nil : String(response.text.prefix(200)))
                } catch {
                    return Write(
                        kind: kind, status: nil, expected: expected, seconds: Date().timeIntervalSince(started),
                        error: "\(error)")
                }
            }
            let wasUpvoted = upvoted.contains(id)
            let vote = await timed(wasUpvoted ? "api unvote" : "api upvote", expected: 200) {
                try await client.send(
                    wasUpvoted ? "DELETE" : "POST", server.base + "/api/papers/\(id)/upvote", headers: bearer)
            }
            writes.append(vote)
            if vote.ok { if wasUpvoted { upvoted.remove(id) } else { upvoted.insert(id) } }
            let apiComment = await timed("api comment", expected: 201) {
                try await client.send(
                    "POST", server.base + "/api/papers/\(id)/comments", headers: bearer,
                    body: try JSONSerialization.data(withJSONObject: ["body": "API comment \(i)"]))
            }
            writes.append(apiComment)
            if apiComment.ok { apiComments += 1 }
            let webComment = await timed("web comment", expected: 303) {
                try await client.send(
                    "POST", server.base + "/papers/\(id)/comments",
                    headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": webCookies],
                    body: formBody([("body", "Web comment \(i)"), ("csrf", sessionCSRF)]))
            }
            writes.append(webComment)
            if webComment.ok { webComments += 1 }
        }
        let importSeconds = Date().timeIntervalSince(importStarted)
        let stdout = String(decoding: importOut.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: importErr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)

        // The import succeeded with the right counts.
        #expect(importProcess.terminationStatus == 0, "\(stderr)")
        #expect(stdout.contains("74728 new, 0 updated, 0 unchanged"), "\(stdout)")
        #expect(stdout.contains("0 skipped"), "\(stdout)")

        // Every write succeeded, and none saw a server error.
        let failed = writes.filter { !$0.ok }
        let serverErrors = writes.filter { ($0.status ?? 0) >= 500 }
        #expect(writes.count >= 30, "only \(writes.count) writes during a \(Int(importSeconds)) s import")
        #expect(
            serverErrors.isEmpty,
            "\(serverErrors.count) server errors, first: \(serverErrors.first.map { "\($0)" } ?? "")")
        #expect(
            failed.isEmpty,
            "\(failed.count) of \(writes.count) writes failed, first: \(failed.first.map { "\($0)" } ?? "")")

        // What the writes did is in the store.
        let store = try SQLitePaperStore.open(directory: URL(fileURLWithPath: data))
        #expect(try await store.paperCount() == 74_728 + ids.count)
        var comments = 0
        for id in ids { comments += try await store.comments(paperID: id).count }
        #expect(comments == apiComments + webComments)
        for id in ids { #expect(try await store.hasUpvoted(paperID: id, username: "alice") == upvoted.contains(id)) }

        let latencies = writes.map(\.seconds).sorted()
        print(
            String(
                format: "import while serving: %.1f s import; %d writes (%d API comments, %d web comments), "
                    + "latency p50 %.0f ms, p99 %.0f ms, max %.0f ms; %d failed, %d server errors",
                importSeconds, writes.count, apiComments, webComments, percentile(latencies, 0.5) * 1000,
                percentile(latencies, 0.99) * 1000, (latencies.last ?? 0) * 1000, failed.count, serverErrors.count))
    }

    @Test func anImportKilledPartWayIsFinishedByRunningItAgain() async throws {
        let work = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        // The first 20,000 records of the file, to keep this quick.
        let subset = work.appendingPathComponent("recent-20k.jsonl")
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "gzip -dc \"$0\" | head -n 20000 > \"$1\"", recentArxivFile!.path, subset.path]
        try shell.run()
        shell.waitUntilExit()
        #expect(shell.terminationStatus == 0)

        // Killed (SIGKILL) once the journal shows a few batches applied.
        let data = work.appendingPathComponent("data")
        let victim = Process()
        victim.executableURL = paperboyBinary
        victim.arguments = ["import", "--data-dir", data.path, subset.path]
        victim.standardOutput = Pipe()
        victim.standardError = Pipe()
        try victim.run()
        let database = data.appendingPathComponent("paperboy.sqlite").path
        var applied = 0
        let deadline = Date().addingTimeInterval(300)
        while applied < 3_000, victim.isRunning, Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
            guard FileManager.default.fileExists(atPath: database) else { continue }
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(5)
            applied =
                (try? await DatabaseQueue(path: database, configuration: configuration).read { db in
                    try Int.fetchOne(db, sql: "SELECT MAX(records_applied) FROM import_journal") ?? 0
                }) ?? 0
        }
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        #expect(victim.terminationReason == .uncaughtSignal, "the import ended before it was killed")
        let partial = try await SQLitePaperStore.open(directory: data).paperCount()
        #expect(partial >= 3_000 && partial < 20_000, "\(partial) papers after the kill")

        var run = try paperboy(["import", "--data-dir", data.path, subset.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("continued an interrupted import after record"), "\(run.stdout)")
        #expect(run.stdout.contains("20000 new, 0 updated, 0 unchanged"), "\(run.stdout)")

        // The same store as one uninterrupted run.
        let reference = work.appendingPathComponent("reference")
        run = try paperboy(["import", "--data-dir", reference.path, subset.path])
        #expect(run.status == 0, "\(run.stderr)")
        let dump = { (path: String) throws -> [String] in
            try DatabaseQueue(path: path).read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, version, title, abstract, authors, categories, published_at, links, change_seq
                        FROM paper ORDER BY id
                        """
                ).map { $0.description }
            }
        }
        let resumed = try dump(database)
        let uninterrupted = try dump(reference.appendingPathComponent("paperboy.sqlite").path)
        #expect(resumed.count == 20_000)
        #expect(resumed == uninterrupted)
        let journal = try await DatabaseQueue(path: database).read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM import_journal")
        }
        #expect(journal == 0)
    }
}
