import Foundation
import PaperSupport
import Testing

@testable import Recommendations

@Suite struct OfflineProtocolTests {
    /// Alice has 5 papers, Bob 4, Carol 2; Bob's third paper shares its day with his fourth.
    static let papers: [OfflineProtocol.Paper] = [
        .init(id: "p1", day: 1, authors: ["Alice Smith", "Bob Jones"]),
        .init(id: "p2", day: 2, authors: ["alice smith"]),  // same reader after normalization
        .init(id: "p3", day: 3, authors: ["Bob Jones"]),
        .init(id: "p4", day: 3, authors: ["Álice Smith", "Alice Smith"]),  // counted once
        .init(id: "p5", day: 5, authors: ["Alice Smith", "Carol White"]),
        .init(id: "p6", day: 6, authors: ["Alice Smith", "Bob Jones", "Carol White"]),
        .init(id: "p0", day: 3, authors: ["Bob Jones"]),  // day 3 like p3; "p0" < "p3" so it comes first
        .init(id: "p7", day: 9, authors: ["Dan Brown"]),
    ]

    @Test func readersSeedsRelevantAndCandidates() {
        let readers = OfflineProtocol.readers(Self.papers, seeds: 2, minPapers: 4)
        // Alice: p1 p2 p4 p5 p6 → seeds p1 p2 (last day 2); relevant p4 p5 p6; candidates = papers after day 2 = 6.
        // Bob: p1 p0 p3 p6 → seeds p1 p0 (last day 3); relevant p6 only (p3 is on the seed day); candidates 3.
        #expect(readers.map(\.name) == ["alice smith", "bob jones"])
        #expect(
            readers[0].seeds == ["p1", "p2"] && readers[0].relevant == ["p4", "p5", "p6"]
                && readers[0].candidateCount == 6)
        #expect(readers[1].seeds == ["p1", "p0"] && readers[1].relevant == ["p6"] && readers[1].candidateCount == 3)
        #expect(readers[1].lastSeedDay == 3)
        // Three seeds: Bob's fourth paper p6 is after p3 (day 3) → still a reader with relevant p6.
        let three = OfflineProtocol.readers(Self.papers, seeds: 3, minPapers: 4)
        #expect(three.map(\.name) == ["alice smith", "bob jones"])
        #expect(three[0].seeds == ["p1", "p2", "p4"] && three[0].relevant == ["p5", "p6"])
        // Four seeds for Bob leave nothing after → not a reader; min papers 5 leaves Alice alone.
        #expect(OfflineProtocol.readers(Self.papers, seeds: 2, minPapers: 5).map(\.name) == ["alice smith"])
    }

    @Test func sampleIsByHashAndFingerprintIsTheDocumentedText() {
        let readers = OfflineProtocol.readers(Self.papers, seeds: 2, minPapers: 4)
        let aliceKey = OfflineProtocol.sha256Hex("paperboy-recommend:alice smith")
        let bobKey = OfflineProtocol.sha256Hex("paperboy-recommend:bob jones")
        let first = OfflineProtocol.sample(readers, limit: 1)
        #expect(first.map(\.name) == [aliceKey < bobKey ? "alice smith" : "bob jones"])
        #expect(OfflineProtocol.sample(readers, limit: 5) == readers)
        // Ten readers: the three with the smallest keys, returned by name.
        let many = (0..<10).map {
            OfflineProtocol.Reader(name: "r\($0)", seeds: [], lastSeedDay: 0, relevant: [], candidateCount: 0)
        }
        let expected = many.map(\.name).sorted {
            OfflineProtocol.sha256Hex("paperboy-recommend:" + $0)
                < OfflineProtocol.sha256Hex("paperboy-recommend:" + $1)
        }
        #expect(OfflineProtocol.sample(many, limit: 3).map(\.name) == Array(expected.prefix(3)).sorted())
        let text = "alice smith\tp1,p2\tp4,p5,p6\t6\nbob jones\tp1,p0\tp6\t3\n"
        #expect(OfflineProtocol.fingerprint(readers) == OfflineProtocol.sha256Hex(text))
        #expect(OfflineProtocol.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func metricsHandComputed() {
        // Relevant a, b, c; ranked a x b y → DCG = 1 + 1/log2(4) = 1.5; IDCG = 1 + 1/log2(3) + 1/2.
        let m = OfflineProtocol.metrics(ranked: ["a", "x", "b", "y"], relevant: ["a", "b", "c"])
        #expect(abs(m.ndcgAt20 - 1.5 / (1.5 + 1 / log2(3.0))) < 1e-12)
        #expect(abs(m.ndcgAt20 - 0.703918) < 1e-6)
        #expect(abs(m.recallAt50 - 2.0 / 3) < 1e-12)
        #expect(m.mrr == 1)
        // One relevant at rank 3: nDCG 1/log2(4) = 0.5, MRR 1/3, recall 1.
        let third = OfflineProtocol.metrics(ranked: ["x", "y", "a"], relevant: ["a"])
        #expect(abs(third.ndcgAt20 - 0.5) < 1e-12 && abs(third.mrr - 1.0 / 3) < 1e-12 && third.recallAt50 == 1)
        // At rank 60: outside nDCG@20 and Recall@50, inside MRR's depth of 100; at rank 101 nothing counts.
        let filler = (0..<59).map { "f\($0)" }
        let late = OfflineProtocol.metrics(ranked: filler + ["a"], relevant: ["a"])
        #expect(late.ndcgAt20 == 0 && late.recallAt50 == 0 && abs(late.mrr - 1.0 / 60) < 1e-12)
        let tooLate = OfflineProtocol.metrics(ranked: (0..<100).map { "g\($0)" } + ["a"], relevant: ["a"])
        #expect(tooLate.mrr == 0)
        // At rank 15: inside nDCG@20 (1/log2(16) = 0.25), which a cut at 10 would miss.
        let fifteenth = OfflineProtocol.metrics(ranked: (0..<14).map { "h\($0)" } + ["a"], relevant: ["a"])
        #expect(abs(fifteenth.ndcgAt20 - 0.25) < 1e-12 && fifteenth.recallAt50 == 1)
        // More than 20 relevant: the ideal DCG is cut at 20, so a perfect top 20 scores 1.
        let many = (0..<30).map { "r\($0)" }
        #expect(abs(OfflineProtocol.metrics(ranked: many, relevant: many).ndcgAt20 - 1) < 1e-12)
    }

    @Test func bootstrapIsSeededAndBracketsTheMean() {
        let values = (0..<200).map { Double($0 % 7) / 6 }
        let a = OfflineProtocol.bootstrap(values), b = OfflineProtocol.bootstrap(values)
        #expect(a == b)
        let mean = values.reduce(0, +) / Double(values.count)
        #expect(a.low < mean && mean < a.high && a.high - a.low < 0.15)
        // Half zeros, half ones (n = 100): the mean's 2.5th/97.5th percentiles are near 0.5 ∓ 1.96 × 0.05.
        let coin = OfflineProtocol.bootstrap((0..<100).map { Double($0 % 2) })
        #expect(coin.low > 0.38 && coin.low < 0.43 && coin.high > 0.57 && coin.high < 0.62)
        let constant = OfflineProtocol.bootstrap([0.25, 0.25, 0.25])
        #expect(constant.low == 0.25 && constant.high == 0.25)
        // SplitMix64 reference value (seed 0), as benchmarks/recommend/peers.py computes it.
        var rng = SplitMix64(seed: 0)
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
    }
}
