import Embeddings
import Foundation
import Testing

/// Loader, forward pass and error handling on a generated model; runs without the real model.
@Suite("synthetic BERT model")
struct TinyModelTests {
    let model = TinyModel()

    func folder(
        _ name: String, prefix: String = "", dtype: String = "F32", pooling: String = "mean",
        normalize: Bool = true
    ) throws -> URL {
        let dir = try temporaryDirectory(name)
        try model.write(to: dir, prefix: prefix, dtype: dtype, pooling: pooling, normalize: normalize)
        return dir
    }

    @Test func forwardMatchesPlainImplementation() throws {
        let dir = try folder("forward")
        defer { try? FileManager.default.removeItem(at: dir) }
        let encoder = try SentenceEncoder(modelDirectory: dir, threads: 2)
        #expect(encoder.dimension == model.hidden)
        #expect(encoder.maxSequenceLength == 32)
        let texts = [
            "hello world", "the graph neural network model", "unknowns learning!", "",
            String(repeating: "a graph ", count: 40),
        ]
        let vectors = try encoder.embed(texts)
        for (i, text) in texts.enumerated() {
            let ids = encoder.tokenize(text)
            #expect(ids.count <= 32)
            let ref = model.reference(ids)
            #expect(maxAbsDiff(vectors[i], ref) < 2e-5, "text \(i) \(text.prefix(20))")
            #expect(cosine(vectors[i], ref) > 0.99999)
        }
    }

    @Test func tokenizerBasics() throws {
        let dir = try folder("tokenizer")
        defer { try? FileManager.default.removeItem(at: dir) }
        let encoder = try SentenceEncoder(modelDirectory: dir)
        // [CLS]=2 [SEP]=3 [UNK]=1 in the tiny vocabulary.
        #expect(encoder.tokenize("") == [2, 3])
        #expect(
            encoder.tokenizer.tokens("Unknowns, HELLO!") == [
                "[CLS]", "un", "##known", "##s", ",", "hello", "!", "[SEP]",
            ])
        #expect(encoder.tokenizer.tokens("héllo [MASK] 中") == ["[CLS]", "hello", "[MASK]", "[UNK]", "[SEP]"])
        #expect(encoder.tokenize(String(repeating: "a ", count: 100)).count == 32)
    }

    @Test func batchEqualsSingleAndEmptyIsUnit() throws {
        let dir = try folder("batch")
        defer { try? FileManager.default.removeItem(at: dir) }
        let encoder = try SentenceEncoder(modelDirectory: dir, threads: 2)
        let texts = (0..<40).map { i in String(repeating: "graph model ", count: i % 13) + "query \(i)" } + [""]
        let batch = try encoder.embed(texts)
        for (i, t) in texts.enumerated() {
            #expect(maxAbsDiff(try encoder.embed(t), batch[i]) <= 1e-6)
        }
        let empty = try encoder.embed("")
        #expect(empty.allSatisfy { $0.isFinite })
        #expect(abs(empty.reduce(0) { $0 + $1 * $1 }.squareRoot() - 1) < 1e-5)
    }

    @Test func bertPrefixAndHalfPrecisionLoad() throws {
        let plain = try folder("plain")
        let prefixed = try folder("prefixed", prefix: "bert.")
        let half = try folder("half", dtype: "F16")
        let bhalf = try folder("bhalf", dtype: "BF16")
        defer { for d in [plain, prefixed, half, bhalf] { try? FileManager.default.removeItem(at: d) } }
        let a = try SentenceEncoder(modelDirectory: plain).embed("graph neural network")
        let b = try SentenceEncoder(modelDirectory: prefixed).embed("graph neural network")
        #expect(a == b)
        #expect(cosine(a, try SentenceEncoder(modelDirectory: half).embed("graph neural network")) > 0.999)
        #expect(cosine(a, try SentenceEncoder(modelDirectory: bhalf).embed("graph neural network")) > 0.99)
    }

    @Test func clsPoolingWithoutNormalize() throws {
        let dir = try folder("cls", pooling: "cls", normalize: false)
        defer { try? FileManager.default.removeItem(at: dir) }
        let v = try SentenceEncoder(modelDirectory: dir).embed("hello world")
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(norm - 1) > 1e-3, "CLS output of an un-normalized model should not be unit length")
    }

    @Test func identityFollowsWeights() throws {
        let a = try folder("ida")
        let b = try temporaryDirectory("idb")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        try TinyModel(seed: 7).write(to: b)
        let ia = try SentenceEncoder(modelDirectory: a).identity
        #expect(ia == (try SentenceEncoder(modelDirectory: a).identity))
        let ib = try SentenceEncoder(modelDirectory: b).identity
        #expect(ia.split(separator: "@").last != ib.split(separator: "@").last)
    }

    // MARK: - Errors

    func expectError(
        _ code: EmbeddingError.Code, mentioning needle: String? = nil, _ dir: URL,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            _ = try SentenceEncoder(modelDirectory: dir)
            Issue.record("expected EmbeddingError \(code)", sourceLocation: sourceLocation)
        } catch let error as EmbeddingError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            if let needle { #expect(error.message.contains(needle), "\(error)", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func truncatedSafetensors() throws {
        let dir = try folder("truncated")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.safetensors")
        let data = try Data(contentsOf: url)
        try data.prefix(data.count - 100).write(to: url)
        expectError(.invalidSafetensors, mentioning: "model.safetensors", dir)
        try data.prefix(5).write(to: url)
        expectError(.invalidSafetensors, dir)
        try Data().write(to: url)
        expectError(.invalidSafetensors, dir)
    }

    @Test func corruptHeader() throws {
        let dir = try folder("corrupt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("model.safetensors")
        var data = try Data(contentsOf: url)
        data[12] = UInt8(ascii: "}")  // breaks the JSON
        try data.write(to: url)
        expectError(.invalidSafetensors, dir)
        var huge = try Data(contentsOf: url)
        huge.replaceSubrange(0..<8, with: [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0])
        try huge.write(to: url)
        expectError(.invalidSafetensors, dir)
    }

    @Test func overlappingAndMisSizedTensors() throws {
        let dir = try folder("overlap")
        defer { try? FileManager.default.removeItem(at: dir) }
        let f = Data(count: 16)
        // b points into a's bytes.
        let header = Data(
            #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}"#
                .utf8)
        var file = Data()
        var n = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &n) { file.append(contentsOf: $0) }
        file.append(header)
        file.append(Data(count: 32))
        try file.write(to: dir.appendingPathComponent("model.safetensors"))
        expectError(.invalidSafetensors, mentioning: "overlap", dir)
        let wrongSize = TinyModel.safetensors([("a", "F32", [5], f)])
        try wrongSize.write(to: dir.appendingPathComponent("model.safetensors"))
        expectError(.invalidSafetensors, mentioning: "a", dir)
    }

    @Test func wrongDType() throws {
        let dir = try folder("dtype", dtype: "I32")
        defer { try? FileManager.default.removeItem(at: dir) }
        expectError(.unsupportedDType, mentioning: "I32", dir)
    }

    @Test func missingAndMisShapedTensor() throws {
        let dir = try temporaryDirectory("missing")
        defer { try? FileManager.default.removeItem(at: dir) }
        var m = TinyModel()
        m.tensors.removeAll { $0.name == "encoder.layer.1.intermediate.dense.bias" }
        try m.write(to: dir)
        expectError(.missingTensor, mentioning: "encoder.layer.1.intermediate.dense.bias", dir)
        var s = TinyModel()
        let i = s.tensors.firstIndex { $0.name == "encoder.layer.0.attention.self.key.weight" }!
        s.tensors[i].shape = [s.hidden, s.hidden / 2]
        s.tensors[i].data = Array(s.tensors[i].data.prefix(s.hidden * s.hidden / 2))
        try s.write(to: dir)
        expectError(.tensorShape, mentioning: "encoder.layer.0.attention.self.key.weight", dir)
    }

    @Test func missingFiles() throws {
        let dir = try folder("files")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("vocab.txt"))
        expectError(.missingFile, mentioning: "vocab.txt", dir)
        try model.write(to: dir)
        try "[PAD]\nhello\n".write(to: dir.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        expectError(.invalidVocabulary, dir)
        try model.write(to: dir)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("model.safetensors"))
        expectError(.missingFile, mentioning: "model.safetensors", dir)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("config.json"))
        expectError(.missingFile, mentioning: "config.json", dir)
    }
}
