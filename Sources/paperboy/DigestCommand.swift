import ArgumentParser
import Digests
import Foundation
import Logging
import Mail
import PaperModel
import PaperServices
import PaperStore
import Synchronization

struct DigestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest", abstract: "Send or preview the digest mails of trending papers.",
        subcommands: [DigestSendCommand.self, DigestPreviewCommand.self])
}

/// Where mail goes: an SMTP server, else `.eml` files in `<data-dir>/mail/`.
struct MailOptions: ParsableArguments {
    @Option(
        name: .customLong("smtp-url"),
        help:
            "SMTP server: smtp[s]://user:pass@host:port[?verify=false] (default: $PAPERBOY_SMTP_URL; none: mail is written to <data-dir>/mail/)."
    )
    var smtpURL: String?

    @Option(name: .customLong("mail-from"), help: "The From address of Paperboy's mail.")
    var mailFrom = ProcessInfo.processInfo.environment["PAPERBOY_MAIL_FROM"] ?? "Paperboy <paperboy@localhost>"

    var resolvedSMTPURL: String? { smtpURL ?? ProcessInfo.processInfo.environment["PAPERBOY_SMTP_URL"] }

    func validate() throws {
        do {
            _ = try MailAddress.parse(mailFrom)
        } catch {
            throw ValidationError("--mail-from is not a usable address: \(error)")
        }
        if let url = resolvedSMTPURL {
            do {
                _ = try SMTPConfiguration(url: url)
            } catch {
                throw ValidationError(
                    "--smtp-url must look like smtp://user:pass@host:587 or smtps://host:465: \(error)")
            }
        }
    }

    func from() throws -> MailAddress { try MailAddress.parse(mailFrom) }

    /// The transport, and a sentence for logs saying where mail goes.
    func transport(dataDirectory: URL, logger: Logger) throws -> (any MailTransport, String) {
        if let url = resolvedSMTPURL {
            let configuration = try SMTPConfiguration(url: url)
            return (SMTPTransport(configuration: configuration, logger: logger), "SMTP \(configuration)")
        }
        let directory = dataDirectory.appendingPathComponent("mail", isDirectory: true)
        return (
            FileMailTransport(directory: directory), "no --smtp-url: mail is written as .eml files to \(directory.path)"
        )
    }
}

/// The pieces every digest command needs, built from the store and the options.
struct DigestKit {
    let store: any PaperStore
    let batch: DigestBatch
    let subscriptions: SubscriptionService
    let transportDescription: String

    static func make(
        store: any PaperStore, search: PaperSearchEngine?, mail: MailOptions, dataDirectory: URL, publicURL: String,
        messagesPerSecond: Double = 5, sharedStore: Bool = false, leaseDuration: Duration = .seconds(60),
        logger: Logger
    ) async throws -> DigestKit {
        let from = try mail.from()
        let (transport, description) = try mail.transport(dataDirectory: dataDirectory, logger: logger)
        let tokens = try await SubscriptionTokens.load(from: store)
        let renderer = try await DigestRenderer(from: from, links: DigestLinks(baseURL: publicURL))
        let sender = DigestSender(
            store: store, transport: transport, policy: DeliveryPolicy(messagesPerSecond: messagesPerSecond),
            lockFile: dataDirectory.appendingPathComponent("outbox.lock"),
            // A store in this data folder has every sender on the folder's flock, which the kernel drops the moment
            // its holder dies; a store shared with other machines needs the store's lease, which a dead holder
            // keeps until it expires.
            lease: sharedStore
                ? Lease(DigestSender.leaseName, store: store, duration: leaseDuration, renewEvery: leaseDuration / 3)
                : nil,
            logger: logger)
        let batch = DigestBatch(
            store: store, selector: DigestSelector(store: store, search: search), renderer: renderer, tokens: tokens,
            sender: sender, logger: logger)
        let subscriptions = SubscriptionService(
            store: store, transport: transport, from: from, tokens: tokens, logger: logger)
        return DigestKit(store: store, batch: batch, subscriptions: subscriptions, transportDescription: description)
    }
}

/// Shared by `send` and `preview`: which period.
struct PeriodOptions: ParsableArguments {
    @Option(help: "daily or weekly.")
    var period: String = "daily"

    @Option(
        name: .customLong("as-of"),
        help:
            "The period ending on (daily) or containing (weekly) this day, YYYY-MM-DD. Default: the latest day with a daily feed."
    )
    var asOf: String?

    @Option(
        name: .customLong("public-url"),
        help:
            "The address of the web app, for links in the mail. Default: PAPERBOY_PUBLIC_URL, else the address `paperboy serve` last ran at on this data folder."
    )
    var publicURL: String? = ProcessInfo.processInfo.environment["PAPERBOY_PUBLIC_URL"]

    static let fallbackPublicURL = "http://127.0.0.1:8080"

    /// The base of the links in mail: the flag (or environment), else what `serve` recorded in the store.
    func resolvedPublicURL(_ store: any PaperStore) async throws -> String {
        if let publicURL { return publicURL }
        if let recorded = try await store.setting(named: StoreSetting.publicURL) { return recorded }
        FileHandle.standardError.write(
            Data(
                "note: links in mail point at \(Self.fallbackPublicURL): pass --public-url (serve has not run on this data folder)\n"
                    .utf8))
        return Self.fallbackPublicURL
    }

    func validate() throws {
        guard DigestFrequency(rawValue: period) != nil else {
            throw ValidationError("unknown period \(period.debugDescription): use daily or weekly")
        }
        if let asOf, Day(asOf) == nil {
            throw ValidationError("--as-of must be a date YYYY-MM-DD, got \(asOf.debugDescription)")
        }
        if let publicURL {
            guard let url = URL(string: publicURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ValidationError("--public-url must be an http(s) address")
            }
        }
    }

    func resolve(_ store: any PaperStore) async throws -> DigestPeriod? {
        let frequency = DigestFrequency(rawValue: period)!
        if let asOf { return DigestPeriod(frequency, asOf: Day(asOf)!) }
        guard let latest = try await store.latestFeedDay(onOrBefore: Day(Date())) else { return nil }
        return DigestPeriod(frequency, asOf: latest)
    }
}

struct DigestSendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract:
            "Record and deliver the period's digest to every confirmed subscriber (once: reruns send only what is missing)."
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var periodOptions: PeriodOptions
    @OptionGroup var mail: MailOptions

    @Option(
        help:
            "Send the period's digest to this one address only (a subscriber gets theirs, once; any other address a preview copy)."
    )
    var to: String?

    @Flag(name: .customLong("dry-run"), help: "Show what would be sent; record and send nothing.")
    var dryRun = false

    @Option(help: "At most this many messages a second.")
    var rate: Double = 5

    func validate() throws {
        if let to {
            do {
                _ = try MailAddress(to.trimmingCharacters(in: .whitespaces))
            } catch {
                throw ValidationError("--to is not a valid email address: \(to.debugDescription)")
            }
        }
        guard rate > 0 else { throw ValidationError("--rate must be positive") }
    }

    func run() async throws {
        let logger = storeOptions.makeLogger("paperboy.digest")
        let directory = storeOptions.resolvedDataDirectory
        let opened = try await storeOptions.openStore(logger: logger)
        let store = opened.store
        guard let period = try await periodOptions.resolve(store) else {
            FileHandle.standardError.write(Data("No daily feed yet: no digest to send.\n".utf8))
            return
        }
        let kit = try await DigestKit.make(
            store: store, search: nil, mail: mail, dataDirectory: directory,
            publicURL: try await periodOptions.resolvedPublicURL(store),
            messagesPerSecond: rate, sharedStore: opened.isShared, logger: logger)
        let frequency = period.frequency
        FileHandle.standardError.write(
            Data("\(frequency.rawValue) digest of \(period.label) (\(period.key)); \(kit.transportDescription)\n".utf8))

        var only: Subscriber?
        if let to {
            let address = try MailAddress(to.trimmingCharacters(in: .whitespaces))
            if let subscriber = try await store.subscriber(email: address.address), subscriber.status == .confirmed {
                only = subscriber
            } else {
                // Not a confirmed subscriber: a preview copy, sent directly, never recorded.
                guard let message = try await kit.batch.preview(period, for: nil, to: address) else {
                    print("No papers in \(period.label): nothing sent.")
                    return
                }
                if dryRun {
                    print("Would send a preview of \(period.label) to \(address.address): \(message.subject)")
                    return
                }
                do {
                    try await kit.batch.sender.transport.send(message)
                } catch {
                    throw CommandFailure("could not send to \(address.address): \(Self.describe(error))")
                }
                print("Sent a preview of the \(frequency.rawValue) digest of \(period.label) to \(address.address).")
                return
            }
        }

        if dryRun {
            let papers = try await kit.batch.selector.periodPapers(period)
            guard !papers.isEmpty else {
                print("No papers in \(period.label): nothing would be sent.")
                return
            }
            var subscribers = only.map { [$0] } ?? []
            if only == nil { subscribers = try await store.subscribers(status: .confirmed, frequency: frequency) }
            var pending = 0
            for subscriber in subscribers
            where try await store.outboxMessage(key: DigestBatch.key(subscriberID: subscriber.id, period: period))
                == nil
            {
                pending += 1
                FileHandle.standardError.write(Data("would send to \(subscriber.email)\n".utf8))
            }
            print(
                "Dry run: \(papers.top.count) top papers; \(pending) of \(subscribers.count) confirmed \(frequency.rawValue) subscribers would get the digest."
            )
            return
        }

        let enqueued = try await kit.batch.enqueue(period, only: only)
        if enqueued.emptyPeriod {
            print("No papers in \(period.label): nothing sent.")
            return
        }
        FileHandle.standardError.write(
            Data(
                "\(enqueued.subscribers) confirmed subscribers: \(enqueued.recorded) digests recorded, \(enqueued.alreadyRecorded) recorded before\n"
                    .utf8))
        let counter = Counter()
        let lastError = LastError()
        let report: DigestSender.Report
        do {
            report = try await kit.batch.sender.deliverDue { message, outcome in
                let n = counter.next()
                switch outcome {
                case .sent: FileHandle.standardError.write(Data("[\(n)] sent to \(message.recipient)\n".utf8))
                case .retryLater(let reason, let at):
                    lastError.set(reason)
                    FileHandle.standardError.write(
                        Data(
                            "[\(n)] deferred \(message.recipient): \(reason) (retry after \(at.formatted(.iso8601)))\n"
                                .utf8))
                case .failed(let reason):
                    lastError.set(reason)
                    FileHandle.standardError.write(Data("[\(n)] FAILED \(message.recipient): \(reason)\n".utf8))
                case .skipped(let reason):
                    FileHandle.standardError.write(Data("[\(n)] skipped \(message.recipient): \(reason)\n".utf8))
                }
            }
        } catch let error as DigestError {
            throw CommandFailure(error.description)
        }
        print("Sent \(report.sent), failed \(report.failed), queued for retry \(report.retrying).")
        if report.sent == 0, report.retrying > 0, let reason = lastError.value {
            throw CommandFailure(
                "the SMTP server could not be reached or refused the mail (\(reason)); \(report.retrying) digests stay queued and go out on the next run"
            )
        }
        if report.failed > 0 || report.retrying > 0 {
            throw CommandFailure("\(report.failed) failed, \(report.retrying) queued for retry; see above")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DeliveryError {
            return error.replyCode.map { "\($0) \(error.message)" } ?? error.message
        }
        return "\(error)"
    }
}

final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int {
        value.withLock { value in
            value += 1
            return value
        }
    }
}

final class LastError: Sendable {
    private let stored = Mutex<String?>(nil)
    func set(_ text: String) { stored.withLock { $0 = text } }
    var value: String? { stored.withLock { $0 } }
}

struct DigestPreviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview", abstract: "Write the period's digest as HTML (and plain text next to it) to a file.")

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var periodOptions: PeriodOptions

    @Option(help: "Personalize for this subscriber's categories and saved searches.")
    var email: String?

    @Option(name: .shortAndLong, help: "The HTML file to write.")
    var output = "digest-preview.html"

    @Option(name: .customLong("mail-from"), help: "The From address of Paperboy's mail.")
    var mailFrom = "Paperboy <paperboy@localhost>"

    func run() async throws {
        let logger = storeOptions.makeLogger("paperboy.digest")
        let opened = try await storeOptions.openStore(logger: logger)
        let store = opened.store
        guard let period = try await periodOptions.resolve(store) else {
            throw CommandFailure("no daily feed yet: nothing to preview")
        }
        let from: MailAddress
        do { from = try MailAddress.parse(mailFrom) } catch {
            throw CommandFailure("--mail-from is not a usable address: \(error)")
        }
        let tokens = try await SubscriptionTokens.load(from: store)
        let renderer = try await DigestRenderer(
            from: from, links: DigestLinks(baseURL: try await periodOptions.resolvedPublicURL(store)))
        let batch = DigestBatch(
            store: store, selector: DigestSelector(store: store, search: nil), renderer: renderer, tokens: tokens,
            sender: DigestSender(store: store, transport: DryRunMailTransport(), logger: logger), logger: logger)
        var subscriber: Subscriber?
        if let email {
            guard let found = try await store.subscriber(email: email) else {
                throw CommandFailure("no subscriber \(email)")
            }
            subscriber = found
        }
        let to = try subscriber.map { try MailAddress($0.email) } ?? MailAddress("reader@example.org")
        guard let message = try await batch.preview(period, for: subscriber, to: to) else {
            throw CommandFailure("no papers in \(period.label): the digest would not be sent")
        }
        let url = URL(fileURLWithPath: output)
        try Data((message.htmlBody ?? "").utf8).write(to: url)
        try Data(message.textBody.utf8).write(to: url.deletingPathExtension().appendingPathExtension("txt"))
        print("Wrote \(url.path) (\(message.subject))")
    }
}
