import ArxivClient
import Foundation
import Logging
import PaperModel
import PaperStore

/// What to harvest: an OAI-PMH endpoint, a set, a metadata format and, optionally, the days.
public struct HarvestOptions: Sendable {
    public var endpoint: String
    public var set: String?
    public var metadataPrefix: OAIMetadataPrefix
    /// Nil: continue from the saved state (the list in flight, else the last harvested datestamp); a first
    /// harvest starts `firstRunDays` before today.
    public var from: Day?
    public var until: Day?
    public var firstRunDays: Int

    public init(
        endpoint: String, set: String? = nil, metadataPrefix: OAIMetadataPrefix = .arXiv, from: Day? = nil,
        until: Day? = nil, firstRunDays: Int = 7
    ) {
        self.endpoint = endpoint
        self.set = set
        self.metadataPrefix = metadataPrefix
        self.from = from
        self.until = until
        self.firstRunDays = firstRunDays
    }

    public var key: HarvestKey { HarvestKey(endpoint: endpoint, set: set, metadataPrefix: metadataPrefix.rawValue) }
}

/// How far a harvest has come, after each page.
public struct HarvestProgress: Sendable {
    public var pages = 0
    public var records = 0
    public var withdrawals = 0
    public var skipped = 0
    /// The size of the whole list and the position in it, when the server says.
    public var completeListSize: Int?
    public var cursor: Int?
}

public struct HarvestReport: Sendable {
    public var key: HarvestKey
    public var from: Day?
    public var until: Day?
    /// Whether this run continued a list an earlier run left in flight.
    public var resumed: Bool
    public var progress: HarvestProgress
    public var summary: ImportSummary
    public var skipped: [SkippedRecord]
    /// Lists started over after the server rejected an expired resumption token.
    public var restarts: Int
    public var state: HarvestState
}

/// Harvests arXiv's OAI-PMH records into the store, page by page.
///
/// Each page is applied in one store transaction together with the harvest's new state (the next page's
/// resumption token, the latest datestamp seen), so a harvest killed between pages continues where it was,
/// and one killed inside a page re-asks for that page; re-applied records change nothing. A rejected
/// (expired) resumption token restarts the list from where it began.
public struct Harvester: Sendable {
    public let store: any PaperStore
    public let service: any ArxivService
    let clock: @Sendable () -> Date
    let logger: Logger

    public init(
        store: any PaperStore, service: any ArxivService, clock: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "paperboy.harvest")
    ) {
        self.store = store
        self.service = service
        self.clock = clock
        self.logger = logger
    }

    /// Restarts after `badResumptionToken` before giving up.
    static let maxRestarts = 3

    public func run(
        _ options: HarvestOptions, progress report: (@Sendable (HarvestProgress) -> Void)? = nil
    ) async throws -> HarvestReport {
        let key = options.key
        var state = try await store.harvestState(key) ?? HarvestState(key: key)
        var request: OAIListRecords
        let resumed: Bool
        if options.from == nil, let token = state.resumptionToken {
            request = .resuming(token)
            resumed = true
        } else {
            let from = options.from ?? state.lastDatestamp ?? Day(clock()).adding(days: -options.firstRunDays)
            state.resumptionToken = nil
            state.harvestFrom = from
            state.harvestUntil = options.until
            state.seenUpTo = nil
            request = Self.firstRequest(options, from: from, until: options.until)
            resumed = false
        }
        var progress = HarvestProgress()
        var summary = ImportSummary()
        var skipped: [SkippedRecord] = []
        var restarts = 0
        while true {
            let page: OAIPage
            do {
                page = try await service.listRecords(request)
            } catch OAIError.badResumptionToken(let message) where restarts < Self.maxRestarts {
                // Tokens expire (and a server may forget them): start the list over from where it began (a
                // backfill's start may lie before the last harvested datestamp; records seen again change nothing).
                restarts += 1
                let from = state.harvestFrom ?? state.lastDatestamp
                logger.warning(
                    "resumption token rejected; restarting the list",
                    metadata: [
                        "from": "\(from?.description ?? "the beginning")", "reason": "\(message)",
                    ])
                state.resumptionToken = nil
                state.seenUpTo = nil
                request = Self.firstRequest(options, from: from, until: state.harvestUntil)
                continue
            } catch {
                try? await store.recordHarvestError(key, message: "\(error)", at: clock())
                throw error
            }
            var next = state
            next.recordsHarvested += page.records.count + page.deletions.count
            next.seenUpTo = [state.seenUpTo, page.latestDatestamp].compactMap { $0 }.max()
            next.lastSuccessAt = clock()
            if let token = page.nextToken {
                next.resumptionToken = token
            } else {
                // The list is done: the next harvest starts at its latest datestamp (inclusive, so nothing
                // announced later that day is missed).
                next.lastDatestamp = [state.lastDatestamp, next.seenUpTo, state.harvestFrom].compactMap { $0 }.max()
                next.resumptionToken = nil
                next.harvestFrom = nil
                next.harvestUntil = nil
                next.seenUpTo = nil
                next.lastError = nil
                next.lastErrorAt = nil
            }
            let applied = try await store.applyHarvestPage(
                papers: page.records.map(\.paper), withdrawn: page.deletions.compactMap(\.paperID), state: next)
            state = next
            summary.inserted += applied.inserted
            summary.updated += applied.updated
            summary.unchanged += applied.unchanged
            skipped += page.skipped
            for problem in page.skipped {
                logger.warning("skipped a malformed record", metadata: ["record": "\(problem)"])
            }
            progress.pages += 1
            progress.records += page.records.count
            progress.withdrawals += page.deletions.count
            progress.skipped += page.skipped.count
            progress.completeListSize = page.resumptionToken?.completeListSize ?? progress.completeListSize
            progress.cursor = page.resumptionToken?.cursor
            report?(progress)
            guard let token = page.nextToken else { break }
            request = .resuming(token)
        }
        return HarvestReport(
            key: key, from: resumed ? state.harvestFrom : request.from ?? options.from, until: options.until,
            resumed: resumed, progress: progress, summary: summary, skipped: skipped, restarts: restarts, state: state)
    }

    static func firstRequest(_ options: HarvestOptions, from: Day?, until: Day?) -> OAIListRecords {
        OAIListRecords(metadataPrefix: options.metadataPrefix, from: from, until: until, set: options.set)
    }
}
