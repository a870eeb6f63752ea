import DemoCorpus
import Foundation
import PaperModel
import PaperStore
import Testing

@testable import Ingest

@Suite("Importers")
struct ImporterTests {
    let listingPath = DemoCorpus.dataDirectory.appendingPathComponent("hf-papers-listing.txt").path

    func importer(_ store: any PaperStore, _ configure: (inout ImportOptions) -> Void = { _ in }) -> Importer {
        var options = ImportOptions()
        configure(&options)
        return Importer(store: store, options: options)
    }

    @Test func foundingListingBecomesTheDailyFeedOfMay30() async throws {
        let store = try SQLitePaperStore.inMemory()
        let report = try await importer(store) { $0.now = Day("2026-11-27")!.startDate }.importFile(listingPath)
        #expect(report.format == .listing)
        #expect(report.summary == ImportSummary(inserted: 137, submissionsAdded: 137))
        let may30 = Day("2026-05-30")!
        #expect(try await store.latestFeedDay(onOrBefore: nil) == may30)
        let feed = try await store.dailyFeed(day: may30)
        #expect(feed.count == 137)
        // Listing order is kept when upvotes tie.
        #expect(
            feed.first?.paper.title
                == "Same Pre-training Loss, Better Downstream: Implicit Bias Matters for Language Models")
        #expect(feed.last?.paper.title.hasPrefix("CLIN-X: pre-trained language models") == true)
        #expect(feed.allSatisfy { $0.submission.submitter == "curator" && LocalPaperID.isLocal($0.paper.id) })
        let vidlankd = try #require(feed.first { $0.paper.title.hasPrefix("VidLanKD") })
        #expect(vidlankd.paper.codeURL == "https://github.com/zinengtang/VidLanKD")
        let mlmal = try #require(feed.first { $0.paper.abstract.contains("bonaventuredossou") })
        #expect(mlmal.paper.codeURL == "https://github.com/bonaventuredossou/MLM_AL")
        let evolution = try #require(feed.first { $0.paper.abstract.contains("HypherX") })
        #expect(evolution.paper.links.map(\.url) == ["https://github.com/HypherX/Evolution-Analysis"])
        // Every GitHub link of the page comes out without trailing punctuation or markup.
        let urls = feed.flatMap(\.paper.links).map(\.url)
        #expect(urls.filter { $0.contains("github.com") }.count >= 25)
        #expect(urls.allSatisfy { !$0.hasSuffix(".") && !$0.hasSuffix(",") && !$0.contains("{") && !$0.contains("}") })
    }

    @Test func listingYearDefaultsToLatestPastDateAndCanBeGiven() async throws {
        let store = try SQLitePaperStore.inMemory()
        _ = try await importer(store) { $0.now = Day("2027-05-29")!.startDate }.importFile(listingPath)
        #expect(try await store.latestFeedDay(onOrBefore: nil) == Day("2026-05-30"))
        let other = try SQLitePaperStore.inMemory()
        _ = try await importer(other) { $0.listingDay = Day("2024-05-30") }.importFile(listingPath)
        #expect(try await other.latestFeedDay(onOrBefore: nil) == Day("2024-05-30"))
    }

    @Test func reimportChangesNothing() async throws {
        let store = try SQLitePaperStore.inMemory()
        _ = try await importer(store).importFile(listingPath)
        let before = try await store.status()
        let again = try await importer(store).importFile(listingPath)
        #expect(again.summary == ImportSummary(unchanged: 137))
        #expect(try await store.status() == before)
    }

    @Test func kaggleRecordsAreNormalized() async throws {
        let path = try temporaryFile(
            "snapshot.jsonl",
            contents: [
                kaggleLine(
                    id: "0704.0001", title: "Calculation of prompt diphoton\n  production",
                    versions: [("v1", "Mon, 2 Apr 2007 19:18:42 GMT"), ("v2", "Tue, 24 Jul 2007 20:10:27 GMT")]),
                kaggleLine(id: "hep-th/9901001", comments: nil),
            ].joined(separator: "\n") + "\n")
        let store = try SQLitePaperStore.inMemory()
        let report = try await importer(store).importFile(path)
        #expect(report.format == .kaggle)
        #expect(report.summary.inserted == 2)
        let paper = try #require(try await store.paper(id: "0704.0001"))
        #expect(paper.version == 2)
        #expect(paper.title == "Calculation of prompt diphoton production")
        #expect(paper.abstract == "An abstract wrapped over lines.")
        #expect(paper.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky Jr"])
        #expect(paper.categories == ["cs.CL", "cs.LG"])
        #expect(paper.primaryCategory == "cs.CL")
        #expect(paper.publishedAt == Date(timeIntervalSince1970: 1_175_541_522))
        #expect(paper.updatedAt == Day("2008-11-26")!.startDate)
        #expect(paper.doi == "10.1000/x")
        #expect(paper.codeURL == "https://github.com/o/r")
        #expect(paper.arxivID?.base == "0704.0001")
        #expect(try await store.paper(id: "hep-th/9901001")?.comments == nil)
    }

    @Test func newerVersionUpdatesOlderDoesNot() async throws {
        let store = try SQLitePaperStore.inMemory()
        let v2 = try temporaryFile(
            "v2.jsonl",
            contents: kaggleLine(
                id: "2501.00001", title: "Second version",
                versions: [("v1", "Mon, 6 Jan 2025 10:00:00 GMT"), ("v2", "Mon, 13 Jan 2025 10:00:00 GMT")]))
        let v1 = try temporaryFile("v1.jsonl", contents: kaggleLine(id: "2501.00001", title: "First version"))
        _ = try await importer(store).importFile(v2)
        let old = try await importer(store).importFile(v1)
        #expect(old.summary.unchanged == 1)
        #expect(try await store.paper(id: "2501.00001")?.title == "Second version")
        let v3 = try temporaryFile(
            "v3.jsonl",
            contents: kaggleLine(
                id: "2501.00001", title: "Third version",
                versions: [("v1", "Mon, 6 Jan 2025 10:00:00 GMT"), ("v3", "Mon, 20 Jan 2025 10:00:00 GMT")]))
        #expect(try await importer(store).importFile(v3).summary.updated == 1)
        #expect(try await store.paper(id: "2501.00001")?.version == 3)
    }

    @Test func truncatedKaggleFileFailsNamingTheLineAndChangesNothing() async throws {
        let store = try SQLitePaperStore.inMemory()
        _ = try await importer(store).importFile(listingPath)
        let before = try await store.status()
        let good = (1...3).map { kaggleLine(id: "2501.0000\($0)") }
        let cut = String(kaggleLine(id: "2501.00004").prefix(80))
        let path = try temporaryFile("cut.jsonl", contents: (good + [cut]).joined(separator: "\n"))
        do {
            // One record per write transaction: only the checking pass keeps the good lines out.
            _ = try await importer(store) { $0.batchSize = 1 }.importFile(path)
            Issue.record("truncated file was accepted")
        } catch let error as ImportError {
            #expect(error.file == path)
            #expect(error.line == 4)
            #expect(error.reason.contains("invalid JSON"))
        }
        #expect(try await store.status() == before)

        // The same for a gzip stream cut in the middle.
        let long = (1...400).map { kaggleLine(id: String(format: "2502.%05d", $0)) }.joined(separator: "\n")
        let gz = try gzip(try temporaryFile("long.jsonl", contents: long))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: gz))
        let cutGz = gz.replacingOccurrences(of: "long.jsonl.gz", with: "cut.jsonl.gz")
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cutGz))
        await #expect(throws: ImportError.self) { try await importer(store).importFile(cutGz) }
        #expect(try await store.status() == before)
        // And the whole gzip file imports.
        #expect(try await importer(store).importFile(gz).summary.inserted == 400)
    }

    @Test func skipInvalidImportsTheRestAndReportsEachLine() async throws {
        let lines = [
            kaggleLine(id: "2501.00001"), "{not json", kaggleLine(id: "not-an-id"),
            kaggleLine(id: "2501.00002", title: " "),
            kaggleLine(id: "2501.00003"),
        ]
        let path = try temporaryFile("mixed.jsonl", contents: lines.joined(separator: "\n"))
        let store = try SQLitePaperStore.inMemory()
        await #expect(throws: ImportError.self) { try await importer(store).importFile(path) }
        #expect(try await store.paperCount() == 0)
        let report = try await importer(store) { $0.skipInvalid = true }.importFile(path)
        #expect(report.summary.inserted == 2)
        #expect(report.skipped.map(\.line) == [2, 3, 4])
        #expect(report.skipped[1].reason.contains("not an arXiv id"))
    }

    @Test func malformedListingsFail() async throws {
        let store = try SQLitePaperStore.inMemory()
        let noDate = try temporaryFile("nodate.txt", contents: "Title\n\nAbstract text.\n")
        await #expect(throws: ImportError.self) {
            try await importer(store) { $0.format = .listing }.importFile(noDate)
        }
        let dangling = try temporaryFile(
            "dangling.txt", contents: "May 30\n\nTitle one\n\nAbstract one.\n\nTitle two\n")
        do {
            _ = try await importer(store).importFile(dangling)
            Issue.record("dangling title accepted")
        } catch let error as ImportError {
            #expect(error.line == 7)
        }
        #expect(try await store.paperCount() == 0)
        let empty = try temporaryFile("empty.txt", contents: "\n\n")
        await #expect(throws: ImportError.self) { try await importer(store).importFile(empty) }
    }

    @Test func listingDateLines() {
        func parsed(_ text: String) -> [Int?] {
            guard let (month, day, year) = ListingSource.parseDateLine(text) else { return [] }
            return [month, day, year]
        }
        #expect(parsed("May 30") == [5, 30, nil])
        #expect(parsed("December 1, 2025") == [12, 1, 2025])
        #expect(parsed("30 Sept 2024") == [9, 30, 2024])
        #expect(ListingSource.parseDateLine("Mayhem 30") == nil)
        #expect(ListingSource.parseDateLine("Subscribe") == nil)
        #expect(ListingSource.parseDateLine("May 32") == nil)
    }

    @Test func submissionsFileReferencesStoredPapers() async throws {
        let store = try SQLitePaperStore.inMemory()
        _ = try await importer(store).importFile(try temporaryFile("p.jsonl", contents: kaggleLine(id: "2501.00001")))
        let tsv = try temporaryFile(
            "s.tsv", contents: "day\tpaper\tsubmitter\n2026-05-01\tarXiv:2501.00001v2\tcurator\n")
        #expect(try await importer(store).importFile(tsv).summary.submissionsAdded == 1)
        try await store.upsert([Paper(id: "2501.00002", title: "Stored", abstract: "")])
        let unknown = try temporaryFile(
            "u.tsv", contents: "2026-05-02\t2501.00002\tcurator\n2026-05-01\t2501.00009\tcurator\n")
        do {
            _ = try await importer(store) { $0.batchSize = 1 }.importFile(unknown)
            Issue.record("unknown paper accepted")
        } catch let error as ImportError {
            #expect(error.line == 2)
            #expect(error.reason.contains("2501.00009"))
        }
        // Checked before anything is applied: the valid first line is not on a feed either.
        #expect(try await store.submission(paperID: "2501.00002") == nil)
    }

    /// With the checked records kept in memory for the applying pass, and read again from the file.
    @Test(arguments: [true, false])
    func anImportCutOffPartWayIsFinishedByRunningItAgain(keepRecords: Bool) async throws {
        let lines = (1...2_500).map { kaggleLine(id: String(format: "2503.%05d", $0), title: "Paper \($0)") }
        let path = try temporaryFile("recent.jsonl", contents: lines.joined(separator: "\n") + "\n")
        let uninterrupted = try SQLitePaperStore.inMemory()
        let whole = try await importer(uninterrupted).importFile(path)
        #expect(whole.summary == ImportSummary(inserted: 2_500))
        #expect(whole.resumedAt == 0)

        // A run killed after its second batch: what it committed, the way the importer commits it.
        let store = try SQLitePaperStore.inMemory()
        try await store.upsert([Paper(id: "2503.00007", title: "Paper 7", abstract: "older")])  // before the import
        let options = ImportOptions()
        let file = ImportFileIdentity(
            path: URL(fileURLWithPath: path).standardizedFileURL.path,
            size: Int64(try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int),
            sha256: try Importer.sha256(path), settings: options.settings(format: .kaggle))
        let source = try KaggleSource(path: path, options: options)
        var records: [ImportRecord] = []
        while records.count < 2_000, let record = try source.next() { records.append(record) }
        for start in [0, 1_000] {
            _ = try await store.applyImportBatch(
                Array(records[start..<start + 1_000]), file: file, offset: start, timeLimit: .seconds(60))
        }
        #expect(try await store.paperCount() == 2_000)
        #expect(try await store.importJournal(file: file)?.recordsApplied == 2_000)

        let resumed = try await importer(store) { $0.retainedRecordBudget = keepRecords ? 1 << 30 : 0 }.importFile(path)
        #expect(resumed.resumedAt == 2_000)
        #expect(resumed.records == 2_500)
        // The summary is the whole file's, as if it had run once.
        #expect(resumed.summary == ImportSummary(inserted: 2_499, updated: 1))
        #expect(try await store.importJournal(file: file) == nil)
        #expect(try await store.paperCount() == 2_500)
        let ids = lines.indices.map { String(format: "2503.%05d", $0 + 1) }
        #expect(try await store.papers(ids: ids) == uninterrupted.papers(ids: ids))
        // And running it once more changes nothing.
        let before = try await store.status()
        #expect(try await importer(store).importFile(path).summary == ImportSummary(unchanged: 2_500))
        #expect(try await store.status() == before)
    }

    @Test func aChangedFileStartsAfreshInsteadOfContinuing() async throws {
        let path = try temporaryFile(
            "f.jsonl",
            contents: (1...30).map { kaggleLine(id: String(format: "2503.%05d", $0)) }
                .joined(separator: "\n"))
        let store = try SQLitePaperStore.inMemory()
        let options = ImportOptions()
        let old = ImportFileIdentity(
            path: URL(fileURLWithPath: path).standardizedFileURL.path, size: 1, sha256: "00",
            settings: options.settings(format: .kaggle))
        _ = try await store.applyImportBatch(
            [.paper(Paper(id: "2503.00001", title: "Old", abstract: ""))], file: old, offset: 0, timeLimit: .seconds(1))
        let report = try await importer(store) { $0.batchSize = 7 }.importFile(path)
        #expect(report.resumedAt == 0)
        #expect(report.summary == ImportSummary(inserted: 29, updated: 1))
        #expect(try await store.importJournal(file: old) == nil)
    }

    @Test(arguments: [true, false])
    func progressCoversTheCheckingPassThenTheApplyingPass(keepRecords: Bool) async throws {
        let path = try temporaryFile(
            "p.jsonl",
            contents: (1...3_000).map { kaggleLine(id: String(format: "2503.%05d", $0)) }
                .joined(separator: "\n"))
        let seen = Recorder()
        let report = try await importer(try SQLitePaperStore.inMemory()) {
            $0.retainedRecordBudget = keepRecords ? 1 << 30 : 0
        }.importFile(path) { seen.add($0) }
        let events = seen.events
        let phases = events.map(\.phase)
        #expect(phases.first == .checking && phases.last == .applying)
        #expect(phases.firstIndex(of: .applying).map { phases[$0...].allSatisfy { $0 == .applying } } == true)
        for phase in [ImportPhase.checking, .applying] {
            let bytes = events.filter { $0.phase == phase }.map(\.bytesRead)
            #expect(bytes.count >= 2, "\(phase): \(bytes)")
            #expect(bytes == bytes.sorted())
            #expect(bytes.last == report.bytes)
        }
    }

    @Test func demoCorpusImportsOnceIntoAnEmptyStore() async throws {
        let store = try SQLitePaperStore.inMemory()
        let reports = try await DemoCorpus.importIfEmpty(into: store)
        #expect(reports.map(\.summary.inserted) == [3625, 137, 0])
        #expect(reports.last?.summary.submissionsAdded == 264)
        #expect(try await store.latestFeedDay(onOrBefore: nil) == DemoCorpus.listingDay)
        #expect(try await store.neighbouringFeedDays(of: DemoCorpus.listingDay).previous == Day("2026-05-29"))
        // Papers without versions take their announcement date from the sidecar.
        #expect(try await store.paper(id: "2604.27039")?.publishedAt == Day("2026-05-01")!.startDate)
        #expect(try await DemoCorpus.importIfEmpty(into: store).isEmpty)
    }

    /// Two instances starting at once on one empty shared store: one imports, the other waits for it and imports
    /// nothing (without the lease both would import, and the second's journaled batches would be refused).
    @Test func twoInstancesStartingAtOnceImportTheDemoCorpusOnce() async throws {
        let store = try SQLitePaperStore.inMemory()
        let leaseA = Lease(DemoCorpus.leaseName, store: store, holder: "a", renewEvery: .milliseconds(200))
        let leaseB = Lease(DemoCorpus.leaseName, store: store, holder: "b", renewEvery: .milliseconds(200))
        async let first = DemoCorpus.importIfEmpty(into: store, lease: leaseA, pollInterval: .milliseconds(20))
        async let second = DemoCorpus.importIfEmpty(into: store, lease: leaseB, pollInterval: .milliseconds(20))
        let (a, b) = try await (first, second)
        #expect([a.isEmpty, b.isEmpty].filter { $0 }.count == 1, "exactly one instance imported")
        #expect((a + b).map(\.summary.inserted) == [3625, 137, 0])
        #expect(try await store.paperCount() == 3625 + 137)
        #expect(try await store.leaseHolder(DemoCorpus.leaseName, now: Date()) == nil)
    }

    @Test(.enabled(if: sharedDirectory != nil, "needs ../shared/data/arxiv (absent)"))
    func fullSharedArxivFilesImport() async throws {
        let arxiv = sharedDirectory!.appendingPathComponent("data/arxiv")
        let store = try SQLitePaperStore.inMemory()
        let recent = try await importer(store).importFile(arxiv.appendingPathComponent("recent-cs.jsonl.gz").path)
        #expect(recent.summary.inserted == 74_728)
        #expect(recent.skipped.isEmpty)
        let sample = try await importer(store).importFile(arxiv.appendingPathComponent("kaggle-sample.jsonl.gz").path)
        #expect(sample.summary.inserted == 15_475)
        #expect(try await store.paperCount() == 74_728 + 15_475)
        let first = try #require(try await store.paper(id: "0704.0001"))
        #expect(first.version == 2)
        #expect(first.authors.first == "C. Balázs")
        let recentPaper = try #require(try await store.paper(id: "2503.11731"))
        #expect(recentPaper.publishedAt == Day("2025-03-18")!.startDate)
        print(
            "import rate: recent-cs \(Int(Double(recent.summary.inserted) / recent.seconds)) papers/s, "
                + "kaggle-sample \(Int(Double(sample.summary.inserted) / sample.seconds)) papers/s")
    }
}

final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [ImportProgress] = []

    func add(_ progress: ImportProgress) {
        lock.lock()
        recorded.append(progress)
        lock.unlock()
    }

    var events: [ImportProgress] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }
}
