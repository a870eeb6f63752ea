import ArxivClient
import Foundation
import PaperModel
import PaperStore
import PaperSupport
import Testing

@testable import Intake

/// OAI-PMH pages made here: records in the arXivRaw format, deletions, tokens.
enum Pages {
    static let head = """
        <?xml version="1.0" encoding="UTF-8"?>
        <OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-12-01T10:00:00Z</responseDate>\
        <request verb="ListRecords">http://fake/oai</request>
        """

    static func page(_ records: [String], token: String? = nil) -> Data {
        let tokenXML = token.map { #"<resumptionToken completeListSize="3" cursor="0">\#($0)</resumptionToken>"# } ?? ""
        return Data((head + "<ListRecords>" + records.joined() + tokenXML + "</ListRecords></OAI-PMH>").utf8)
    }

    static let badToken = Data((head + #"<error code="badResumptionToken">expired</error></OAI-PMH>"#).utf8)

    static func record(_ id: String, title: String, version: Int = 1, datestamp: String) -> String {
        let versions = (1...version).map {
            #"<version version="v\#($0)"><date>Mon, 2 Nov 2026 10:00:00 GMT</date><size>1kb</size></version>"#
        }
        .joined()
        return """
            <record><header><identifier>oai:arXiv.org:\(id)</identifier><datestamp>\(datestamp)</datestamp>\
            <setSpec>cs</setSpec></header><metadata><arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"><id>\(id)</id>\
            \(versions)<title>\(title)</title><authors>Ada Lovelace</authors><categories>cs.CL</categories>\
            <abstract>About \(title).</abstract></arXivRaw></metadata></record>
            """
    }

    static func deleted(_ id: String, datestamp: String) -> String {
        """
        <record><header status="deleted"><identifier>oai:arXiv.org:\(id)</identifier><datestamp>\(datestamp)</datestamp>\
        </header></record>
        """
    }
}

@Suite("Intake: harvests and their schedule")
struct IntakeTests {
    let endpoint = "http://fake/oai"
    let now = Date(timeIntervalSince1970: 1_796_162_400)  // 2026-12-01T22:00:00Z, a Tuesday

    @Test func aHarvestAppliesPagesWithdrawalsAndContinuesFromItsLastDatestamp() async throws {
        let store = try SQLitePaperStore.inMemory()
        let service = ReplayArxivService { request in
            guard case .listRecords(let list) = request else { return Data() }
            if list.resumptionToken == "t1" {
                return Pages.page([
                    Pages.record("2611.00002", title: "Second", datestamp: "2026-11-28"),
                    Pages.deleted("2611.00001", datestamp: "2026-11-29"),
                ])
            }
            return Pages.page(
                [Pages.record("2611.00001", title: "First", version: 2, datestamp: "2026-11-27")], token: "t1")
        }
        let harvester = Harvester(store: store, service: service, clock: { now })
        let options = HarvestOptions(endpoint: endpoint, set: "cs", metadataPrefix: .arXivRaw)
        let report = try await harvester.run(options)
        #expect(report.progress.pages == 2 && report.progress.records == 2 && report.progress.withdrawals == 1)
        #expect(report.summary.inserted == 2 && !report.resumed)
        #expect(try await store.paper(id: "2611.00001")?.version == 2)
        #expect(try await store.withdrawal(paperID: "2611.00001") == now)
        let state = try #require(try await store.harvestState(options.key))
        #expect(state.lastDatestamp == Day("2026-11-29") && state.resumptionToken == nil && state.recordsHarvested == 3)
        // The first harvest asked for the last 7 days; the next one starts at the last datestamp.
        guard case .listRecords(let first) = service.requests[0] else { Issue.record("not a list request"); return }
        #expect(first.from == Day("2026-11-24") && first.set == "cs" && first.metadataPrefix == .arXivRaw)
        _ = try await harvester.run(options)
        guard case .listRecords(let again) = service.requests[2] else { Issue.record("not a list request"); return }
        #expect(again.from == Day("2026-11-29"))
        #expect(try await store.latestChangeSequence() == 2, "the same records again change nothing")
    }

    @Test func anExpiredTokenRestartsTheListFromTheLastSafeDatestamp() async throws {
        let store = try SQLitePaperStore.inMemory()
        let key = HarvestKey(endpoint: endpoint, set: "cs", metadataPrefix: "arXiv")
        try await store.applyHarvestPage(
            papers: [], withdrawn: [],
            state: HarvestState(
                key: key, lastDatestamp: Day("2026-11-20"), resumptionToken: "stale", harvestFrom: Day("2026-11-20")))
        let service = ReplayArxivService { request in
            guard case .listRecords(let list) = request else { return Data() }
            if list.resumptionToken == "stale" { return Pages.badToken }
            return Pages.page([Pages.record("2611.00003", title: "Third", datestamp: "2026-11-25")])
        }
        let report = try await Harvester(store: store, service: service, clock: { now })
            .run(HarvestOptions(endpoint: endpoint, set: "cs"))
        #expect(report.restarts == 1 && report.resumed && report.summary.inserted == 1)
        guard case .listRecords(let restart) = service.requests[1] else { Issue.record("not a list request"); return }
        #expect(restart.resumptionToken == nil && restart.from == Day("2026-11-20"))
        #expect(try await store.harvestState(key)?.lastDatestamp == Day("2026-11-25"))
    }

    @Test func aFailedPageIsRecordedAndWhatWasAppliedStays() async throws {
        struct Refused: Error {}
        let store = try SQLitePaperStore.inMemory()
        let service = ReplayArxivService { request in
            guard case .listRecords(let list) = request else { return Data() }
            if list.resumptionToken == "t1" { throw Refused() }
            return Pages.page([Pages.record("2611.00001", title: "First", datestamp: "2026-11-27")], token: "t1")
        }
        let options = HarvestOptions(endpoint: endpoint, set: nil, from: Day("2026-11-01"))
        await #expect(throws: Refused.self) { try await Harvester(store: store, service: service).run(options) }
        let state = try #require(try await store.harvestState(options.key))
        #expect(state.resumptionToken == "t1" && state.lastError?.contains("Refused") == true)
        #expect(try await store.paperCount() == 1)
    }

    @Test func theScheduleFollowsArxivsAnnouncementsInNewYork() throws {
        let schedule = HarvestSchedule.arxivAnnouncement
        // Tuesday 2026-12-01 22:00Z is 17:00 in New York: the latest run was Monday 20:30 EST (01:30Z Tuesday).
        #expect(schedule.previousRun(atOrBefore: now) == Date(timeIntervalSince1970: 1_796_088_600))
        #expect(schedule.nextRun(after: now) == Date(timeIntervalSince1970: 1_796_175_000))  // Tuesday 20:30 EST
        // Friday and Saturday have no announcement: after Thursday's run, the next is Sunday's.
        let friday = Date(timeIntervalSince1970: 1_796_421_600)  // 2026-12-04T22:00:00Z
        #expect(schedule.nextRun(after: friday) == Date(timeIntervalSince1970: 1_796_607_000))  // Sunday 20:30 EST
        #expect(schedule.previousRun(atOrBefore: friday) == Date(timeIntervalSince1970: 1_796_347_800))  // Thursday

        let key = HarvestKey(endpoint: endpoint, set: "cs", metadataPrefix: "arXiv")
        #expect(HarvestService.isDue(nil, at: now, schedule: schedule), "never harvested")
        let fresh = HarvestState(key: key, lastSuccessAt: Date(timeIntervalSince1970: 1_796_088_700))
        #expect(!HarvestService.isDue(fresh, at: now, schedule: schedule), "harvested after the latest announcement")
        let missed = HarvestState(key: key, lastSuccessAt: Date(timeIntervalSince1970: 1_796_002_200))
        #expect(HarvestService.isDue(missed, at: now, schedule: schedule), "a day was missed while the server was down")
        var inFlight = fresh
        inFlight.resumptionToken = "t"
        #expect(HarvestService.isDue(inFlight, at: now, schedule: schedule), "a list left in flight")
    }

    @Test func theServiceHarvestsDueSetsAndSkipsCurrentOnes() async throws {
        let store = try SQLitePaperStore.inMemory()
        let service = ReplayArxivService { _ in
            Pages.page([Pages.record("2611.00001", title: "First", datestamp: "2026-11-30")])
        }
        let clock: @Sendable () -> Date = { Date(timeIntervalSince1970: 1_796_162_400) }
        let harvester = Harvester(store: store, service: service, clock: clock)
        let intake = HarvestService(
            harvester: harvester, harvests: [HarvestOptions(endpoint: endpoint, set: "cs")], clock: clock,
            logger: .init(label: "test"))
        #expect(await intake.harvestDue(at: clock()) == false)
        let count = try await store.paperCount()
        #expect(service.requests.count == 1 && count == 1)
        // Harvested after the latest announcement: not due again until the next one.
        #expect(await intake.harvestDue(at: clock()) == false)
        #expect(service.requests.count == 1)
        #expect(await intake.harvestDue(at: Date(timeIntervalSince1970: 1_796_189_500)) == false)
        #expect(service.requests.count == 2, "due after Tuesday's announcement")
    }

    /// Two instances: the one that finds the harvest lease held (the other died mid-harvest, say) stands by and
    /// harvests nothing, then takes over once the lease has expired and gives it up after its pass.
    @Test func anInstanceStandsByWhileAnotherHoldsTheHarvestLeaseAndTakesOverAfterExpiry() async throws {
        let store = try SQLitePaperStore.inMemory()
        let service = ReplayArxivService { _ in
            Pages.page([Pages.record("2611.00001", title: "First", datestamp: "2026-11-30")])
        }
        let now = Date(timeIntervalSince1970: 1_796_162_400)
        let leaseClock = ManualClock(now)
        let harvester = Harvester(store: store, service: service, clock: { now })
        let intake = HarvestService(
            harvester: harvester, harvests: [HarvestOptions(endpoint: endpoint, set: "cs")], clock: { now },
            logger: .init(label: "test"),
            lease: Lease(
                HarvestService.leaseName, store: store, holder: "b", duration: .seconds(60),
                renewEvery: .milliseconds(50), clock: leaseClock.wallClock))
        #expect(
            try await store.acquireLease(HarvestService.leaseName, holder: "a", duration: .seconds(60), now: now))
        #expect(await intake.harvestTurn(at: now) == .standingBy)
        #expect(service.requests.isEmpty, "the other instance harvests")
        leaseClock.advance(by: 59)
        #expect(await intake.harvestTurn(at: now) == .standingBy)
        leaseClock.advance(by: 2)
        #expect(await intake.harvestTurn(at: now) == .done)
        #expect(service.requests.count == 1)
        #expect(try await store.paperCount() == 1)
        #expect(try await store.leaseHolder(HarvestService.leaseName, now: leaseClock.now) == nil)
    }
}
