import Foundation
import Testing

/// The `paperboy` binary built next to the test bundle (`swift build --build-tests` builds both).
let paperboyBinary: URL? = {
    var dir = Bundle.main.bundleURL
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("paperboy")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir.deleteLastPathComponent()
    }
    return nil
}()

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

let sharedDirectory: URL? = {
    if let env = ProcessInfo.processInfo.environment["PAPERBOY_SHARED_DIR"] { return URL(fileURLWithPath: env) }
    let candidate = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
    return FileManager.default.fileExists(atPath: candidate.appendingPathComponent("reference").path) ? candidate : nil
}()

let modelDirectory: URL? = {
    let path =
        ProcessInfo.processInfo.environment["PAPERBOY_MODEL_DIR"]
        ?? repositoryRoot.appendingPathComponent("models/all-MiniLM-L6-v2").path
    return FileManager.default.fileExists(atPath: path + "/model.safetensors") ? URL(fileURLWithPath: path) : nil
}()

struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
}

func paperboy(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
    let process = Process()
    process.executableURL = paperboyBinary
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env.merge(environment) { $1 }
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Run(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("paperboy-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite("paperboy command line", .enabled(if: paperboyBinary != nil, "the paperboy binary was not built"))
struct CLITests {
    @Test func truncatedKaggleImportFailsNamingTheLineAndChangesNothing() throws {
        let dir = try temporaryDirectory()
        let data = dir.appendingPathComponent("data").path
        let good = #"{"id": "2501.00001", "title": "Good", "abstract": "Fine.", "categories": "cs.CL", "versions": []}"#
        let goodFile = dir.appendingPathComponent("good.jsonl")
        try Data((good + "\n").utf8).write(to: goodFile)
        var run = try paperboy(["import", "--data-dir", data, goodFile.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("1 new"))

        let cut = dir.appendingPathComponent("cut.jsonl")
        try Data((good.replacingOccurrences(of: "00001", with: "00002") + "\n" + String(good.prefix(40))).utf8).write(
            to: cut)
        run = try paperboy(["import", "--data-dir", data, cut.path])
        #expect(run.status != 0)
        #expect(run.stderr.contains("cut.jsonl:2:"))
        #expect(run.stderr.contains("Nothing from"))
        run = try paperboy(["stats", "--data-dir", data, "--json"])
        let stats = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(stats?["papers"] as? Int == 1)

        run = try paperboy(["import", "--data-dir", data, "--skip-invalid", cut.path])
        #expect(run.status == 0)
        #expect(run.stderr.contains("skipped \(cut.path):2:"))
    }

    @Test func createsAnAdminWithAPasswordFromStandardInput() throws {
        let data = try temporaryDirectory().appendingPathComponent("data").path
        let process = Process()
        process.executableURL = paperboyBinary
        process.arguments = ["user", "create", "boss", "--admin", "--data-dir", data]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        input.fileHandleForWriting.write(Data("a long password\n".utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(
            String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains(
                "created admin boss"))
        #expect(try paperboy(["user", "create", "bad name!", "--data-dir", data]).status != 0)
    }

    @Test func badArgumentsAreRejectedWithUsage() throws {
        var run = try paperboy(["import", "--date", "May 30", "x.txt"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("--date"))
        run = try paperboy(["serve", "--port", "99999"])
        #expect(run.status != 0)
        run = try paperboy(["--help"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("serve") && run.stdout.contains("import") && run.stdout.contains("embed"))
    }

    @Test(
        .enabled(
            if: modelDirectory != nil && sharedDirectory != nil,
            "needs the model (scripts/fetch-model.sh) and ../shared"))
    func embedReproducesTheReferenceVectors() throws {
        let dir = try temporaryDirectory()
        let reference = sharedDirectory!.appendingPathComponent("reference/minilm")
        let texts =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: reference.appendingPathComponent("seed_texts.json"))) as! [String]
        let lines = try texts.map {
            String(
                decoding: try JSONSerialization.data(withJSONObject: $0, options: [.fragmentsAllowed]), as: UTF8.self)
        }
        let input = dir.appendingPathComponent("texts.jsonl")
        try Data(lines.joined(separator: "\n").utf8).write(to: input)
        let output = dir.appendingPathComponent("vectors.f32")
        let run = try paperboy([
            "embed", "--model", modelDirectory!.path, "--input", input.path, "--output", output.path,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let ours = try Data(contentsOf: output)
        #expect(ours.count == texts.count * 384 * 4)
        // seed_embeddings.npy: a 128-byte-aligned header, then float32 [137, 384].
        let npy = try Data(contentsOf: reference.appendingPathComponent("seed_embeddings.npy"))
        let headerLength = Int(npy[8]) | Int(npy[9]) << 8
        let expected = npy.dropFirst(10 + headerLength)
        #expect(expected.count == ours.count)
        let a = ours.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let b = Data(expected).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        var worstCosine: Float = 1, worstDiff: Float = 0
        for row in 0..<texts.count {
            var dot: Float = 0
            for i in 0..<384 {
                dot += a[row * 384 + i] * b[row * 384 + i]
                worstDiff = max(worstDiff, abs(a[row * 384 + i] - b[row * 384 + i]))
            }
            worstCosine = min(worstCosine, dot)
        }
        #expect(worstCosine >= 0.9999)
        #expect(worstDiff <= 1e-4)
    }
}
