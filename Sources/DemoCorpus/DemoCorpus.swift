import Foundation
import Ingest
import PaperModel
import PaperStore

/// The demo corpus that ships with Paperboy, so that a first start never shows an empty page: the founding
/// Hugging Face Papers listing (the daily feed of 2026-05-30) and 3,625 real cs.CL / cs.LG / cs.AI arXiv
/// papers announced in May 2026 (CC0 metadata) with a curator's daily picks for each of those days.
/// `scripts/make-demo-corpus.py` rebuilds the files.
public enum DemoCorpus {
    /// The day of the founding listing.
    public static let listingDay = Day(year: 2026, month: 5, day: 30)!

    public static var dataDirectory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("Data")
    }

    public struct Step: Sendable {
        public var file: URL
        public var options: ImportOptions
    }

    /// The imports in order: papers first, then the submissions that reference them.
    public static var steps: [Step] {
        var arxiv = ImportOptions()
        arxiv.format = .kaggle
        var listing = ImportOptions()
        listing.format = .listing
        listing.listingDay = listingDay
        var picks = ImportOptions()
        picks.format = .submissions
        return [
            Step(file: dataDirectory.appendingPathComponent("arxiv-cs-2026-05.jsonl.gz"), options: arxiv),
            Step(file: dataDirectory.appendingPathComponent("hf-papers-listing.txt"), options: listing),
            Step(file: dataDirectory.appendingPathComponent("daily-picks.tsv"), options: picks),
        ]
    }

    /// Imports the demo corpus when the store has no papers; returns the reports, empty when nothing was done.
    @discardableResult
    public static func importIfEmpty(into store: any PaperStore) async throws -> [ImportReport] {
        guard try await store.paperCount() == 0 else { return [] }
        var reports: [ImportReport] = []
        for step in steps {
            reports.append(try await Importer(store: store, options: step.options).importFile(step.file.path))
        }
        return reports
    }

    /// The lease instances take to import the demo corpus into an empty shared store.
    public static let leaseName = "demo-import"

    /// `importIfEmpty` by one instance at a time: several `serve`s starting at once on one empty database import
    /// the corpus once. An instance that finds another importing waits for it to finish (so it starts with the
    /// whole corpus), and takes over if the importer dies before (its lease expires; an import started but cut
    /// off leaves papers, so nothing is imported twice).
    @discardableResult
    public static func importIfEmpty(
        into store: any PaperStore, lease: Lease, pollInterval: Duration = .milliseconds(500)
    ) async throws -> [ImportReport] {
        while true {
            if let reports = try await lease.whileHeld({ try await DemoCorpus.importIfEmpty(into: store) }) {
                try? await lease.release()
                return reports
            }
            try await Task.sleep(for: pollInterval)
        }
    }
}
