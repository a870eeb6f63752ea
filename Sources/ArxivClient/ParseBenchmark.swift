import Foundation

/// Parse throughput of recorded OAI pages, for `ArxivClientTests` and one-off measurements in a release build.
public enum ArxivParseBenchmark {
    public struct Result: Sendable, CustomStringConvertible {
        public var records: Int
        public var bytes: Int
        /// Wall-clock seconds.
        public var seconds: Double
        /// CPU seconds of the parsing thread: steadier than wall time on a machine that is busy with other work.
        public var cpuSeconds: Double
        public var recordsPerSecond: Double { Double(records) / seconds }
        public var recordsPerCPUSecond: Double { Double(records) / cpuSeconds }
        public var description: String {
            String(
                format:
                    "%d records (%.1f MB) in %.3f s wall, %.3f s CPU: %.0f records/s wall, %.0f records/CPU-s, %.1f MB/CPU-s",
                records, Double(bytes) / 1e6, seconds, cpuSeconds, recordsPerSecond, recordsPerCPUSecond,
                Double(bytes) / cpuSeconds / 1e6)
        }
    }

    /// Parses every page `repetitions` times (after one warm-up pass) and counts records and deletions.
    public static func run(pages: [Data], repetitions: Int = 5) throws -> Result {
        for page in pages { _ = try OAIPageParser.parse(page) }
        var records = 0
        var bytes = 0
        let start = DispatchTime.now().uptimeNanoseconds
        let cpuStart = threadCPUSeconds()
        for _ in 0..<max(1, repetitions) {
            for page in pages {
                let parsed = try OAIPageParser.parse(page)
                records += parsed.records.count + parsed.deletions.count
                bytes += page.count
            }
        }
        let cpu = threadCPUSeconds() - cpuStart
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Result(records: records, bytes: bytes, seconds: seconds, cpuSeconds: cpu)
    }

    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
