import Foundation
import PaperModel
import PaperStore

/// A store for "For you": three older quantum error correction papers (the seeds a reader upvotes), each with a
/// close new counterpart in the two weeks before `RecommendationFixture.now`, and new papers on other topics.
public enum RecommendationFixture {
    /// The tests' "now": 2026-06-15 12:00 UTC; the default 14-day window is June 2 – June 15.
    public static let now = Day("2026-06-15")!.startDate.addingTimeInterval(12 * 3600)

    /// Seeds, published in April (outside the window). The first title carries markup that must stay text.
    public static let seeds = ["2604.00001", "2604.00002", "2604.00003"]
    /// The new papers on the seeds' topic, two per seed: `topic[i]`'s nearest positive is `nearestSeed[topic[i]]`.
    public static let topic = ["2606.00101", "2606.00102", "2606.00103", "2606.00104", "2606.00105", "2606.00106"]
    public static let nearestSeed = [
        "2606.00101": "2604.00001", "2606.00102": "2604.00001", "2606.00103": "2604.00002",
        "2606.00104": "2604.00002", "2606.00105": "2604.00003", "2606.00106": "2604.00003",
    ]
    public static let scriptTitle = "Surface code decoding with <script>alert(1)</script> matching"

    static func day(_ text: String) -> Date { Day(text)!.startDate.addingTimeInterval(9 * 3600) }

    public static let papers: [Paper] = [
        Paper(
            id: "2604.00001", title: scriptTitle,
            abstract:
                "We decode the surface code for quantum error correction using minimum weight perfect matching on syndrome measurements of noisy qubits.",
            authors: ["Sam Seed"], categories: ["quant-ph"], publishedAt: day("2026-04-01")),
        Paper(
            id: "2604.00002", title: "Logical qubits from color codes",
            abstract:
                "Color codes protect logical qubits; we study quantum error correction thresholds under circuit noise with transversal gates.",
            authors: ["Sam Seed"], categories: ["quant-ph"], publishedAt: day("2026-04-02")),
        Paper(
            id: "2604.00003", title: "Fault tolerant magic state distillation",
            abstract:
                "Magic state distillation enables fault tolerant quantum computation; we lower the qubit overhead of distillation factories.",
            authors: ["Sam Seed"], categories: ["quant-ph"], publishedAt: day("2026-04-03")),
        Paper(
            id: "2606.00101", title: "Neural decoders for the surface code",
            abstract:
                "A neural network decoder for the surface code reaches minimum weight perfect matching accuracy on syndrome measurements, improving quantum error correction of noisy qubits.",
            authors: ["Alice Quantum"], categories: ["quant-ph"], publishedAt: day("2026-06-10")),
        Paper(
            id: "2606.00102", title: "Faster matching decoders for surface code syndromes",
            abstract:
                "Union find and minimum weight perfect matching decoders for surface code syndrome measurements of noisy qubits.",
            authors: ["Alice Quantum"], categories: ["quant-ph"], publishedAt: day("2026-06-14")),
        Paper(
            id: "2606.00103", title: "Color code thresholds with transversal gates",
            abstract:
                "We compute thresholds of color codes for logical qubits with transversal gates under circuit noise, advancing quantum error correction.",
            authors: ["Bob Qubit"], categories: ["quant-ph"], publishedAt: day("2026-06-11")),
        Paper(
            id: "2606.00104", title: "Logical qubits in color codes under circuit noise",
            abstract: "Transversal gates on color codes protect logical qubits; thresholds under circuit noise.",
            authors: ["Bob Qubit"], categories: ["quant-ph"], publishedAt: day("2026-06-13")),
        Paper(
            id: "2606.00105", title: "Cheaper magic state distillation factories",
            abstract:
                "New distillation factories cut the qubit overhead of magic state distillation for fault tolerant quantum computation.",
            authors: ["Carol Magic"], categories: ["quant-ph"], publishedAt: day("2026-06-12")),
        Paper(
            id: "2606.00106", title: "Magic state cultivation",
            abstract:
                "Cultivation grows magic states for fault tolerant computation with a small overhead, tuned by reinforcement learning policies on images of the lattice.",
            authors: ["Carol Magic"], categories: ["quant-ph"], publishedAt: day("2026-06-02")),
        Paper(
            id: "2606.00201", title: "Protein folding with diffusion models",
            abstract: "Diffusion models predict protein folding structures from amino acid sequences.",
            authors: ["Dana Fold"], categories: ["q-bio.BM"], publishedAt: day("2026-06-03")),
        Paper(
            id: "2606.00202", title: "Diffusion models for image generation",
            abstract: "Image generation with diffusion models and classifier guidance on large image sets.",
            authors: ["Eve Pixel"], categories: ["cs.CV"], publishedAt: day("2026-06-04")),
        Paper(
            id: "2606.00203", title: "Graph neural networks for traffic forecasting",
            abstract: "Graph neural networks forecast traffic on road graphs from sensor networks.",
            authors: ["Finn Graph"], categories: ["cs.LG"], publishedAt: day("2026-06-05")),
        Paper(
            id: "2606.00204", title: "Speech recognition with transformers",
            abstract: "Transformers improve speech recognition of spoken audio with attention over long sequences.",
            authors: ["Gus Audio"], categories: ["eess.AS"], publishedAt: day("2026-06-06")),
        Paper(
            id: "2606.00205", title: "Galaxy formation in cosmological simulations",
            abstract: "Cosmological simulations of galaxy formation trace dark matter halos over cosmic time.",
            authors: ["Vera Rubin"], categories: ["astro-ph.GA"], publishedAt: day("2026-06-07")),
        Paper(
            id: "2606.00206", title: "Dark matter halos and galaxy rotation curves",
            abstract: "Rotation curves of galaxy disks constrain dark matter halos in cosmological simulations.",
            authors: ["Hal Halo"], categories: ["astro-ph.GA"], publishedAt: day("2026-06-08")),
        Paper(
            id: "2606.00207", title: "Transformers for machine translation",
            abstract: "Transformers translate between languages with attention over long sequences of tokens.",
            authors: ["Grace Hopper"], categories: ["cs.CL"], publishedAt: day("2026-06-09")),
        // Published long ago, submitted to the daily feed inside the window: a candidate too.
        Paper(
            id: "2401.00301", title: "Reinforcement learning for robot grasping",
            abstract: "Robots learn grasping policies with reinforcement learning from sensor networks and images.",
            authors: ["Ivy Robot"], categories: ["cs.RO"], publishedAt: day("2024-01-05")),
    ]

    /// The store, with the members `ada` (the reader) and `cur` (who submitted the old robotics paper).
    public static func makeStore() async throws -> SQLitePaperStore {
        let store = try SQLitePaperStore.inMemory()
        try await store.upsert(papers)
        _ = try await store.createUser(username: "ada", displayName: "Ada", role: .member, passwordHash: nil)
        _ = try await store.createUser(username: "cur", displayName: "Cur", role: .member, passwordHash: nil)
        _ = try await store.submit(
            paperID: "2401.00301", day: Day("2026-06-13")!, submitter: "cur", at: day("2026-06-13"), githubRepo: nil,
            projectPage: nil)
        return store
    }

    /// `ada` upvotes the three seeds.
    public static func upvoteSeeds(_ store: any PaperStore, username: String = "ada") async throws {
        for id in seeds { try await store.setUpvote(paperID: id, username: username, upvoted: true) }
    }
}
