import Foundation
import PaperModel
import PaperStore
import Testing

/// Store contract: harvest state.
public struct HarvestContract: Sendable {
    let make: StoreFactory

    let key = HarvestKey(endpoint: "http://127.0.0.1:1/oai", set: "cs", metadataPrefix: "arXiv")

    public func aPageIsAppliedWithItsStateInOneTransaction() async throws {
        let store = try await make()
        #expect(try await store.harvestState(key) == nil)
        var state = HarvestState(
            key: key, resumptionToken: "token-1", harvestFrom: Day("2026-05-01"), seenUpTo: Day("2026-05-02"),
            recordsHarvested: 2, lastSuccessAt: Date(timeIntervalSince1970: 1_800_000_000))
        let first = try await store.applyHarvestPage(
            papers: [samplePaper("2605.00001"), samplePaper("2605.00002")], withdrawn: [], state: state)
        #expect(first.inserted == 2)
        #expect(try await store.harvestState(key) == state)
        let sequence = try await store.latestChangeSequence()

        // The last page: a newer version of one paper, the same content of the other, a withdrawal of a stored
        // paper and of one never seen; the list is done.
        state.resumptionToken = nil
        state.lastDatestamp = Day("2026-05-03")
        state.seenUpTo = nil
        state.harvestFrom = nil
        state.recordsHarvested = 5
        let last = try await store.applyHarvestPage(
            papers: [samplePaper("2605.00001", version: 2, title: "Better"), samplePaper("2605.00002")],
            withdrawn: ["2605.00002", "2605.99999"], state: state)
        #expect(last.updated == 1 && last.unchanged == 1 && last.inserted == 0)
        #expect(try await store.latestChangeSequence() == sequence + 1, "only the real change moves the sequence")
        #expect(try await store.harvestState(key) == state)
        #expect(try await store.withdrawal(paperID: "2605.00002") == Date(timeIntervalSince1970: 1_800_000_000))
        #expect(try await store.withdrawal(paperID: "2605.00001") == nil)
        #expect(try await store.paper(id: "2605.99999") == nil, "a withdrawal of an unknown paper adds nothing")
        #expect(try await store.paper(id: "2605.00002") != nil, "a withdrawn paper is kept")
        #expect(try await store.harvestStates() == [state])
    }

    public func aFailingPageChangesNothingAndErrorsKeepTheProgress() async throws {
        let store = try await make()
        let state = HarvestState(key: key, lastDatestamp: Day("2026-05-01"), recordsHarvested: 1)
        try await store.applyHarvestPage(papers: [samplePaper("2605.00001")], withdrawn: [], state: state)
        var next = state
        next.resumptionToken = "token-2"
        await #expect(throws: StoreError.self) {
            try await store.applyHarvestPage(
                papers: [samplePaper("2605.00003"), Paper(id: "2605.00004", title: " ", abstract: "")], withdrawn: [],
                state: next)
        }
        #expect(try await store.paper(id: "2605.00003") == nil)
        #expect(try await store.harvestState(key) == state)

        try await store.recordHarvestError(key, message: "HTTP 503", at: Date(timeIntervalSince1970: 1_800_000_100))
        let failed = try #require(try await store.harvestState(key))
        #expect(failed.lastError == "HTTP 503" && failed.lastErrorAt == Date(timeIntervalSince1970: 1_800_000_100))
        #expect(failed.lastDatestamp == Day("2026-05-01") && failed.recordsHarvested == 1)
        // An error before any page still records the harvest.
        let other = HarvestKey(endpoint: "http://127.0.0.1:1/oai", set: nil, metadataPrefix: "arXivRaw")
        try await store.recordHarvestError(other, message: "refused", at: Date())
        #expect(try await store.harvestState(other)?.lastError == "refused")
        #expect(try await store.harvestStates().count == 2)
    }

    public static let checks: [StoreContractCheck] = [
        .init("HarvestContract.aPageIsAppliedWithItsStateInOneTransaction") {
            try await HarvestContract(make: $0).aPageIsAppliedWithItsStateInOneTransaction()
        },
        .init("HarvestContract.aFailingPageChangesNothingAndErrorsKeepTheProgress") {
            try await HarvestContract(make: $0).aFailingPageChangesNothingAndErrorsKeepTheProgress()
        },
    ]
}
