import CEmbeddingKernels
import Foundation

/// 64-byte aligned float storage: the GEMM kernel loads packed panels with aligned vector loads.
func allocateAlignedFloats(_ count: Int) -> UnsafeMutablePointer<Float> {
    var raw: UnsafeMutableRawPointer? = nil
    let bytes = max(count, 16) * MemoryLayout<Float>.stride
    guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
        fatalError("out of memory allocating \(bytes) bytes for embeddings")
    }
    return raw.bindMemory(to: Float.self, capacity: max(count, 16))
}

/// BERT encoder weights, packed for the GEMM kernel at load, and the forward pass.
/// Immutable after init; `encode` only reads shared state, so concurrent calls are safe.
final class BertEncoder: @unchecked Sendable {
    let config: ModelConfig
    let weights: SafeTensorsFile
    let vocabRows: Int
    private var owned: [UnsafeMutablePointer<Float>] = []
    private var ownedAligned: [UnsafeMutablePointer<Float>] = []
    private var kernelConfig: ek_config
    private var embeddings: ek_embeddings
    private let layers: UnsafeMutablePointer<ek_layer>

    /// Whether the dense layers run on the bf16 kernels.
    let usesBF16: Bool

    init(config: ModelConfig, weights: SafeTensorsFile, bf16: Bool = false) throws {
        self.config = config
        self.weights = weights
        // bf16 panels are only built when the kernels that read them can run.
        usesBF16 = bf16 && ek_cpu_has_avx512bf16() != 0
        _ = ek_cpu_has_avx512()  // detect once here rather than racily on first use by two workers
        let H = config.hiddenSize, I = config.intermediateSize
        let activation: Int32
        switch config.hiddenAct {
        case "gelu": activation = EK_GELU_ERF
        case "gelu_new", "gelu_pytorch_tanh": activation = EK_GELU_TANH
        default: activation = EK_RELU
        }
        kernelConfig = ek_config(
            hidden: Int32(H), heads: Int32(config.numHeads), intermediate: Int32(I),
            layers: Int32(config.numLayers), activation: activation, eps: config.layerNormEps,
            bf16: usesBF16 ? 1 : 0)

        guard let wordInfo = weights.info("embeddings.word_embeddings.weight") else {
            throw EmbeddingError(.missingTensor, "model.safetensors: missing tensor embeddings.word_embeddings.weight")
        }
        guard wordInfo.shape.count == 2, wordInfo.shape[1] == H, wordInfo.shape[0] > 0 else {
            throw EmbeddingError(
                .tensorShape,
                "model.safetensors: tensor \(wordInfo.name) has shape \(wordInfo.shape), expected [vocab, \(H)]")
        }
        vocabRows = wordInfo.shape[0]
        if let v = config.vocabSize, v != vocabRows {
            throw EmbeddingError(
                .tensorShape,
                "model.safetensors: tensor \(wordInfo.name) has \(vocabRows) rows but config.json vocab_size is \(v)")
        }

        var owned: [UnsafeMutablePointer<Float>] = []
        var aligned: [UnsafeMutablePointer<Float>] = []
        func tensor(_ name: String, _ shape: [Int]) throws -> UnsafePointer<Float> {
            try weights.floats(name, shape: shape, owned: &owned)
        }
        let bf16 = usesBF16
        func packed(_ sources: [(UnsafePointer<Float>, Int)], k: Int) -> UnsafeRawPointer {
            // nn.Linear weights are [out, in]; several are stacked along `out` (fused Q|K|V).
            let n = sources.reduce(0) { $0 + $1.1 }
            let stacked: UnsafePointer<Float>
            var temp: UnsafeMutablePointer<Float>? = nil
            if sources.count == 1 {
                stacked = sources[0].0
            } else {
                let t = UnsafeMutablePointer<Float>.allocate(capacity: n * k)
                var row = 0
                for (p, rows) in sources {
                    (t + row * k).update(from: p, count: rows * k)
                    row += rows
                }
                temp = t
                stacked = UnsafePointer(t)
            }
            let dst: UnsafeMutablePointer<Float>
            if bf16 {
                let elements = ek_packed_bf16_elements(Int32(k), Int32(n))
                dst = allocateAlignedFloats((elements + 1) / 2)
                dst.withMemoryRebound(to: UInt16.self, capacity: elements) {
                    ek_pack_b_bf16(stacked, k, 1, Int32(k), Int32(n), $0)
                }
            } else {
                dst = allocateAlignedFloats(ek_packed_floats(Int32(k), Int32(n)))
                ek_pack_b(stacked, k, 1, Int32(k), Int32(n), dst)
            }
            temp?.deallocate()
            aligned.append(dst)
            return UnsafeRawPointer(dst)
        }
        func concat(_ parts: [UnsafePointer<Float>], _ n: Int) -> UnsafePointer<Float> {
            let dst = allocateAlignedFloats(parts.count * n)
            for (i, p) in parts.enumerated() { (dst + i * n).update(from: p, count: n) }
            aligned.append(dst)
            return UnsafePointer(dst)
        }

        do {
            let word = try tensor(wordInfo.name, [vocabRows, H])
            let position = try tensor("embeddings.position_embeddings.weight", [config.maxPositionEmbeddings, H])
            let tokenType = try tensor("embeddings.token_type_embeddings.weight", [config.typeVocabSize, H])
            let lnG = try tensor("embeddings.LayerNorm.weight", [H])
            let lnB = try tensor("embeddings.LayerNorm.bias", [H])
            embeddings = ek_embeddings(
                word: word, position: position, token_type: tokenType, ln_gamma: lnG, ln_beta: lnB)

            var built: [ek_layer] = []
            for l in 0..<config.numLayers {
                let p = "encoder.layer.\(l)."
                let qw = try tensor(p + "attention.self.query.weight", [H, H])
                let kw = try tensor(p + "attention.self.key.weight", [H, H])
                let vw = try tensor(p + "attention.self.value.weight", [H, H])
                let qb = try tensor(p + "attention.self.query.bias", [H])
                let kb = try tensor(p + "attention.self.key.bias", [H])
                let vb = try tensor(p + "attention.self.value.bias", [H])
                let ow = try tensor(p + "attention.output.dense.weight", [H, H])
                let ob = try tensor(p + "attention.output.dense.bias", [H])
                let ln1g = try tensor(p + "attention.output.LayerNorm.weight", [H])
                let ln1b = try tensor(p + "attention.output.LayerNorm.bias", [H])
                let iw = try tensor(p + "intermediate.dense.weight", [I, H])
                let ib = try tensor(p + "intermediate.dense.bias", [I])
                let fw = try tensor(p + "output.dense.weight", [H, I])
                let fb = try tensor(p + "output.dense.bias", [H])
                let ln2g = try tensor(p + "output.LayerNorm.weight", [H])
                let ln2b = try tensor(p + "output.LayerNorm.bias", [H])
                built.append(
                    ek_layer(
                        qkv_packed: packed([(qw, H), (kw, H), (vw, H)], k: H),
                        qkv_bias: concat([qb, kb, vb], H),
                        attn_out_packed: packed([(ow, H)], k: H), attn_out_bias: ob,
                        ln1_gamma: ln1g, ln1_beta: ln1b,
                        ffn_in_packed: packed([(iw, I)], k: H), ffn_in_bias: ib,
                        ffn_out_packed: packed([(fw, H)], k: I), ffn_out_bias: fb,
                        ln2_gamma: ln2g, ln2_beta: ln2b))
            }
            for l in 0..<config.numLayers {
                for w in [
                    "attention.self.query", "attention.self.key", "attention.self.value",
                    "attention.output.dense", "intermediate.dense", "output.dense",
                ] {
                    weights.dropPages("encoder.layer.\(l).\(w).weight")
                }
            }
            layers = UnsafeMutablePointer<ek_layer>.allocate(capacity: built.count)
            layers.initialize(from: built, count: built.count)
        } catch {
            for pointer in owned { pointer.deallocate() }
            for pointer in aligned { free(pointer) }
            throw error
        }
        self.owned = owned
        self.ownedAligned = aligned
    }

    deinit {
        layers.deallocate()
        for pointer in owned { pointer.deallocate() }
        for pointer in ownedAligned { free(pointer) }
    }

    /// Scratch for one `encode` call over `tokens` tokens whose longest sequence has `maxLength`.
    func workspaceFloats(tokens: Int, maxLength: Int) -> Int {
        var cfg = kernelConfig
        return ek_workspace_floats(&cfg, Int32(tokens), Int32(maxLength)) + tokens * config.hiddenSize
    }

    /// Last hidden states of the sequences, laid end to end in `output` ([total tokens, hidden]).
    /// Every id must be below `vocabRows` and every sequence at most `maxPositionEmbeddings` long.
    func encode(
        _ sequences: ArraySlice<[Int32]>, output: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>
    ) {
        var ids: [Int32] = []
        var offsets: [Int32] = [0]
        for s in sequences {
            ids.append(contentsOf: s)
            offsets.append(Int32(ids.count))
        }
        var cfg = kernelConfig
        var emb = embeddings
        ids.withUnsafeBufferPointer { idp in
            offsets.withUnsafeBufferPointer { op in
                ek_encode(
                    &cfg, &emb, layers, idp.baseAddress, op.baseAddress, Int32(sequences.count), output, workspace)
            }
        }
    }
}
