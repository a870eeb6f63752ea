import Foundation

/// `../shared` next to the repository (or $PAPERBOY_SHARED_DIR); nil when absent, and tests that need it skip.
let sharedDirectory: URL? = {
    let fm = FileManager.default
    if let env = ProcessInfo.processInfo.environment["PAPERBOY_SHARED_DIR"], fm.fileExists(atPath: env) {
        return URL(fileURLWithPath: env)
    }
    var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while dir.path != "/" {
        let candidate = dir.appendingPathComponent("shared")
        if fm.fileExists(atPath: candidate.appendingPathComponent("data/arxiv").path) { return candidate }
        dir.deleteLastPathComponent()
    }
    return nil
}()

func temporaryFile(_ name: String, contents: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("paperboy-ingest-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try Data(contents.utf8).write(to: url)
    return url.path
}

func gzip(_ path: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-kf", path]
    try process.run()
    process.waitUntilExit()
    return path + ".gz"
}

/// A Kaggle-format line, as in the arXiv metadata snapshot.
func kaggleLine(
    id: String, title: String = "A title", abstract: String = "  An abstract\nwrapped over lines.\n",
    versions: [(String, String)] = [("v1", "Mon, 2 Apr 2007 19:18:42 GMT")], categories: String = "cs.CL cs.LG",
    comments: String? = "Code at https://github.com/o/r."
) -> String {
    let object: [String: Any] = [
        "id": id, "submitter": "Someone", "authors": "C. Bal\\'azs, E. L. Berger and P. M. Nadolsky",
        "title": title, "comments": comments as Any, "journal-ref": NSNull(), "doi": "10.1000/x",
        "report-no": NSNull(), "categories": categories, "license": NSNull(), "abstract": abstract,
        "versions": versions.map { ["version": $0.0, "created": $0.1] }, "update_date": "2008-11-26",
        "authors_parsed": [["Balázs", "C.", ""], ["Berger", "E. L.", ""], ["Nadolsky", "P. M.", "Jr"]],
    ]
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
}
