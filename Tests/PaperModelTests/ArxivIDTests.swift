import Testing

@testable import PaperModel

@Suite("arXiv identifiers")
struct ArxivIDTests {
    @Test(
        "accepted forms normalize to base and version",
        arguments: [
            ("2210.14199", "2210.14199", nil),
            ("2210.14199v2", "2210.14199", 2),
            ("arXiv:2210.14199v3", "2210.14199", 3),
            ("ARXIV:2210.14199", "2210.14199", nil),
            ("https://arxiv.org/abs/2210.14199v2", "2210.14199", 2),
            ("http://arxiv.org/abs/2210.14199", "2210.14199", nil),
            ("https://arxiv.org/pdf/2210.14199v1.pdf", "2210.14199", 1),
            ("https://arxiv.org/pdf/2210.14199", "2210.14199", nil),
            ("arxiv.org/abs/2106.06021?context=cs", "2106.06021", nil),
            ("https://export.arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001", 1),
            ("hep-th/9901001", "hep-th/9901001", nil),
            ("math.GT/0309136", "math/0309136", nil),
            ("cond-mat/0703470v2", "cond-mat/0703470", 2),
            ("0704.0001", "0704.0001", nil),
            ("1412.9999", "1412.9999", nil),
            ("1501.00001v10", "1501.00001", 10),
            ("  2604.27039  ", "2604.27039", nil),
        ] as [(String, String, Int?)])
    func parses(input: String, base: String, version: Int?) throws {
        let id = try #require(ArxivID.parse(input))
        #expect(id.base == base)
        #expect(id.version == version)
    }

    @Test(
        "rejected inputs",
        arguments: [
            "", "abc", "2210.1419", "2210.141999", "1501.0001", "1412.00001", "0703.0001", "2213.00001",
            "hep-th/990100", "notanarchive/9901001", "https://example.org/abs/2210.14199", "2210.14199v",
            "2210.14199vx", "github.com/2210.14199", "pb-0123456789ab", String(repeating: "1", count: 500),
        ])
    func rejects(input: String) {
        #expect(ArxivID.parse(input) == nil)
    }

    @Test func urlsAndOrdering() throws {
        let id = try #require(ArxivID.parse("2210.14199v2"))
        #expect(id.absURL == "https://arxiv.org/abs/2210.14199v2")
        #expect(id.pdfURL == "https://arxiv.org/pdf/2210.14199v2")
        #expect(ArxivID.parse("2210.14199v1")! < id)
    }

    @Test func localIDsAreStableAndNeverArxivIDs() {
        let a = LocalPaperID.make(title: "VidLanKD: Improving  Language Understanding")
        let b = LocalPaperID.make(title: "vidlankd: improving language\nunderstanding ")
        #expect(a == b)
        #expect(a.hasPrefix("pb-") && a.count == 15)
        #expect(LocalPaperID.isLocal(a))
        #expect(ArxivID.parse(a) == nil)
        #expect(LocalPaperID.make(title: "Another paper") != a)
        #expect(!LocalPaperID.isLocal("2210.14199"))
        #expect(PaperIdentifier.canonical(a) == a)
        #expect(PaperIdentifier.canonical("arXiv:2210.14199v4") == "2210.14199")
        #expect(PaperIdentifier.canonical("nonsense") == nil)
    }

    @Test func days() throws {
        let day = try #require(Day("2026-05-30"))
        #expect(day.description == "2026-05-30")
        #expect(day.adding(days: 2).description == "2026-06-01")
        #expect(Day("2026-02-30") == nil)
        #expect(Day("2026-5-30") == nil)
        #expect(Day("20260530") == nil)
        #expect(Day("2024-02-29") != nil)
        #expect(Day("1970-01-02")!.daysSinceEpoch == 1)
    }
}
