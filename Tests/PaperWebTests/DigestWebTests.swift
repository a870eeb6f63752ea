import Digests
import Foundation
import Hummingbird
import HummingbirdTesting
import Mail
import PaperModel
import PaperStore
import PaperTestSupport
import Testing

@testable import PaperWeb

func withDigestApp(
    _ body:
        @escaping @Sendable (Browser, any PaperStore, RecordingMailTransport, SubscriptionService) async throws -> Void
) async throws {
    let store = try await makeFixtureStore()
    let transport = RecordingMailTransport()
    let service = SubscriptionService(
        store: store, transport: transport, from: try MailAddress("paperboy@papers.example.org"),
        tokens: try await SubscriptionTokens.load(from: store))
    let router = try await buildRouter(
        store: store, configuration: WebConfiguration(publicURL: "https://papers.example.org"), subscriptions: service)
    try await Application(router: router).test(.router) { client in
        try await body(Browser(client: client), store, transport, service)
    }
}

/// The token of the first link starting with `prefix` in a mail's text.
func token(after prefix: String, in text: String) throws -> String {
    let start = try #require(text.range(of: prefix))
    return String(text[start.upperBound...].prefix { !$0.isWhitespace })
}

@Suite("Digest subscription pages")
struct DigestWebTests {
    @Test func everyPageHasTheSubscribeForm() async throws {
        try await withDigestApp { browser, _, _, _ in
            for path in ["/", "/about", "/papers?q=language"] {
                let page = try await browser.get(path)
                #expect(page.text.contains("action=\"/subscribe\""), "\(path)")
                #expect(page.text.contains("name=\"email\""))
            }
        }
    }

    @Test func subscribeConfirmUnsubscribeByPostAndGet() async throws {
        try await withDigestApp { browser, store, transport, service in
            let response = try await browser.post("/subscribe", ["email": "reader@example.org"])
            #expect(response.status == .ok)
            #expect(response.text.contains("Check your inbox"))
            #expect(try await store.subscriber(email: "reader@example.org")?.status == .pending)
            let mail = try #require(await transport.sent.first)
            #expect(mail.to.address == "reader@example.org")
            let confirm = try token(after: "https://papers.example.org/subscribe/confirm?token=", in: mail.textBody)

            let confirmed = try await browser.get("/subscribe/confirm?token=\(confirm)")
            #expect(confirmed.status == .ok && confirmed.text.contains("Subscription confirmed"))
            let subscriber = try #require(try await store.subscriber(email: "reader@example.org"))
            #expect(subscriber.status == .confirmed)
            #expect(try await browser.get("/subscribe/confirm?token=\(confirm)x").status == .notFound)

            // GET shows a button (link scanners must not unsubscribe anyone) ...
            let unsubscribe = service.unsubscribeToken(for: subscriber)
            let page = try await browser.get("/unsubscribe?token=\(unsubscribe)")
            #expect(
                page.status == .ok
                    && page.text.contains("<form method=\"post\" action=\"/unsubscribe?token=\(unsubscribe)\""))
            #expect(try await store.subscriber(id: subscriber.id)?.status == .confirmed)
            // ... and the RFC 8058 one-click POST works with no cookies and no CSRF token, as mail clients send it.
            let oneClick = try await browser.client.execute(
                uri: "/unsubscribe?token=\(unsubscribe)", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "List-Unsubscribe=One-Click"))
            #expect(oneClick.status == .ok && String(buffer: oneClick.body).contains("Unsubscribed"))
            #expect(try await store.subscriber(id: subscriber.id)?.status == .unsubscribed)
            let forged = try await browser.client.execute(
                uri:
                    "/unsubscribe?token=\(subscriber.id + 1).\(unsubscribe.split(separator: ".").dropFirst().joined(separator: "."))",
                method: .post, headers: [:], body: ByteBuffer(string: "List-Unsubscribe=One-Click"))
            #expect(forged.status == .notFound)

            // The page's button (a normal form post) unsubscribes as well, after subscribing again.
            _ = try await browser.post("/subscribe", ["email": "reader@example.org"])
            let again = try #require(await transport.sent.last)
            _ = try await browser.get(
                "/subscribe/confirm?token=\(try token(after: "confirm?token=", in: again.textBody))")
            #expect(try await store.subscriber(id: subscriber.id)?.status == .confirmed)
            let button = try await browser.post("/unsubscribe?token=\(unsubscribe)", ["List-Unsubscribe": "One-Click"])
            #expect(button.status == .ok)
            #expect(try await store.subscriber(id: subscriber.id)?.status == .unsubscribed)
        }
    }

    @Test func preferencesPageReachedByTokenSavesChoices() async throws {
        try await withDigestApp { browser, store, _, service in
            let pending = try await store.subscribe(
                email: "p@example.org", username: nil, frequency: .daily, at: Date())
            let subscriber = try await store.confirmSubscriber(id: pending.id, at: Date())
            let token = service.preferencesToken(for: subscriber)
            let page = try await browser.get("/subscription?token=\(token)")
            #expect(
                page.status == .ok && page.text.contains("p@example.org") && page.text.contains("Digest preferences"))
            let saved = try await browser.post(
                "/subscription?token=\(token)",
                ["frequency": "weekly", "categories": "cs.CL, cs.LG", "searches": "retrieval\nagents"])
            #expect(saved.status == .ok && saved.text.contains("Saved."))
            let updated = try #require(try await store.subscriber(id: subscriber.id))
            #expect(
                updated.frequency == .weekly && updated.categories == ["cs.CL", "cs.LG"]
                    && updated.savedSearches == ["retrieval", "agents"])
            // Without the CSRF token the form is refused; a wrong token finds nothing.
            #expect(
                try await browser.post("/subscription?token=\(token)", ["frequency": "daily"], csrf: "0").status
                    == .forbidden)
            #expect(
                try await browser.get("/subscription?token=\(service.unsubscribeToken(for: subscriber))").status
                    == .notFound)
        }
    }

    @Test func invalidAddressesAndHeaderInjectionAreRefused() async throws {
        try await withDigestApp { browser, store, transport, _ in
            for bad in ["nope", "a@example.org\r\nBcc: victim@example.org", "a@example.org\nBcc: v@example.org", ""] {
                let response = try await browser.post("/subscribe", ["email": bad])
                #expect(response.status == .badRequest, "\(bad.debugDescription)")
            }
            #expect(try await store.subscribers(status: .pending, frequency: nil).isEmpty)
            #expect(await transport.sent.isEmpty)
            #expect(try await browser.post("/subscribe", ["email": "a@example.org"], csrf: "0").status == .forbidden)
        }
    }

    @Test func loggedInPeopleSubscribeAgainWithOneClick() async throws {
        try await withDigestApp { browser, store, transport, _ in
            _ = try await browser.signUp("reader")
            _ = try await browser.post("/subscribe", ["email": "me@example.org"])
            #expect(try await store.subscriber(username: "reader")?.email == "me@example.org")
            let home = try await browser.get("/")
            #expect(home.text.contains("Send the digest to me@example.org"))
            let oneClick = try await browser.post("/subscribe", [:])
            #expect(oneClick.status == .ok && oneClick.text.contains("Check your inbox"))
            // The first confirmation mail is still valid: a repeat within ten minutes is not mailed again.
            #expect(await transport.sent.count == 1)
        }
    }

    @Test func withoutMailTheFormSaysSo() async throws {
        try await withBrowserApp { browser, _ in
            let response = try await browser.post("/subscribe", ["email": "a@example.org"])
            #expect(response.status == .serviceUnavailable)
        }
    }
}
