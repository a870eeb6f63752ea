import Foundation
import Mail
import PaperModel
import PaperStore
import PaperTestSupport
import Testing

@testable import Digests

let testFrom = try! MailAddress("paperboy@papers.example.org", displayName: "Paperboy")
let testLinks = DigestLinks(baseURL: "https://papers.example.org")

/// A store with two feed days: 2026-05-29 (three papers, two upvoted) and 2026-05-30 (two papers, none upvoted).
func makeDigestStore() async throws -> SQLitePaperStore {
    let store = try SQLitePaperStore.inMemory()
    let papers = [
        Paper(
            id: "2605.00001", title: "Retrieval augmented generation at scale",
            abstract: "We study retrieval augmented generation. "
                + String(repeating: "More words follow here. ", count: 20), authors: ["Ada Lovelace", "Alan Turing"],
            categories: ["cs.CL"]),
        Paper(
            id: "2605.00002", title: "Graph neural networks for molecules",
            abstract: "Molecules are graphs. Code: https://github.com/o/gnn", authors: ["Grace Hopper"],
            categories: ["cs.LG"]),
        Paper(id: "2605.00003", title: "A quiet paper", abstract: "Nobody upvoted this.", categories: ["cs.AI"]),
        Paper(
            id: "2605.00004", title: "Speech recognition with transformers", abstract: "Audio & text <tags>.",
            categories: ["eess.AS"]),
        Paper(
            id: "2605.00005", title: "Newest paper on reasoning", abstract: "Chains of thought.", categories: ["cs.CL"]),
    ]
    try await store.upsert(papers)
    for name in ["cur", "u1", "u2", "u3"] {
        _ = try await store.createUser(
            username: name, displayName: name, role: name == "cur" ? .curator : .member, passwordHash: nil)
    }
    let base = Day("2026-05-29")!.startDate
    for (index, id) in ["2605.00001", "2605.00002", "2605.00003"].enumerated() {
        _ = try await store.submit(
            paperID: id, day: Day("2026-05-29")!, submitter: "cur", at: base.addingTimeInterval(Double(index) * 3600),
            githubRepo: nil, projectPage: nil)
    }
    let next = Day("2026-05-30")!.startDate
    _ = try await store.submit(
        paperID: "2605.00004", day: Day("2026-05-30")!, submitter: "cur", at: next.addingTimeInterval(3600),
        githubRepo: nil, projectPage: nil)
    _ = try await store.submit(
        paperID: "2605.00005", day: Day("2026-05-30")!, submitter: "cur", at: next.addingTimeInterval(7200),
        githubRepo: nil, projectPage: nil)
    for user in ["u1", "u2", "u3"] { try await store.setUpvote(paperID: "2605.00002", username: user, upvoted: true) }
    try await store.setUpvote(paperID: "2605.00001", username: "u1", upvoted: true)
    return store
}

func confirmedSubscriber(
    _ store: any PaperStore, _ email: String, frequency: DigestFrequency = .daily
) async throws -> Subscriber {
    let s = try await store.subscribe(email: email, username: nil, frequency: frequency, at: Date())
    return try await store.confirmSubscriber(id: s.id, at: Date())
}

/// A batch whose enqueueing and sending read the same clock: a test that moves time must move it for both,
/// or a slow run makes "now" differ between the two.
func makeBatch(
    _ store: any PaperStore, transport: any MailTransport,
    policy: DeliveryPolicy = DeliveryPolicy(backoff: [0, 0], messagesPerSecond: 0),
    clock: @escaping @Sendable () -> Date = { Date() }
) async throws -> DigestBatch {
    let tokens = try await SubscriptionTokens.load(from: store)
    return DigestBatch(
        store: store, selector: DigestSelector(store: store, search: nil),
        renderer: try await DigestRenderer(from: testFrom, links: testLinks), tokens: tokens,
        sender: DigestSender(store: store, transport: transport, policy: policy, clock: clock), clock: clock)
}

// MARK: A real SMTP server

let testPython: String? = ProcessInfo.processInfo.environment["PAPERBOY_TEST_PYTHON"]

/// A header of a raw message (first occurrence, unfolded).
func header(_ name: String, in raw: String) -> String? {
    let head = raw.components(separatedBy: "\r\n\r\n").first ?? raw
    var lines: [String] = []
    for line in head.components(separatedBy: "\r\n") {
        if line.hasPrefix(" ") || line.hasPrefix("\t"), !lines.isEmpty {
            lines[lines.count - 1] += " " + line.trimmingCharacters(in: .whitespaces)
        } else {
            lines.append(line)
        }
    }
    let prefix = name.lowercased() + ":"
    return lines.first { $0.lowercased().hasPrefix(prefix) }.map {
        String($0.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
    }
}
