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
        let store = try SQLitePaperStore.open(directory: directory)
        let status = try await store.status()
        let latestDay = try await store.latestFeedDay(onOrBefore: nil)
        if json {
            let object: [String: Any] = [
                "dataDir": directory.path, "backend": status.backend, "schemaVersion": status.schemaVersion,
                "papers": status.paperCount, "changeSequence": status.latestChangeSequence,
                "latestDailyFeed": latestDay?.description ?? NSNull(),
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("data folder:       \(directory.path)")
            print("store:             \(status.backend), schema \(status.schemaVersion)")
            print("papers:            \(status.paperCount)")
            print("change sequence:   \(status.latestChangeSequence)")
            print("latest daily feed: \(latestDay?.description ?? "none")")
        }
    }
}
