import Foundation
import Testing

@testable import Recommendations

/// A small handmade window: three topics, old papers (day 10) the reader knows, new ones (day 20+) to rank.
enum Corpus {
    static let molecules = [
        (
            "Graph neural networks for molecular property prediction",
            "We predict molecular properties with message passing graph neural networks over atoms and bonds."
        ),
        (
            "Equivariant message passing for molecules",
            "An equivariant graph neural network for molecular conformations and property prediction of small molecules."
        ),
        (
            "Protein folding with graph transformers",
            "Protein structure prediction with graph transformers over residues; folding accuracy improves on benchmarks."
        ),
    ]
    static let newMolecules = [
        (
            "Scalable graph neural networks for molecular dynamics",
            "Message passing graph neural networks simulate molecular dynamics of atoms at scale."
        ),
        (
            "Protein folding pathways from graph transformers",
            "We study protein folding pathways with graph transformers over residues and contact maps."
        ),
        (
            "Self-supervised pretraining of molecular graph networks",
            "Pretraining graph neural networks on unlabeled molecules improves molecular property prediction."
        ),
    ]
    static let other = [
        (
            "Speech recognition with conformers",
            "Automatic speech recognition of spoken audio with conformer acoustic models and beam search."
        ),
        (
            "Query optimization in relational databases",
            "Cost based query optimization for relational database systems with join ordering."
        ),
        (
            "Image segmentation with diffusion priors",
            "Semantic image segmentation of street scenes using diffusion model priors and pixel decoders."
        ),
        (
            "Reinforcement learning for robot grasping",
            "A robot arm learns grasping policies with reinforcement learning from camera images."
        ),
        (
            "Compiler autotuning with bandits",
            "Bandit algorithms tune compiler flags and loop unrolling for faster programs."
        ),
        (
            "Federated learning under client drift",
            "Federated optimization across clients with heterogeneous data and drift correction."
        ),
        (
            "Neural machine translation for low resource languages",
            "Translation models for low resource language pairs with back translation of monolingual text."
        ),
        (
            "Blockchain consensus latency",
            "Measuring consensus latency and throughput of proof of stake blockchain networks."
        ),
        (
            "Sparse attention for long documents",
            "Efficient sparse attention patterns let transformers read long documents for summarization."
        ),
    ]

    static func paper(
        _ id: String, _ t: (String, String), day: Int, categories: [String] = ["cs.LG"],
        authors: [String] = ["Some One"], vector: [Float]? = nil
    ) -> CandidatePaper {
        CandidatePaper(
            id: id, title: t.0, abstract: t.1, categories: categories, authors: authors, day: day, vector: vector)
    }

    /// Old molecule papers (m1-m3, day 10), new ones (n1-n3, day 20-22) and unrelated papers (o1-o9, day 20-28).
    static func window(vectors: Bool = false) -> [CandidatePaper] {
        func v(_ topic: Int, _ k: Int) -> [Float]? {
            guard vectors else { return nil }
            // One direction per topic plus one per paper: papers of a topic are related (cosine ~0.6), not
            // duplicates; a new paper shares its second direction with the old paper it continues.
            var x = [Float](repeating: 0.05, count: 8)
            x[topic] = 1
            x[(k + 3) % 8] += 0.8
            return x
        }
        var papers: [CandidatePaper] = []
        for (k, t) in molecules.enumerated() { papers.append(paper("2501.0000\(k + 1)", t, day: 10, vector: v(0, k))) }
        // n1 continues m1, n2 (protein folding) continues m3, n3 continues m2.
        for (k, t) in newMolecules.enumerated() {
            papers.append(paper("2502.0000\(k + 1)", t, day: 20 + k, vector: v(0, [0, 2, 1][k])))
        }
        for (k, t) in other.enumerated() {
            papers.append(paper("2502.001\(k)0", t, day: 20 + k, categories: ["cs.CL"], vector: v(1 + k % 7, k)))
        }
        return papers
    }

    static func positives(_ papers: [CandidatePaper]) -> [SignalPaper] {
        papers.prefix(3).map { SignalPaper(id: $0.id, title: $0.title, abstract: $0.abstract) }
    }
}

@Suite struct RecommenderTests {
    @Test(arguments: [false, true])
    func topicReaderSeesTopicFirstWithTheRightBecause(vectors: Bool) {
        let papers = Corpus.window(vectors: vectors)
        let index = RecommendationIndex(candidates: papers)
        var options = RecommendationOptions()
        options.minimumDay = 11
        options.limit = 6
        let result = index.recommend(ReaderProfile(positives: Corpus.positives(papers)), options: options)
        #expect(!result.coldStart)
        #expect(result.usedEmbeddings == vectors)
        let top3 = Set(result.items.prefix(3).map(\.id))
        #expect(top3 == ["2502.00001", "2502.00002", "2502.00003"])
        // The protein-folding paper is explained by the upvoted protein-folding paper.
        let folding = result.items.first { $0.id == "2502.00002" }
        #expect(folding?.becauseOf?.id == "2501.00003")
        #expect(folding?.terms.contains { $0.contains("protein") || $0.contains("folding") } == true)
        #expect(result.items.first { $0.id == "2502.00001" }?.becauseOf?.id == "2501.00001")
        #expect(result.items.allSatisfy { $0.becauseOf != nil && $0.reason == .similar })
    }

    @Test func upvotedRejectedAndExcludedNeverAppear() {
        let papers = Corpus.window()
        let index = RecommendationIndex(candidates: papers)
        var options = RecommendationOptions()
        options.limit = 100
        let rejected = SignalPaper(id: papers[4].id, title: papers[4].title, abstract: papers[4].abstract)
        let signals = ReaderProfile(
            positives: Corpus.positives(papers), negatives: [rejected], excluded: [papers[5].id + "v2"])
        let ids = Set(index.recommend(signals, options: options).items.map { PaperKey.base($0.id) })
        #expect(ids.count == papers.count - 5)
        for gone in papers.prefix(6).map(\.id) where gone != papers[3].id { #expect(!ids.contains(gone)) }
        #expect(ids.contains(papers[3].id))
        // Cold start honours exclusions too.
        let cold = index.recommend(ReaderProfile(negatives: [rejected], excluded: [papers[5].id]), options: options)
        #expect(!cold.items.contains { $0.id == rejected.id || $0.id == papers[5].id })
    }

    @Test func versionsAreDeduplicated() {
        var papers = Corpus.window()
        papers.append(Corpus.paper("2502.00001v2", Corpus.newMolecules[0], day: 20))
        papers.append(Corpus.paper("2502.00001v1", Corpus.newMolecules[0], day: 20))
        papers.append(Corpus.paper("2501.00001v3", Corpus.molecules[0], day: 30))
        let index = RecommendationIndex(candidates: papers)
        #expect(index.count == Corpus.window().count)
        var options = RecommendationOptions()
        options.limit = 100
        let result = index.recommend(
            ReaderProfile(
                positives: [SignalPaper(id: "2501.00001v1", title: "", abstract: "")]
                    + Corpus.positives(papers).dropFirst()), options: options)
        let bases = result.items.map { PaperKey.base($0.id) }
        #expect(bases.count == Set(bases).count)
        #expect(result.items.filter { PaperKey.base($0.id) == "2502.00001" }.map(\.id) == ["2502.00001v2"])
        #expect(!bases.contains("2501.00001"))  // the upvoted paper's later version is not shown
        #expect(PaperKey.base("hep-th/9901001v12") == "hep-th/9901001" && PaperKey.base("2501.00001") == "2501.00001")
    }

    @Test func nearDuplicatesAreDiversified() {
        // Four re-posts of 2502.00001 under other ids: five copies of one paper.
        var papers = Corpus.window()
        for k in 0..<4 { papers.append(Corpus.paper("2503.0000\(k)", Corpus.newMolecules[0], day: 25)) }
        let copies = Set((0..<4).map { "2503.0000\($0)" } + ["2502.00001"])
        let index = RecommendationIndex(candidates: papers)
        var options = RecommendationOptions()
        options.minimumDay = 11
        options.limit = 8
        let diverse = index.recommend(ReaderProfile(positives: Corpus.positives(papers)), options: options)
        options.diversityPenalty = 0
        let plain = index.recommend(ReaderProfile(positives: Corpus.positives(papers)), options: options)
        // Without diversity the five copies sit together in the top 7; with it, one of them is shown.
        #expect(plain.items.prefix(7).filter { copies.contains($0.id) }.count == 5)
        #expect(diverse.items.filter { copies.contains($0.id) }.count == 1)
        #expect(Set(diverse.items.prefix(3).map(\.id)).isSuperset(of: ["2502.00002", "2502.00003"]))
        #expect(diverse.items.count == 8)
    }

    @Test func coldStartIsFlaggedAndOrderedByFollowsCategoriesTrending() {
        var papers = Corpus.window()
        papers.append(
            Corpus.paper("2504.00001", Corpus.other[0], day: 21, categories: ["cs.SD"], authors: ["José  García-López"])
        )
        papers.append(Corpus.paper("2504.00002", Corpus.other[1], day: 22, categories: ["cs.DB"]))
        papers.append(Corpus.paper("2504.00003", Corpus.other[2], day: 23, categories: ["cs.DB", "cs.IR"]))
        let index = RecommendationIndex(candidates: papers)
        var options = RecommendationOptions()
        options.minimumDay = 11
        options.limit = 8
        options.trending = ["2502.00003", "2502.00110", "2501.00001"]  // the last is outside the window
        let signals = ReaderProfile(followedAuthors: ["jose garcia lopez"], followedCategories: ["CS.DB"])
        let result = index.recommend(signals, options: options)
        #expect(result.coldStart)
        #expect(
            result.items.map(\.id).prefix(6) == [
                "2504.00001", "2504.00003", "2504.00002", "2502.00003", "2502.00110", "2502.00180",
            ])
        #expect(result.items[0].reason == .followedAuthor && result.items[0].followedAuthor == "José  García-López")
        #expect(result.items[1].reason == .followedCategory && result.items[1].followedCategory == "cs.db")
        #expect(result.items[3].reason == .trending && result.items[5].reason == .recent)
        // Nothing at all: trending, then newest.
        let bare = index.recommend(ReaderProfile(), options: options)
        #expect(bare.coldStart && bare.items.first?.id == "2502.00003")
    }

    @Test func followedAuthorIsTheReasonWhenWarm() {
        var papers = Corpus.window()
        papers.append(Corpus.paper("2504.00001", Corpus.other[3], day: 21, authors: ["Ada Lovelace"]))
        let index = RecommendationIndex(candidates: papers)
        var options = RecommendationOptions()
        options.minimumDay = 11
        let result = index.recommend(
            ReaderProfile(positives: Corpus.positives(papers), followedAuthors: ["ADA LOVELACE"]), options: options)
        let item = result.items.first { $0.id == "2504.00001" }
        #expect(item?.reason == .followedAuthor && item?.followedAuthor == "Ada Lovelace")
        #expect(result.items.prefix(4).contains { $0.id == "2504.00001" })
        #expect(result.items.filter { $0.reason == .followedAuthor }.count == 1)
    }

    @Test func webAddressesWeighButAreNeverShownAsTerms() {
        // The molecule papers, old and new, link one repository: its pieces are shared terms of exactly the
        // reader's topic, so they weigh in the model, and without care would be "the terms that weighed most".
        let link = " Code: https://github.com/molecule-lab/graphnets and www.example.org/data."
        let papers = Corpus.window().map { p -> CandidatePaper in
            var p = p
            if p.id.hasPrefix("2501.") || p.id.hasPrefix("2502.0000") { p.abstract += link }
            return p
        }
        let index = RecommendationIndex(candidates: papers)
        var options = RecommendationOptions()
        options.minimumDay = 11
        options.explanationTerms = 20
        let result = index.recommend(ReaderProfile(positives: Corpus.positives(papers)), options: options)
        #expect(Set(result.items.prefix(3).map(\.id)) == ["2502.00001", "2502.00002", "2502.00003"])
        let shown = Set(result.items.flatMap(\.terms).flatMap { $0.split(separator: " ").map(String.init) })
        for piece in ["https", "github", "com", "molecule-lab", "lab", "graphnets", "www", "example", "org"] {
            #expect(!shown.contains(piece), "\(piece) is part of an address")
        }
        #expect(shown.contains { $0.hasPrefix("molecul") }, "words of the running text are still shown")
        #expect(
            TermExtractor.webAddresses("see HTTPS://x.io/a, www.b.org and GitHub.com/c/d; e/f not")
                .map { $0.count } == [15, 9, 15])
        #expect(TermExtractor.webAddresses("no address here, only and/or words").isEmpty)
    }

    @Test func authorNamesNormalize() {
        #expect(AuthorKey.normalize("  José  García-López ") == "jose garcia lopez")
        #expect(AuthorKey.normalize("O'Brien, J.") == "o brien j")
        #expect(AuthorKey.normalize("Zoë Ångström") == "zoe angstrom")
        #expect(AuthorKey.normalize("...") == "")
    }
}
