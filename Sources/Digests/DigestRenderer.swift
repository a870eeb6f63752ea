import Crypto
import Foundation
import Mail
import Mustache
import PaperModel

/// Absolute links in mail: the public address of the web app.
public struct DigestLinks: Sendable {
    public var baseURL: String

    public init(baseURL: String) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
    }

    public var home: String { baseURL + "/" }
    public func paper(_ id: String) -> String { baseURL + "/papers/" + id }
    public func confirm(_ token: String) -> String { baseURL + "/subscribe/confirm?token=" + token }
    public func unsubscribe(_ token: String) -> String { baseURL + "/unsubscribe?token=" + token }
    public func preferences(_ token: String) -> String { baseURL + "/subscription?token=" + token }
}

/// Renders digests and confirmation mails from the Mustache templates in `Templates/` (HTML with inline styles
/// for mail clients, plus plain text), as `MailMessage`s the Mail module serializes (multipart/alternative,
/// UTF-8, quoted-printable).
public struct DigestRenderer: Sendable {
    let library: MustacheLibrary
    public let from: MailAddress
    public let links: DigestLinks

    public init(from: MailAddress, links: DigestLinks) async throws {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Templates") else {
            throw DigestError("digest templates are missing from the Digests resources")
        }
        self.library = try await MustacheLibrary(directory: directory.path)
        self.from = from
        self.links = links
    }

    func render(_ template: String, _ object: Any) throws -> String {
        guard let text = library.render(object, withTemplate: template) else {
            throw DigestError("template \(template) is missing")
        }
        return text
    }

    /// A stable Message-ID for an idempotency key: a resend of the same outbox row carries the same id, so mail
    /// systems collapse the copies.
    public func messageID(forKey key: String) -> String {
        let hash = SHA256.hash(data: Data(key.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
        return "\(hash).digest@\(domain)"
    }

    var domain: String {
        let host = from.address.split(separator: "@").last.map(String.init) ?? "localhost"
        return host.isEmpty ? "localhost" : host
    }

    struct ItemView {
        var number: Int
        var title: String
        var authors: String?
        var teaser: String
        var upvotes: Int
        var url: String
        var arxivURL: String?
        var codeURL: String?
        var explanation: String?
    }

    struct DigestView {
        struct Links {
            var home: String
            var preferences: String
            var unsubscribe: String
        }

        var subject: String
        var periodLabel: String
        var topHeading: String
        var frequency: String
        var recipient: String
        var top: [ItemView]
        var matching: [ItemView]
        var hasMatching: Bool
        var forYou: [ItemView]
        var hasForYou: Bool
        var links: Links
    }

    public func subject(_ content: DigestContent) -> String {
        switch content.period.frequency {
        case .daily: "Paperboy daily: trending papers of \(content.period.label)"
        case .weekly: "Paperboy weekly: trending papers of \(content.period.label)"
        }
    }

    /// The digest for one recipient. `tokens` and `subscriberID` give the unsubscribe and preference links (and
    /// the RFC 8058 one-click headers); a preview for a non-subscriber has neither.
    public func digest(
        _ content: DigestContent, to recipient: MailAddress, subscriberID: Int64?, tokens: SubscriptionTokens?,
        key: String, date: Date
    ) throws -> MailMessage {
        var unsubscribe = links.home, preferences = links.home
        var headers: [(name: String, value: String)] = []
        if let subscriberID, let tokens {
            unsubscribe = links.unsubscribe(tokens.make(.unsubscribe, subscriberID: subscriberID, now: date))
            preferences = links.preferences(tokens.make(.preferences, subscriberID: subscriberID, now: date))
            headers.append((name: "List-Unsubscribe", value: "<\(unsubscribe)>"))
            headers.append((name: "List-Unsubscribe-Post", value: "List-Unsubscribe=One-Click"))
        }
        headers.append(
            (
                name: "List-Id",
                value:
                    "Paperboy \(content.period.frequency.rawValue) digest <\(content.period.frequency.rawValue).digest.\(domain)>"
            ))
        headers.append((name: "Auto-Submitted", value: "auto-generated"))
        headers.append((name: "Precedence", value: "bulk"))
        let subject = subject(content)
        let view = DigestView(
            subject: subject, periodLabel: content.period.label,
            topHeading: content.top.contains { $0.upvotes > 0 } ? "Top trending" : "New on the daily feed",
            frequency: content.period.frequency.rawValue, recipient: recipient.address,
            top: items(content.top), matching: items(content.matching), hasMatching: !content.matching.isEmpty,
            forYou: items(content.forYou), hasForYou: !content.forYou.isEmpty,
            links: .init(home: links.home, preferences: preferences, unsubscribe: unsubscribe))
        return MailMessage(
            from: from, to: recipient, subject: subject, textBody: try render("digest.txt", view),
            htmlBody: try render("digest.html", view), messageID: messageID(forKey: key), date: date,
            extraHeaders: headers)
    }

    struct ConfirmView {
        var frequency: String
        var recipient: String
        var confirmURL: String
        var home: String
    }

    public func confirmation(
        to recipient: MailAddress, subscriber: Subscriber, tokens: SubscriptionTokens, date: Date
    ) throws -> MailMessage {
        let view = ConfirmView(
            frequency: subscriber.frequency.rawValue, recipient: recipient.address,
            confirmURL: links.confirm(tokens.make(.confirm, subscriberID: subscriber.id, now: date)), home: links.home)
        let nonce = UUID().uuidString.lowercased()
        return MailMessage(
            from: from, to: recipient, subject: "Confirm your Paperboy digest subscription",
            textBody: try render("confirm.txt", view), htmlBody: try render("confirm.html", view),
            messageID: "\(nonce).confirm@\(domain)", date: date,
            extraHeaders: [(name: "Auto-Submitted", value: "auto-generated")])
    }

    func items(_ items: [DigestItem]) -> [ItemView] {
        items.enumerated().map { index, item in
            ItemView(
                number: index + 1, title: Self.oneLine(item.paper.title), authors: Self.authors(item.paper.authors),
                teaser: Self.teaser(item.paper.abstract), upvotes: item.upvotes, url: links.paper(item.paper.id),
                arxivURL: item.paper.arxivID.map { _ in "https://arxiv.org/abs/\(item.paper.id)" },
                codeURL: item.paper.codeURL, explanation: item.explanation.map(Self.oneLine))
        }
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    static func authors(_ authors: [String]) -> String? {
        switch authors.count {
        case 0: nil
        case 1...4: authors.joined(separator: ", ")
        default: authors.prefix(3).joined(separator: ", ") + " and \(authors.count - 3) more"
        }
    }

    /// About two lines of the abstract, cut at a word.
    static func teaser(_ abstract: String, limit: Int = 220) -> String {
        let text = oneLine(abstract)
        guard text.count > limit else { return text }
        var cut = String(text.prefix(limit))
        if let space = cut.lastIndex(of: " ") { cut = String(cut[..<space]) }
        return cut.trimmingCharacters(in: CharacterSet(charactersIn: ",;:.- ")) + "…"
    }
}

public struct DigestError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
