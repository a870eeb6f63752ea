import Digests
import Foundation
import Hummingbird
import PaperModel
import PaperStore

/// Digest subscriptions: the subscribe form on every page, double opt-in confirmation, one-click unsubscribe
/// (RFC 8058) and the preferences page. Links in mail carry signed tokens, so none of these needs a login.
struct DigestController: Sendable {
    let store: any PaperStore
    let service: SubscriptionService?
    let renderer: PageRenderer
    let site: SiteStatusProvider

    func addRoutes(to router: some RouterMethods<PaperboyRequestContext>) {
        router.post("/subscribe", use: subscribe)
        router.get("/subscribe/confirm", use: confirm)
        router.get("/unsubscribe", use: unsubscribePage)
        router.post("/unsubscribe", use: unsubscribe)
        router.get("/subscription", use: preferencesPage)
        router.post("/subscription", use: savePreferences)
    }

    func page(
        _ context: PaperboyRequestContext, status: HTTPResponse.Status = .ok, _ view: (SiteInfo) -> DigestMessageView
    ) async throws -> HTML {
        let info = try await site.info(context)
        return HTML(status: status, body: try renderer.render(view(info)))
    }

    func requireService() throws -> SubscriptionService {
        guard let service else {
            throw WebError(
                .unavailable, heading: "Digests are not available", "This Paperboy server does not send mail.")
        }
        return service
    }

    /// The address links in mail point at: `--public-url`, else this request's host.
    func baseURL(_ request: Request) -> String {
        if let configured = site.configuration.publicURL { return configured }
        let scheme = request.headers[.init("X-Forwarded-Proto")!] == "https" ? "https" : "http"
        let host = request.head.authority ?? "\(site.configuration.host):\(site.configuration.port)"
        let safe = host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-.:[]".contains($0)) }
        return "\(scheme)://\(safe ? host : "\(site.configuration.host):\(site.configuration.port)")"
    }

    static func token(_ request: Request) -> String {
        FormQuery(request.uri.query ?? "")["token"] ?? ""
    }

    @Sendable func subscribe(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let (form, request) = try await CSRF.verifiedForm(request, context)
        let service = try requireService()
        var email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces)
        // One click for logged-in people: the address of their earlier subscription.
        if email.isEmpty, let viewer = context.viewer, let known = try await store.subscriber(username: viewer.username)
        {
            email = known.email
        }
        let frequency = DigestFrequency(rawValue: form["frequency"] ?? "") ?? .daily
        let result = try await service.subscribe(
            email: email, username: context.viewer?.username, frequency: frequency, baseURL: baseURL(request))
        switch result {
        case .confirmationSent(let subscriber):
            return try await page(context) { site in
                DigestMessageView(
                    site: site, heading: "Check your inbox",
                    message:
                        "We sent a confirmation link to \(subscriber.email). Your digest starts once you open it; until then nothing else is sent."
                )
            }
        case .alreadyConfirmed(let subscriber):
            // Only the address owner (through their mail) or the account it is linked to may see preferences.
            let ownsIt = context.viewer.map { $0.username.lowercased() == subscriber.username?.lowercased() } ?? false
            return try await page(context) { site in
                DigestMessageView(
                    site: site, heading: "You are subscribed",
                    message:
                        "\(subscriber.email) already gets the \(subscriber.frequency.rawValue) digest. Every digest has a link to your preferences.",
                    linkHref: ownsIt ? "/subscription?token=\(service.preferencesToken(for: subscriber))" : nil,
                    linkLabel: ownsIt ? "Preferences" : nil)
            }
        }
    }

    @Sendable func confirm(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let service = try requireService()
        let subscriber = try await service.confirm(token: Self.token(request))
        return try await page(context) { site in
            DigestMessageView(
                site: site, heading: "Subscription confirmed",
                message:
                    "\(subscriber.email) gets the \(subscriber.frequency.rawValue) digest of trending papers from now on.",
                linkHref: "/subscription?token=\(service.preferencesToken(for: subscriber))",
                linkLabel: "Choose categories and saved searches")
        }
    }

    /// From the visible link in a mail: a page with a button, so that link scanners do not unsubscribe anyone.
    @Sendable func unsubscribePage(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let service = try requireService()
        let token = Self.token(request)
        let subscriber = try await service.subscriber(token: token, purpose: .unsubscribe)
        return try await page(context) { site in
            DigestMessageView(
                site: site, heading: "Unsubscribe",
                message: "Stop sending the Paperboy digest to \(subscriber.email)?",
                formAction: "/unsubscribe?token=\(token)", formLabel: "Unsubscribe")
        }
    }

    /// RFC 8058 one-click unsubscribe: mail clients POST `List-Unsubscribe=One-Click` with no cookies, so no CSRF
    /// token is asked for; the signed token in the URL is the authorization. The page's button posts here too.
    @Sendable func unsubscribe(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let service = try requireService()
        var request = request
        _ = try? await request.collectBody(upTo: 16 * 1024)
        let token = Self.token(request)
        let subscriber = try await service.unsubscribe(token: token)
        return try await page(context) { site in
            DigestMessageView(
                site: site, heading: "Unsubscribed",
                message:
                    "\(subscriber.email) gets no more digests. Changed your mind? Subscribe again at the bottom of any page."
            )
        }
    }

    func preferencesView(
        _ context: PaperboyRequestContext, _ subscriber: Subscriber, token: String, saved: Bool
    ) async throws -> SubscriptionView {
        SubscriptionView(
            site: try await site.info(context), email: subscriber.email, status: subscriber.status.rawValue,
            isActive: subscriber.status == .confirmed, token: token,
            frequencies: [
                .init(value: "daily", label: "Daily, on weekdays", checked: subscriber.frequency == .daily),
                .init(value: "weekly", label: "Weekly, on Mondays", checked: subscriber.frequency == .weekly),
            ],
            categories: subscriber.categories.joined(separator: ", "),
            savedSearches: subscriber.savedSearches.joined(separator: "\n"), saved: saved,
            unsubscribeAction: "/unsubscribe?token=\(token)")
    }

    @Sendable func preferencesPage(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let service = try requireService()
        let token = Self.token(request)
        let subscriber = try await service.subscriber(token: token, purpose: .preferences)
        return HTML(
            body: try renderer.render(try await preferencesView(context, subscriber, token: token, saved: false)))
    }

    @Sendable func savePreferences(_ request: Request, context: PaperboyRequestContext) async throws -> HTML {
        let (form, request) = try await CSRF.verifiedForm(request, context)
        let service = try requireService()
        let token = Self.token(request)
        guard let frequency = DigestFrequency(rawValue: form["frequency"] ?? "") else {
            throw WebError(.invalidParameter, heading: "Choose daily or weekly", "The form named no digest frequency.")
        }
        let categories = (form["categories"] ?? "").split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(
            String.init)
        let searches = (form["searches"] ?? "").split(whereSeparator: \.isNewline).map(String.init)
        let subscriber = try await service.updatePreferences(
            token: token, frequency: frequency, categories: categories, savedSearches: searches)
        return HTML(
            body: try renderer.render(try await preferencesView(context, subscriber, token: token, saved: true)))
    }
}
