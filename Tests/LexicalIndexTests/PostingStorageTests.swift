import Foundation
import Testing

@testable import LexicalIndex

/// The compact posting layout: one-byte term frequencies with an overflow table, and positions found by
/// counting varints from a block's start (in memory for a fresh segment, in the mapped file once reopened).
@Suite struct PostingStorageTests {
    /// Phrase matches computed from the documents' words, independently of the index.
    func expectedPhraseMatches(_ docs: [IndexDocument], _ a: String, _ b: String, field: String) -> Set<String> {
        func adjacent(_ text: String) -> Bool {
            let words = text.split(separator: " ")
            return zip(words, words.dropFirst()).contains { $0 == a && $1 == b }
        }
        return Set(
            docs.filter { doc in
                switch field {
                case "ti:": return adjacent(doc.title)
                case "abs:": return adjacent(doc.abstract)
                default: return adjacent(doc.title) || adjacent(doc.abstract)
                }
            }.map(\.key))
    }

    @Test func phrasesMatchAnIndependentScanInMemoryOnDiskAndAfterMerges() throws {
        // A small vocabulary makes long posting lists, so most checked postings sit deep inside a block.
        let docs = syntheticDocuments(count: 3_000, seed: 21)
        var rng = SeededRandom(state: 77)
        var pairs: [(String, String)] = []
        while pairs.count < 30 {
            let doc = docs[Int.random(in: 0..<docs.count, using: &rng)]
            let words = doc.abstract.split(separator: " ").map(String.init)
            let i = Int.random(in: 0..<(words.count - 1), using: &rng)
            pairs.append((words[i], words[i + 1]))
        }
        let memory = try LexicalIndex.open(directory: nil)
        memory.upsert(docs)
        try memory.commit(sequence: 1)

        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let disk = try LexicalIndex.open(directory: dir)
        disk.mergeFactor = 1_000
        for start in stride(from: 0, to: docs.count, by: 500) {
            disk.upsert(Array(docs[start..<(start + 500)]))
            try disk.commit(sequence: Int64(start + 1))
        }
        let reopened = try LexicalIndex.open(directory: dir)
        #expect(reopened.segmentCount == 6)
        let merged = try LexicalIndex.open(directory: dir)
        try merged.forceMerge()
        #expect(merged.segmentCount == 1)

        var nonEmpty = 0
        for (a, b) in pairs {
            for field in ["", "ti:", "abs:"] {
                let expected = expectedPhraseMatches(docs, a, b, field: field)
                if !expected.isEmpty { nonEmpty += 1 }
                let query = "\(field)\"\(a) \(b)\""
                for index in [memory, disk, reopened, merged] {
                    let found = Set(try index.search(query, limit: 10_000).map(\.key))
                    #expect(found == expected, "\(query)")
                }
            }
        }
        #expect(nonEmpty >= 40)
        // Deleting documents and merging again keeps every other document's positions.
        let deleted = Set(docs.indices.filter { $0 % 7 == 0 }.map { docs[$0].key })
        merged.delete(keys: Array(deleted))
        try merged.commit(sequence: 10_000)
        try merged.forceMerge()
        let survivors = docs.filter { !deleted.contains($0.key) }
        for (a, b) in pairs.prefix(10) {
            let found = Set(try LexicalIndex.open(directory: dir).search("\"\(a) \(b)\"", limit: 10_000).map(\.key))
            #expect(found == expectedPhraseMatches(survivors, a, b, field: ""))
        }
    }

    @Test func termFrequenciesBeyondOneByteStayExact() throws {
        func repeated(_ word: String, _ n: Int) -> String { Array(repeating: word, count: n).joined(separator: " ") }
        // Equal title lengths, so only the frequency of "beta" tells the documents apart.
        let docs = [
            IndexDocument(key: "b300", title: repeated("beta", 300), abstract: "filler"),
            IndexDocument(key: "b256", title: repeated("beta", 256) + " " + repeated("gamma", 44), abstract: "filler"),
            IndexDocument(key: "b255", title: repeated("beta", 255) + " " + repeated("gamma", 45), abstract: "filler"),
            IndexDocument(key: "b254", title: repeated("beta", 254) + " " + repeated("gamma", 46), abstract: "filler"),
            // More occurrences than a 16-bit frequency counts: frequency and positions both stop at 65,535.
            IndexDocument(key: "huge", title: "alpha delta", abstract: repeated("alpha", 70_000) + " delta"),
            IndexDocument(key: "other", title: "delta", abstract: "alpha epsilon"),
        ]
        let memory = try LexicalIndex.open(directory: nil)
        memory.upsert(docs)
        try memory.commit(sequence: 1)
        let order = try memory.search("ti:beta", limit: 10)
        // The abstract's frequency byte overflows at the same point.
        let abstracts = try LexicalIndex.open(directory: nil)
        abstracts.upsert(
            [256, 255, 254].map { n in
                IndexDocument(
                    key: "a\(n)", title: "t", abstract: repeated("beta", n) + " " + repeated("gamma", 300 - n))
            })
        try abstracts.commit(sequence: 1)
        let abstractOrder = try abstracts.search("abs:beta", limit: 10)
        #expect(abstractOrder.map(\.key) == ["a256", "a255", "a254"])
        #expect(zip(abstractOrder, abstractOrder.dropFirst()).allSatisfy { $0.score > $1.score })
        #expect(order.map(\.key) == ["b300", "b256", "b255", "b254"])
        #expect(zip(order, order.dropFirst()).allSatisfy { $0.score > $1.score })

        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let disk = try LexicalIndex.open(directory: dir)
        disk.upsert(docs)
        try disk.commit(sequence: 1)
        disk.upsert([IndexDocument(key: "late", title: "beta", abstract: "alpha")])
        try disk.commit(sequence: 2)
        try disk.forceMerge()
        let reopened = try LexicalIndex.open(directory: dir)
        let reopenedOrder = try reopened.search("ti:beta", limit: 10)
        #expect(reopenedOrder.map(\.key) == ["b300", "b256", "b255", "b254", "late"])
        #expect(try reopened.search("\"alpha delta\"").map(\.key).sorted() == ["huge"])
        #expect(try reopened.search("abs:\"alpha alpha\"").map(\.key) == ["huge"])
        #expect(try reopened.search("\"alpha epsilon\"").map(\.key) == ["other"])
        #expect(try reopened.search("abs:alpha", limit: 10).first?.key == "huge")
    }

    @Test func authorPositionsPastTheAbstractOffsetStillCountAsAuthorPositions() throws {
        // Each name advances the author position by its length + 10, so "Ada" lands past 2^20 in "many" while
        // "Lovelace" stays near 0; "ada" shares both terms' posting blocks and must still find its own positions.
        let many = IndexDocument(
            key: "many", title: "collaboration", abstract: "large",
            authors: ["Lovelace"] + Array(repeating: "Filler Person", count: 100_000) + ["Ada"])
        let ada = IndexDocument(key: "ada", title: "engines", abstract: "notes", authors: ["Ada Lovelace"])
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let index = try LexicalIndex.open(directory: dir)
        index.upsert([many, ada])
        try index.commit(sequence: 1)  // writes and reopens the segment, which checks every posting's positions
        for searched in [index, try LexicalIndex.open(directory: dir)] {
            #expect(try searched.search("au:\"ada lovelace\"").map(\.key) == ["ada"])
            #expect(Set(try searched.search("au:ada").map(\.key)) == ["many", "ada"])
        }
    }

    @Test func positionLengthsThatContradictTheFrequenciesAreCorrupt() throws {
        let builder = SegmentBuilder(analyzer: .standard)
        builder.add([
            IndexDocument(key: "x", title: "alpha alpha", abstract: ""),
            IndexDocument(key: "y", title: "alpha", abstract: ""),
        ])
        var bytes = SegmentFile.encode(builder.build(name: "s"))
        // The postings of the only term: doc deltas 0 1, title tf 2 1, abstract tf 0 0, position-byte lengths 2 1,
        // positions 0 1 | 0; then the checksum.
        let tail = Array(bytes[(bytes.count - 4 - 11)..<(bytes.count - 4)])
        #expect(tail == [0, 1, 2, 1, 0, 0, 2, 1, 0, 1, 0])
        #expect(try SegmentFile.decode(bytes, name: "s").documentCount == 2)
        // Same total bytes and varints, but the first posting now claims one byte for its two positions.
        bytes[bytes.count - 4 - 5] = 1
        bytes[bytes.count - 4 - 4] = 2
        bytes.removeLast(4)
        let h = bytes.withUnsafeBytes { SegmentFile.fnv1a($0) }
        bytes += [UInt8(h & 0xFF), UInt8((h >> 8) & 0xFF), UInt8((h >> 16) & 0xFF), UInt8(h >> 24)]
        #expect(throws: LexicalIndexError.self) { try SegmentFile.decode(bytes, name: "s") }
    }
}
