import Crypto
import Foundation
import PaperSupport
import SearchEval

/// The offline evaluation of `paperboy eval recommend` (and `benchmarks/recommend/peers.py`, which must agree to
/// the byte): authors stand in for readers, their earliest papers for upvotes, their later papers for what they
/// would have wanted. Engine-agnostic: it picks readers and scores rankings, it does not rank.
public enum OfflineProtocol {
    public struct Paper: Sendable, Equatable {
        /// Base arXiv id (no version).
        public var id: String
        public var day: Int
        public var authors: [String]
        public init(id: String, day: Int, authors: [String]) {
            self.id = id
            self.day = day
            self.authors = authors
        }
    }

    public struct Reader: Sendable, Equatable {
        /// Normalized author name.
        public var name: String
        /// Paper ids, earliest first.
        public var seeds: [String]
        public var lastSeedDay: Int
        /// Ids of the reader's papers announced strictly after the last seed, sorted.
        public var relevant: [String]
        /// Papers announced strictly after the last seed (the candidates).
        public var candidateCount: Int
    }

    public struct Metrics: Sendable, Equatable {
        public var ndcgAt20: Double
        public var recallAt50: Double
        public var mrr: Double
    }

    /// Rankings are cut to this depth; MRR counts the first relevant paper within it.
    public static let depth = 100

    /// Readers: normalized authors with at least `minPapers` distinct papers and at least one paper announced
    /// after their `seeds` earliest (papers ordered by announce day, ties by id as bytes). Sorted by name.
    public static func readers(_ papers: [Paper], seeds: Int, minPapers: Int) -> [Reader] {
        var byAuthor: [String: [Int]] = [:]
        for (i, paper) in papers.enumerated() {
            var seen = Set<String>()
            for author in paper.authors {
                let name = AuthorKey.normalize(author)
                guard !name.isEmpty, seen.insert(name).inserted else { continue }
                byAuthor[name, default: []].append(i)
            }
        }
        let sortedDays = papers.map(\.day).sorted()
        func countAfter(_ day: Int) -> Int {
            var lo = 0, hi = sortedDays.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if sortedDays[mid] <= day { lo = mid + 1 } else { hi = mid }
            }
            return sortedDays.count - lo
        }
        var readers: [Reader] = []
        for (name, indices) in byAuthor where indices.count >= max(minPapers, seeds + 1) {
            let ordered = indices.sorted {
                let a = papers[$0], b = papers[$1]
                return a.day != b.day ? a.day < b.day : bytesPrecede(a.id, b.id)
            }
            let seedPapers = ordered.prefix(seeds).map { papers[$0] }
            let lastDay = seedPapers.last!.day
            let relevant = ordered.dropFirst(seeds).map { papers[$0] }.filter { $0.day > lastDay }.map(\.id)
            guard !relevant.isEmpty else { continue }
            readers.append(
                Reader(
                    name: name, seeds: seedPapers.map(\.id), lastSeedDay: lastDay,
                    relevant: relevant.sorted(by: bytesPrecede), candidateCount: countAfter(lastDay)))
        }
        return readers.sorted { bytesPrecede($0.name, $1.name) }
    }

    /// At most `limit` readers: ordered by SHA-256("paperboy-recommend:" + name) in hex, the first `limit`,
    /// returned sorted by name.
    public static func sample(_ readers: [Reader], limit: Int) -> [Reader] {
        let keyed = readers.map { (key: sha256Hex("paperboy-recommend:" + $0.name), reader: $0) }
        return keyed.sorted { $0.key < $1.key }.prefix(max(0, limit)).map(\.reader).sorted {
            bytesPrecede($0.name, $1.name)
        }
    }

    /// SHA-256 over one line per reader (sorted by name): name, seeds, relevant ids, candidate count.
    public static func fingerprint(_ readers: [Reader]) -> String {
        var text = ""
        for r in readers.sorted(by: { bytesPrecede($0.name, $1.name) }) {
            text +=
                "\(r.name)\t\(r.seeds.joined(separator: ","))\t\(r.relevant.joined(separator: ","))\t\(r.candidateCount)\n"
        }
        return sha256Hex(text)
    }

    /// nDCG@20 (binary gains, log2 discount), Recall@50 and reciprocal rank within `depth`.
    public static func metrics(ranked: [String], relevant: [String]) -> Metrics {
        var judgments: [String: Int] = [:]
        for id in relevant { judgments[id] = 1 }
        let cut = Array(ranked.prefix(depth))
        return Metrics(
            ndcgAt20: RetrievalMetrics.ndcg(ranked: cut, judgments: judgments, k: 20),
            recallAt50: RetrievalMetrics.recall(ranked: cut, judgments: judgments, k: 50),
            mrr: RetrievalMetrics.reciprocalRank(ranked: cut, judgments: judgments, k: depth))
    }

    /// Percentile bootstrap 95% interval of the mean: `resamples` resamples of the values with replacement,
    /// indices drawn as SplitMix64(seed).next() % n; the 2.5th and 97.5th percentiles of the sorted means
    /// (positions floor(0.025 R) and floor(0.975 R) - 1).
    public static func bootstrap(
        _ values: [Double], resamples: Int = 1000, seed: UInt64 = 20_261_202
    ) -> (low: Double, high: Double) {
        guard !values.isEmpty, resamples > 0 else { return (0, 0) }
        var rng = SplitMix64(seed: seed)
        let n = UInt64(values.count)
        var means: [Double] = []
        means.reserveCapacity(resamples)
        for _ in 0..<resamples {
            var sum = 0.0
            for _ in 0..<values.count { sum += values[Int(rng.next() % n)] }
            means.append(sum / Double(values.count))
        }
        means.sort()
        let low = means[min(resamples - 1, Int(0.025 * Double(resamples)))]
        let high = means[max(0, Int(0.975 * Double(resamples)) - 1)]
        return (low, high)
    }

    public static func sha256Hex(_ text: String) -> String {
        hex(SHA256.hash(data: Data(text.utf8)))
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    static func bytesPrecede(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}

extension OfflineProtocol {
    /// Streaming SHA-256 (hex), for hashing large files such as model weights.
    public struct SHA256Stream {
        var hasher = SHA256()
        public init() {}
        public mutating func update(_ data: Data) { hasher.update(data: data) }
        public func finalize() -> String { OfflineProtocol.hex(hasher.finalize()) }
    }
}
