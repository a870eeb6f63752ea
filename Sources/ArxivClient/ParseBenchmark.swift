import Foundation

/// Parse throughput of recorded OAI pages, for `ArxivClientTests` and one-off measurements in a release build.
public enum ArxivParseBenchmark {
    public struct Result: Sendable, CustomStringConvertible {
        public var records: Int
        public var bytes: Int
        public var seconds: Double
        public var recordsPerSecond: Double { Double(records) / seconds }
        public var megabytesPerSecond: Double { Double(bytes) / seconds / 1e6 }
        public var description: String {
            String(
                format: "%d records (%.1f MB) in %.3f s: %.0f records/s, %.1f MB/s", records, Double(bytes) / 1e6, seconds,
                recordsPerSecond, megabytesPerSecond)
        }
    }

    /// Parses every page `repetitions` times (after one warm-up pass) and counts records and deletions.
    public static func run(pages: [Data], repetitions: Int = 5) throws -> Result {
        for page in pages { _ = try OAIPageParser.parse(page) }
        var records = 0
        var bytes = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<max(1, repetitions) {
            for page in pages {
                let parsed = try OAIPageParser.parse(page)
                records += parsed.records.count + parsed.deletions.count
                bytes += page.count
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Result(records: records, bytes: bytes, seconds: seconds)
    }
}
