import Foundation
import Testing

@testable import VectorIndex

@Suite("Persistence")
struct PersistenceTests {
    @Test("round trip keeps vectors, keys, tombstones, graph, identity and sequence", arguments: VectorStorage.allCases)
    func roundTrip(storage: VectorStorage) throws {
        var fixture = EmbeddingFixture(dim: 40, seed: 101)
        let index = VectorIndex(dimension: 40, storage: storage)
        for (i, v) in fixture.batch(1500).enumerated() { try index.upsert(key: "paper/\(i)-ü", vector: v) }
        index.buildApproximate(parameters: HNSWParameters(m: 8, efConstruction: 50, efSearch: 40, seed: 5))
        index.remove(key: "paper/7-ü")  // tombstone inside the graph
        let url = tempURL("roundtrip")
        try index.save(to: url, modelIdentity: "minilm-l6-v2@2", sequence: 987_654_321)
        let (loaded, identity, sequence) = try VectorIndex.load(from: url)
        #expect(identity == "minilm-l6-v2@2")
        #expect(sequence == 987_654_321)
        #expect(loaded.count == index.count)
        #expect(loaded.storage == storage)
        #expect(loaded.dimension == 40)
        #expect(loaded.hasApproximateIndex)
        #expect(loaded.approximateParameters == HNSWParameters(m: 8, efConstruction: 50, efSearch: 40, seed: 5))
        #expect(loaded.vector(for: "paper/7-ü") == nil)
        #expect(loaded.vector(for: "paper/8-ü") == index.vector(for: "paper/8-ü"))
        for q in fixture.batch(10) {
            #expect(try loaded.search(q, k: 10) == index.search(q, k: 10))
            #expect(try loaded.searchApproximate(q, k: 10) == index.searchApproximate(q, k: 10))
        }
        // The loaded index keeps working incrementally.
        let extra = fixture.next()
        try loaded.upsert(key: "late", vector: extra)
        #expect(try loaded.searchApproximate(extra, k: 1).first?.key == "late")
        // Saving over an existing file replaces it atomically and leaves no temp files.
        try loaded.save(to: url, modelIdentity: "minilm-l6-v2@2", sequence: 987_654_322)
        #expect(try VectorIndex.load(from: url).sequence == 987_654_322)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
            .filter { $0.hasPrefix(".\(url.lastPathComponent).tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test("empty index round trips")
    func empty() throws {
        let url = tempURL("empty")
        try VectorIndex(dimension: 3).save(to: url, modelIdentity: "", sequence: 0)
        let (loaded, identity, sequence) = try VectorIndex.load(from: url)
        #expect(loaded.count == 0 && identity == "" && sequence == 0 && loaded.dimension == 3)
    }

    static func savedBytes() throws -> (URL, [UInt8]) {
        let index = VectorIndex(dimension: 8)
        for (i, v) in randomUnitVectors(50, dim: 8, seed: 3).enumerated() { try index.upsert(key: "k\(i)", vector: v) }
        index.buildApproximate(parameters: HNSWParameters(m: 4, efConstruction: 20, seed: 1))
        let url = tempURL("corrupt")
        try index.save(to: url, modelIdentity: "model", sequence: 5)
        return (url, Array(try Data(contentsOf: url)))
    }

    @Test("a flipped byte anywhere is reported as corruption", arguments: [20, 60, 400, 1500, -10])
    func flippedByte(offset: Int) throws {
        var (url, bytes) = try Self.savedBytes()
        let at = offset >= 0 ? offset : bytes.count + offset
        bytes[at] ^= 0x5A
        try Data(bytes).write(to: url)
        #expect(throws: VectorIndexError.corrupted("checksum mismatch")) { try VectorIndex.load(from: url) }
    }

    @Test("truncation, foreign files, future versions and missing files give clear errors")
    func otherFailures() throws {
        let (url, bytes) = try Self.savedBytes()
        try Data(bytes.prefix(bytes.count / 2)).write(to: url)
        #expect(throws: VectorIndexError.self) { try VectorIndex.load(from: url) }
        try Data("hello, not an index".utf8).write(to: url)
        #expect(throws: VectorIndexError.notAnIndexFile(url.path)) { try VectorIndex.load(from: url) }
        var future = bytes
        future[8] = 2
        try Data(future).write(to: url)
        #expect(throws: VectorIndexError.unsupportedVersion(2)) { try VectorIndex.load(from: url) }
        let missing = tempURL("missing")
        #expect {
            try VectorIndex.load(from: missing)
        } throws: { error in
            if case .io = error as? VectorIndexError { return true }
            return false
        }
    }

    @Test("a structurally invalid file with a valid checksum is still rejected")
    func invalidStructure() throws {
        var (url, bytes) = try Self.savedBytes()
        // Header: magic 8, version 4, storage 4 -> dimension at 16. Claim a different dimension.
        bytes[16] = 9
        let crc = bytes.withUnsafeBufferPointer { crc32c($0.baseAddress!, $0.count - 4) }
        withUnsafeBytes(of: crc.littleEndian) { for i in 0..<4 { bytes[bytes.count - 4 + i] = $0[i] } }
        try Data(bytes).write(to: url)
        #expect(throws: VectorIndexError.self) { try VectorIndex.load(from: url) }
    }
}
