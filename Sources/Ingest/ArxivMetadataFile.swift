import Foundation
import PaperModel

/// One record of a Kaggle-layout arXiv metadata file, parsed as the importer parses it (same title, abstract and
/// author handling), with the dates the file knows: the announce day from the `-listing-dates` sidecar and the
/// day of version 1.
public struct ArxivMetadataRecord: Sendable, Equatable {
    public var id: String
    public var version: Int
    public var title: String
    public var abstract: String
    public var categories: [String]
    public var authors: [String]
    public var listingDay: Day?
    public var firstVersionDay: Day?
}

/// Reads a whole Kaggle-layout `.jsonl[.gz]` file into memory (for offline evaluation, not for imports).
public enum ArxivMetadataFile {
    /// Records in file order; lines that are not valid records are counted in `skipped`.
    public static func read(
        _ path: String
    ) throws -> (records: [ArxivMetadataRecord], skipped: Int, hasListingDates: Bool) {
        let source = try KaggleSource(path: path, options: ImportOptions())
        let listing = try KaggleSource.loadListingDates(nextTo: path)
        let reader = try LineReader(path: path)
        var records: [ArxivMetadataRecord] = []
        var skipped = 0
        var number = 0
        let decoder = JSONDecoder()
        while let line = try reader.nextLine() {
            number += 1
            if line.allSatisfy(\.isWhitespace) { continue }
            guard let record = try? decoder.decode(KaggleSource.Record.self, from: Data(line.utf8)),
                let paper = try? source.paper(from: record)
            else {
                skipped += 1
                continue
            }
            let firstVersion = (record.versions ?? []).first { $0.version == "v1" }.flatMap {
                source.parseCreated($0.created)
            }
            records.append(
                ArxivMetadataRecord(
                    id: paper.id, version: paper.version, title: paper.title, abstract: paper.abstract,
                    categories: paper.categories, authors: paper.authors, listingDay: listing[paper.id],
                    firstVersionDay: firstVersion.map { Day($0) }))
        }
        return (records, skipped, !listing.isEmpty)
    }
}

extension KaggleSource {
    func parseCreated(_ text: String) -> Date? { rfc2822.date(from: text) }
}
