import ArgumentParser
import Foundation
import PaperStore

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Show what the store holds.")

    @OptionGroup var storeOptions: StoreOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let directory = storeOptions.resolvedDataDirectory
        let opened = try await storeOptions.openStore(logger: storeOptions.makeLogger("paperboy"))
        let store = opened.store
        let status = try await store.status()
        let latestDay = try await store.latestFeedDay(onOrBefore: nil)
        let harvests = try await store.harvestStates()
        if json {
            let object: [String: Any] = [
                "dataDir": directory.path, "backend": status.backend, "store": status.backend,
                "storeLocation": opened.location, "schemaVersion": status.schemaVersion,
                "papers": status.paperCount, "changeSequence": status.latestChangeSequence,
                "latestDailyFeed": latestDay?.description ?? NSNull(),
                "harvests": harvests.map { h -> [String: Any] in
                    [
                        "endpoint": h.key.endpoint, "set": h.key.set, "metadataPrefix": h.key.metadataPrefix,
                        "lastDatestamp": h.lastDatestamp?.description ?? NSNull(),
                        "inFlight": h.resumptionToken != nil, "recordsHarvested": h.recordsHarvested,
                        "lastSuccessAt": h.lastSuccessAt.map { ISO8601DateFormatter().string(from: $0) } ?? NSNull(),
                        "lastError": h.lastError ?? NSNull(),
                    ]
                },
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("data folder:       \(directory.path)")
            print("store:             \(status.backend), schema \(status.schemaVersion), \(opened.location)")
            print("papers:            \(status.paperCount)")
            print("change sequence:   \(status.latestChangeSequence)")
            print("latest daily feed: \(latestDay?.description ?? "none")")
            for h in harvests {
                let set = h.key.set.isEmpty ? "all" : h.key.set
                print(
                    "harvest \(set) (\(h.key.metadataPrefix)): \(h.recordsHarvested) records, up to \(h.lastDatestamp?.description ?? "-")"
                        + (h.resumptionToken != nil ? ", a list in flight" : "")
                        + (h.lastSuccessAt.map { ", last success \(ISO8601DateFormatter().string(from: $0))" } ?? "")
                        + (h.lastError.map { ", last error: \($0)" } ?? ""))
            }
        }
    }
}
