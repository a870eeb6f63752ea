import Foundation
import PaperModel
import Testing

@testable import ArxivClient

@Suite("OAI-PMH pages", .enabled(if: Fixtures.available, Fixtures.missing))
struct OAIPageParserTests {
    @Test("0.xml: 1,000 distinct records, the resumption token and its list size")
    func page0() throws {
        let page = try OAIPageParser.parse(try Fixtures.oai0())
        #expect(page.records.count == 1000)
        #expect(Set(page.records.map(\.paper.id)).count == 1000)
        #expect(page.skipped.isEmpty)
        #expect(page.deletions.isEmpty)
        #expect(
            page.resumptionToken == OAIResumptionToken(value: "2752941|1001", completeListSize: 1_405_437, cursor: 0))
        #expect(page.nextToken == "2752941|1001")
        #expect(!page.isFinal)
        #expect(page.responseDate == "2018-06-17T22:12:27Z")
        #expect(page.records.first?.paper.id == "0704.0001")
        #expect(page.records.last?.paper.id == "0704.1000")
    }

    @Test("1.xml: the next 1,000, none repeated from 0.xml")
    func page1() throws {
        let page0 = try OAIPageParser.parse(try Fixtures.oai0())
        let page1 = try OAIPageParser.parse(try Fixtures.oai1())
        #expect(page1.records.count == 1000)
        #expect(page1.skipped.isEmpty)
        #expect(page1.resumptionToken?.cursor == 1000)
        #expect(page1.nextToken == "2752941|2001")
        let ids = Set(page0.records.map(\.paper.id)).union(page1.records.map(\.paper.id))
        #expect(ids.count == 2000)
    }

    @Test("an arXiv record maps to a Paper as the Kaggle importer maps it")
    func firstRecordMapping() throws {
        let record = try #require(try OAIPageParser.parse(try Fixtures.oai0()).records.first)
        #expect(record.identifier == "oai:arXiv.org:0704.0001")
        #expect(record.datestamp == Day("2008-11-26"))
        #expect(record.setSpecs == ["physics:hep-ph"])
        #expect(record.metadataPrefix == .arXiv)
        let paper = record.paper
        #expect(paper.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies")
        #expect(
            paper.abstract.hasPrefix(
                "A fully differential calculation in perturbative quantum chromodynamics is presented"))
        #expect(!paper.abstract.contains("\n") && !paper.abstract.hasSuffix(" "))
        #expect(paper.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan"])
        #expect(paper.categories == ["hep-ph"])
        #expect(paper.version == 1)
        #expect(paper.publishedAt == Date(timeIntervalSince1970: 1_175_472_000))  // 2007-04-02
        #expect(paper.updatedAt == Date(timeIntervalSince1970: 1_185_235_200))  // 2007-07-24
        #expect(paper.comments == "37 pages, 15 figures; published version")
        #expect(paper.journalRef == "Phys.Rev.D76:013009,2007")
        #expect(paper.doi == "10.1103/PhysRevD.76.013009")
        // Second record: two sets, categories in order, entities resolved.
        let page = try OAIPageParser.parse(try Fixtures.oai0())
        #expect(page.records[1].setSpecs == ["cs", "math"])
        #expect(page.records[1].paper.categories == ["math.CO", "cs.CG"])
        #expect(page.records[1].license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/")
        #expect(page.records.last?.paper.title == "Measurement of D0-D0bar mixing in D0->Ks pi+ pi- decays")
    }

    @Test("links in abstracts and comments are extracted by LinkExtractor")
    func links() throws {
        let page = try OAIPageParser.parse(try Fixtures.oai0())
        for record in page.records {
            #expect(
                record.paper.links == LinkExtractor.links(in: [record.paper.abstract, record.paper.comments ?? ""]))
        }
        #expect(page.records.contains { !$0.paper.links.isEmpty })
    }

    @Test("the smaller OAI fixtures: namespaced <arXiv>, indented headers, GetRecord")
    func smallFixtures() throws {
        let hepTh = try OAIPageParser.parse(
            try Fixtures.data("oai/functional__arxiv__fixtures__http_server__records__arxiv-physics-hep-th.xml"))
        #expect(hepTh.records.count == 3)
        #expect(hepTh.records[0].paper.id == "1412.8323")
        #expect(hepTh.records[0].paper.categories.first == "quant-ph")
        #expect(hepTh.isFinal)
        let hepEx = try OAIPageParser.parse(
            try Fixtures.data("oai/functional__arxiv__fixtures__http_server__records__arxiv-physics-hep-ex.xml"))
        #expect(hepEx.records.map(\.paper.id).prefix(3) == ["1706.05371", "1706.09418", "1707.00874"])
        let single = try OAIPageParser.parse(
            try Fixtures.data("oai/functional__arxiv__fixtures__http_server__records__arxiv-single.xml"))
        #expect(single.records.count == 1)
        #expect(single.records[0].setSpecs == ["math", "physics:hep-th", "physics:math-ph", "physics:nlin"])
        #expect(single.records[0].paper.journalRef == "Lett. Math. Phys. 108 (2018), no. 2, 359-376")
    }

    @Test("a malformed record among good ones is skipped with its identifier; the page stands")
    func malformedRecord() throws {
        var data = try Fixtures.replacing("<id>0704.0002</id>", with: "<id>not-an-id</id>", in: try Fixtures.oai0())
        data = try Fixtures.replacing(
            // same record
            "<title>Sparsity-certifying Graph Decompositions</title>", with: "<title>  </title>", in: data)
        data = try Fixtures.replacing(
            "<datestamp>2008-11-26</datestamp>", with: "<datestamp>yesterday</datestamp>", in: data)
        let page = try OAIPageParser.parse(data)
        #expect(page.records.count == 998)
        #expect(page.skipped.map(\.identifier) == ["oai:arXiv.org:0704.0001", "oai:arXiv.org:0704.0002"])
        #expect(page.skipped[1].reason.contains("not-an-id"))
        #expect(page.nextToken == "2752941|1001")
    }

    @Test("truncated XML and an HTML error page are malformed, never half a page")
    func malformedPages() throws {
        let full = try Fixtures.oai0()
        for cut in [full.count / 2, full.count - 40, 10] {
            #expect(throws: ArxivClientError.self) { try OAIPageParser.parse(full.prefix(cut)) }
        }
        #expect(throws: ArxivClientError.self) { try OAIPageParser.parse(Made.htmlErrorPage) }
        #expect(throws: ArxivClientError.self) { try OAIPageParser.parse(Data()) }
        #expect(throws: ArxivClientError.self) { try OAIPageParser.parse(try Fixtures.atom("id_list=1111.2011v2.xml")) }
        let atom = try Fixtures.atom("q_testing_s0_m10_bc5a6c384fe9.body.xml")
        #expect(throws: ArxivClientError.self) { try AtomFeedParser.parse(atom.prefix(atom.count - 10)) }
        #expect(throws: ArxivClientError.self) { try AtomFeedParser.parse(Made.htmlErrorPage) }
    }
}

@Suite("OAI-PMH errors, deletions and arXivRaw")
struct OAIMadeTests {
    @Test("noRecordsMatch is an empty final page; badResumptionToken and others are typed")
    func errors() throws {
        let empty = try OAIPageParser.parse(Made.error("noRecordsMatch"))
        #expect(empty.records.isEmpty && empty.deletions.isEmpty && empty.isFinal)
        #expect(throws: OAIError.badResumptionToken("expired")) {
            try OAIPageParser.parse(Made.error("badResumptionToken", "expired"))
        }
        #expect(throws: OAIError.badArgument("bad from")) {
            try OAIPageParser.parse(Made.error("badArgument", "bad from"))
        }
        #expect(throws: OAIError.cannotDisseminateFormat("x")) {
            try OAIPageParser.parse(Made.error("cannotDisseminateFormat", "x"))
        }
        #expect(throws: OAIError.other(code: "weird", message: "y")) {
            try OAIPageParser.parse(Made.error("weird", "y"))
        }
    }

    @Test("deleted headers surface as deletions with the paper id")
    func deletions() throws {
        let page = try OAIPageParser.parse(
            Made.listRecords(Made.deleted("2101.00001") + Made.deleted("hep-th/9901001", datestamp: "2026-12-01")))
        #expect(page.records.isEmpty)
        #expect(
            page.deletions == [
                OAIDeletion(
                    identifier: "oai:arXiv.org:2101.00001", paperID: "2101.00001", datestamp: Day("2026-11-30"),
                    setSpecs: ["cs"]),
                OAIDeletion(
                    identifier: "oai:arXiv.org:hep-th/9901001", paperID: "hep-th/9901001", datestamp: Day("2026-12-01"),
                    setSpecs: ["cs"]),
            ])
        #expect(page.latestDatestamp == Day("2026-12-01"))
    }

    @Test("arXivRaw: every version, newest version and its date, raw authors split")
    func raw() throws {
        let page = try OAIPageParser.parse(
            Made.listRecords(
                Made.raw(
                    id: "2101.00002",
                    versions: [
                        ("v2", "Tue, 24 Jul 2007 20:10:27 GMT"), ("v1", "Mon, 2 Apr 2007 19:18:42 GMT"),
                        ("v3", "Wed, 1 Aug 2007 08:00:00 GMT"),
                    ])
                    + Made.raw(id: "2101.00003", versions: [("vX", "Mon, 2 Apr 2007 19:18:42 GMT")])
                    + Made.raw(id: "2101.00004", versions: [("v1", "Mon, 2 Apr 2007 19:18:42 GMT")]),
                token: #"<resumptionToken cursor="0" completeListSize="3"></resumptionToken>"#))
        #expect(page.records.count == 2)
        #expect(page.skipped.map(\.identifier) == ["oai:arXiv.org:2101.00003"])
        #expect(page.skipped.first?.reason.contains("vX") == true)
        let record = page.records[0]
        #expect(record.metadataPrefix == .arXivRaw)
        #expect(record.versions.map(\.number) == [1, 2, 3])
        #expect(record.submitter == "Ada Lovelace")
        let paper = record.paper
        #expect(paper.version == 3)
        #expect(paper.publishedAt == Date(timeIntervalSince1970: 1_175_541_522))
        #expect(paper.updatedAt == Date(timeIntervalSince1970: 1_185_955_200))
        #expect(paper.authors == ["Ada Lovelace", "Charles Babbage", "Mary Somerville"])
        #expect(paper.categories == ["cs.LG", "stat.ML"])
        #expect(paper.abstract == "We study raw records.")
        #expect(paper.codeURL == "https://github.com/example/raw")
        #expect(page.records[1].paper.version == 1 && page.records[1].paper.updatedAt == nil)
        // The last page's token is empty: final, with the list size kept.
        #expect(page.isFinal)
        #expect(page.resumptionToken?.completeListSize == 3)
    }

    @Test("long id lists are looked up in batches")
    func batchedLookup() async throws {
        let replay = ReplayArxivService { _ in ReplayArxivService.emptyFeed }
        let ids = (1...250).map { String(format: "2101.%05d", $0) }
        let found = try await replay.lookup(ids: ids)
        #expect(found.isEmpty)
        let batches = replay.requests.compactMap { request -> [String]? in
            if case .query(let query) = request { return query.idList }
            return nil
        }
        #expect(batches.map(\.count) == [100, 100, 50])
        #expect(batches.flatMap { $0 } == ids)
    }

    @Test("request arguments: a harvest's first page, then the token alone")
    func requestItems() throws {
        let first = OAIListRecords(
            metadataPrefix: .arXivRaw, from: Day("2026-11-01"), until: Day("2026-11-30"), set: "physics:hep-th")
        #expect(
            first.queryItems.map { "\($0.name)=\($0.value)" } == [
                "verb=ListRecords", "metadataPrefix=arXivRaw", "from=2026-11-01", "until=2026-11-30",
                "set=physics:hep-th",
            ])
        #expect(
            OAIListRecords.resuming("2752941|1001").queryItems.map { "\($0.name)=\($0.value)" } == [
                "verb=ListRecords", "resumptionToken=2752941|1001",
            ])
        let url = try LiveArxivService.url(
            "https://oaipmh.arxiv.org/oai", OAIListRecords.resuming("a|b+c d").queryItems)
        #expect(url == "https://oaipmh.arxiv.org/oai?verb=ListRecords&resumptionToken=a%7Cb%2Bc%20d")
        #expect(throws: ArxivClientError.self) { try LiveArxivService.url("ftp://x/oai", []) }
    }
}

@Suite("Atom query API", .enabled(if: Fixtures.available, Fixtures.missing))
struct AtomFeedParserTests {
    @Test("id_list with a versioned id: authors, dates, categories primary first, DOI, links")
    func versionedLookup() throws {
        let page = try AtomFeedParser.parse(try Fixtures.atom("id_list=1111.2011v2.xml"))
        #expect(page.totalResults == 1)
        let entry = try #require(page.entries.first)
        #expect(page.entries.count == 1)
        #expect(entry.versionedID == "1111.2011v2")
        #expect(entry.pdfURL == "http://arxiv.org/pdf/1111.2011v2")
        #expect(entry.absURL == "http://arxiv.org/abs/1111.2011v2")
        #expect(entry.doiURL == "http://dx.doi.org/10.1103/PhysRevB.85.115117")
        #expect(entry.primaryCategory == "cond-mat.str-el")
        let paper = entry.paper
        #expect(paper.id == "1111.2011")
        #expect(paper.version == 2)
        #expect(
            paper.title == "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit")
        #expect(paper.authors == ["James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic"])
        #expect(paper.categories == ["cond-mat.str-el", "cond-mat.stat-mech"])
        #expect(paper.publishedAt == Date(timeIntervalSince1970: 1_320_778_116))
        #expect(paper.updatedAt == Date(timeIntervalSince1970: 1_333_370_334))
        #expect(paper.doi == "10.1103/PhysRevB.85.115117")
        #expect(paper.journalRef == "Phys. Rev. B 85, 115117 (2012)")
        #expect(paper.comments == "8 pages, 3 figures. Published version")
        #expect(paper.abstract.hasPrefix("Theoretical description of anisotropic systems"))
    }

    @Test("an old-style id: version 1, no update, four authors")
    func oldStyle() throws {
        let entry = try #require(
            try AtomFeedParser.parse(try Fixtures.atom("id_astro-ph_0601001_s0_m100_3150dca9dc76.body.xml")).entries
                .first)
        #expect(entry.paper.id == "astro-ph/0601001")
        #expect(entry.paper.version == 1)
        #expect(entry.paper.authors.count == 4)
        #expect(entry.paper.updatedAt == nil)
        #expect(entry.paper.publishedAt == Date(timeIntervalSince1970: 1_136_213_878))
        #expect(entry.pdfURL == "https://arxiv.org/pdf/astro-ph/0601001v1")
        #expect(entry.paper.journalRef == "ActaAstron.56:1-50,2006")
    }

    @Test("an unknown id is an empty result; the 400 error body is a typed error")
    func emptyAndError() throws {
        let empty = try AtomFeedParser.parse(try Fixtures.atom("id_0000.0000_s0_m100_8b51d9633a68.body.xml"))
        #expect(empty.entries.isEmpty && empty.totalResults == 0)
        #expect(
            throws: ArxivAPIError(
                id: "https://arxiv.org/api/errors#incorrect_id_format_for_abc", message: "incorrect id format for abc",
                httpStatus: 400)
        ) { try AtomFeedParser.parse(try Fixtures.atom("id_abc_s0_m100_b79c8dcf6bc3.body.xml"), httpStatus: 400) }
    }

    @Test("search paging: 10 per page, pages disjoint, total results")
    func paging() throws {
        let first = try AtomFeedParser.parse(try Fixtures.atom("q_testing_s0_m10_bc5a6c384fe9.body.xml"))
        let second = try AtomFeedParser.parse(try Fixtures.atom("q_testing_s10_m10_34e56e15aaac.body.xml"))
        let big = try AtomFeedParser.parse(try Fixtures.atom("q_testing_s0_m100_cfe7536492ca.body.xml"))
        #expect(first.entries.count == 10 && second.entries.count == 10 && big.entries.count == 100)
        #expect(first.totalResults == 214_881 && second.startIndex == 10)
        #expect(Set(first.entries.map(\.paper.id)).isDisjoint(with: second.entries.map(\.paper.id)))
        #expect(big.skipped.isEmpty)
        #expect(big.entries.allSatisfy { !$0.paper.authors.isEmpty && $0.paper.publishedAt != nil && $0.pdfURL != nil })
    }

    @Test("query arguments: ids normalized, titles as ti: terms")
    func queryItems() {
        let lookup = ArxivQuery(
            idList: ["2210.14199", " arXiv:2210.14199v2", "https://arxiv.org/abs/hep-th/9901001", "abc"], maxResults: 4)
        #expect(lookup.normalizedIDs == ["2210.14199", "2210.14199v2", "hep-th/9901001", "abc"])
        #expect(
            ArxivQuery.titleQuery(#"Quantum "criticality" (large)"#) == "ti:Quantum AND ti:criticality AND ti:large")
    }
}
