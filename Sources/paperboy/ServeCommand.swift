import ArgumentParser
import DemoCorpus
import Foundation
import Hummingbird
import Logging
import PaperStore
import PaperWeb
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve the web app, JSON APIs and feeds.")

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @Flag(name: .customLong("no-demo"), help: "Do not import the demo corpus into an empty data folder.")
    var noDemo = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("port must be 0-65535, got \(port)") }
    }

    func run() async throws {
        let logger = storeOptions.makeLogger("paperboy")
        let directory = storeOptions.resolvedDataDirectory
        let store = try SQLitePaperStore.open(directory: directory)
        logger.info("store opened", metadata: ["dataDir": "\(directory.path)"])
        if !noDemo {
            let reports = try await DemoCorpus.importIfEmpty(into: store)
            if !reports.isEmpty {
                let papers = reports.reduce(0) { $0 + $1.summary.inserted }
                logger.info("empty data folder: imported the demo corpus", metadata: ["papers": "\(papers)"])
            }
        }
        logger.notice("search runs lexical-only: no embedding model is configured")
        let app = try await buildApplication(
            store: store, configuration: WebConfiguration(host: host, port: port), logger: logger)
        let services = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await services.run()
    }
}
