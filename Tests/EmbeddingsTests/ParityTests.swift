import CEmbeddingKernels
import Embeddings
import Foundation
import Testing

/// Exact parity with sentence-transformers on all-MiniLM-L6-v2 (ground truth in shared/reference/minilm).
@Suite("all-MiniLM-L6-v2 parity")
struct ParityTests {
    static let encoder: SentenceEncoder? = {
        guard let dir = Fixtures.modelDirectory else { return nil }
        return try? SentenceEncoder(modelDirectory: dir, threads: 2)
    }()

    @Test(
        "token ids of the 137 seed texts",
        .enabled(
            if: Fixtures.haveModelAndReference,
            "needs models/all-MiniLM-L6-v2 (scripts/fetch-model.sh or PAPERBOY_MODEL_DIR) and shared/reference/minilm (PAPERBOY_SHARED_DIR)"
        ))
    func seedTokenIDs() throws {
        let encoder = try #require(Self.encoder)
        let texts = try #require(try Fixtures.json("seed_texts.json") as? [String])
        let expected = try #require((try Fixtures.json("seed_token_ids.json") as? [String: Any])?["ids"] as? [[Int]])
        #expect(texts.count == 137)
        #expect(expected.count == texts.count)
        for (i, text) in texts.enumerated() {
            let ids = encoder.tokenize(text).map(Int.init)
            #expect(ids == expected[i], "text \(i): \(text.prefix(60))")
        }
    }

    @Test(
        "tokenizer edge cases",
        .enabled(
            if: Fixtures.haveModelAndReference,
            "needs models/all-MiniLM-L6-v2 and shared/reference/minilm"))
    func edgeCases() throws {
        let encoder = try #require(Self.encoder)
        let cases = try #require(try Fixtures.json("tokenizer_edge_cases.json") as? [[String: Any]])
        #expect(cases.count >= 20)
        for c in cases {
            let text = try #require(c["text"] as? String)
            let expected = try #require(c["ids"] as? [Int])
            let ids = encoder.tokenize(text).map(Int.init)
            #expect(
                ids == expected,
                "\(text.debugDescription): tokens \(encoder.tokenizer.tokens(text)) expected \(c["tokens"] ?? "")")
        }
    }

    @Test(
        "embeddings of the 137 seed texts",
        .enabled(
            if: Fixtures.haveModelAndReference,
            "needs models/all-MiniLM-L6-v2 and shared/reference/minilm"))
    func seedEmbeddings() throws {
        let encoder = try #require(Self.encoder)
        let texts = try #require(try Fixtures.json("seed_texts.json") as? [String])
        let (shape, flat) = try Fixtures.readNpyFloat32(
            try #require(Fixtures.referenceDirectory).appendingPathComponent("seed_embeddings.npy"))
        #expect(shape == [137, 384])
        #expect(encoder.dimension == 384)
        #expect(encoder.maxSequenceLength == 256)
        let vectors = try encoder.embed(texts)
        #expect(vectors.count == texts.count)
        var worstCos = 1.0, worstDiff: Float = 0
        for i in texts.indices {
            let ref = Array(flat[(i * 384)..<((i + 1) * 384)])
            worstCos = min(worstCos, cosine(vectors[i], ref))
            worstDiff = max(worstDiff, maxAbsDiff(vectors[i], ref))
        }
        print("parity: min cosine \(worstCos), max abs diff \(worstDiff)")
        #expect(worstCos >= 0.9999)
        #expect(worstDiff <= 1e-4)
    }

    @Test(
        "hello world matches the manifest",
        .enabled(
            if: Fixtures.haveModelAndReference,
            "needs models/all-MiniLM-L6-v2 and shared/reference/minilm"))
    func helloWorld() throws {
        let encoder = try #require(Self.encoder)
        let manifest = try #require(try Fixtures.json("manifest.json") as? [String: Any])
        let first5 = try #require(manifest["hello_world_first5"] as? [Double])
        let v = try encoder.embed("hello world")
        for (a, b) in zip(v.prefix(5), first5) { #expect(abs(Double(a) - b) < 1e-5) }
        #expect(encoder.identity.hasPrefix("all-MiniLM-L6-v2@"))
    }

    @Test(
        "bf16 path stays within cosine 0.999 of sentence-transformers",
        .enabled(
            if: Fixtures.haveModelAndReference && ek_cpu_has_avx512bf16() != 0,
            "needs the model, shared/reference/minilm and a CPU with AVX512_BF16"))
    func bf16Parity() throws {
        let dir = try #require(Fixtures.modelDirectory)
        let encoder = try SentenceEncoder(modelDirectory: dir, threads: 2, precision: .bfloat16)
        #expect(encoder.precision == .bfloat16)
        #expect(encoder.identity.hasSuffix("+bf16"))
        let texts = try #require(try Fixtures.json("seed_texts.json") as? [String])
        let (_, flat) = try Fixtures.readNpyFloat32(
            try #require(Fixtures.referenceDirectory).appendingPathComponent("seed_embeddings.npy"))
        let vectors = try encoder.embed(texts)
        var worst = 1.0
        for i in texts.indices { worst = min(worst, cosine(vectors[i], Array(flat[(i * 384)..<((i + 1) * 384)]))) }
        print("bf16 parity: min cosine \(worst)")
        #expect(worst >= 0.999)
    }

    @Test(
        "batch equals one by one; empty text is a unit vector",
        .enabled(
            if: Fixtures.haveModel,
            "needs models/all-MiniLM-L6-v2 (scripts/fetch-model.sh or PAPERBOY_MODEL_DIR)"))
    func batchAndEmpty() throws {
        let encoder = try #require(Self.encoder)
        let texts = [
            "", "a query about graph neural networks", String(repeating: "long abstract text ", count: 200), "   ",
            "[CLS] x",
        ]
        let batch = try encoder.embed(texts)
        for (i, t) in texts.enumerated() {
            let single = try encoder.embed(t)
            #expect(maxAbsDiff(single, batch[i]) <= 1e-6, "text \(i)")
        }
        let empty = batch[0]
        #expect(empty.allSatisfy { $0.isFinite })
        let norm = empty.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(norm - 1) < 1e-5)
    }
}
