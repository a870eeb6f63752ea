import Foundation
import Testing

@testable import ArxivClient

@Suite("Parse throughput", .enabled(if: Fixtures.available, Fixtures.missing))
struct ThroughputTests {
    /// Prints records/s over 0.xml + 1.xml. Only a release build is held to a floor (per CPU-second, so a busy
    /// machine does not fail it): the whole harvest
    /// (parse and apply) must reach 10,000 records/s, so parsing alone must be well above it.
    @Test("0.xml + 1.xml parse throughput")
    func throughput() throws {
        let result = try ArxivParseBenchmark.run(pages: [try Fixtures.oai0(), try Fixtures.oai1()], repetitions: 3)
        print("ArxivClient parse throughput: \(result)")
        #expect(result.records == 6000)
        #if !DEBUG
        #expect(result.recordsPerCPUSecond >= 20_000, "\(result)")
        #endif
    }
}
