import Foundation

/// A small random-weight BERT written as a sentence-transformers folder, so loader, forward
/// and error paths are tested without the real model. `reference` is a plain Double
/// implementation of the same network to compare the optimized forward pass against.
struct TinyModel {
    let hidden = 48, heads = 4, intermediate = 80, layers = 2, maxPositions = 40, types = 2
    let vocab: [String]
    var tensors: [(name: String, shape: [Int], data: [Float])] = []

    init(seed: UInt64 = 42) {
        var rng = SplitMix(seed: seed)
        var v = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", "!", "'"]
        v += [
            "the", "a", "graph", "neural", "network", "query", "model", "un", "##known", "##s", "##ing", "learn",
            "hello", "world",
        ]
        v += (97...122).map { String(UnicodeScalar($0)!) } + (97...122).map { "##" + String(UnicodeScalar($0)!) }
        vocab = v
        func rand(_ shape: [Int], scale: Float = 0.2) -> [Float] {
            (0..<shape.reduce(1, *)).map { _ in (rng.nextFloat() * 2 - 1) * scale }
        }
        let H = hidden, I = intermediate
        tensors.append(("embeddings.word_embeddings.weight", [vocab.count, H], rand([vocab.count, H], scale: 1)))
        tensors.append(
            ("embeddings.position_embeddings.weight", [maxPositions, H], rand([maxPositions, H], scale: 0.5)))
        tensors.append(("embeddings.token_type_embeddings.weight", [types, H], rand([types, H], scale: 0.5)))
        tensors.append(("embeddings.LayerNorm.weight", [H], rand([H]).map { 1 + $0 }))
        tensors.append(("embeddings.LayerNorm.bias", [H], rand([H])))
        for l in 0..<layers {
            let p = "encoder.layer.\(l)."
            for n in ["query", "key", "value"] {
                tensors.append((p + "attention.self.\(n).weight", [H, H], rand([H, H])))
                tensors.append((p + "attention.self.\(n).bias", [H], rand([H])))
            }
            tensors.append((p + "attention.output.dense.weight", [H, H], rand([H, H])))
            tensors.append((p + "attention.output.dense.bias", [H], rand([H])))
            tensors.append((p + "attention.output.LayerNorm.weight", [H], rand([H]).map { 1 + $0 }))
            tensors.append((p + "attention.output.LayerNorm.bias", [H], rand([H])))
            tensors.append((p + "intermediate.dense.weight", [I, H], rand([I, H])))
            tensors.append((p + "intermediate.dense.bias", [I], rand([I])))
            tensors.append((p + "output.dense.weight", [H, I], rand([H, I])))
            tensors.append((p + "output.dense.bias", [H], rand([H])))
            tensors.append((p + "output.LayerNorm.weight", [H], rand([H]).map { 1 + $0 }))
            tensors.append((p + "output.LayerNorm.bias", [H], rand([H])))
        }
    }

    func tensor(_ name: String) -> [Float] { tensors.first { $0.name == name }!.data }

    /// Writes the folder; `dtype` "F16" stores every weight as half precision.
    func write(
        to dir: URL, prefix: String = "", dtype: String = "F32", maxSeqLength: Int = 32,
        pooling: String = "mean", normalize: Bool = true
    ) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("1_Pooling"), withIntermediateDirectories: true)
        let config: [String: Any] = [
            "model_type": "bert", "hidden_size": hidden, "num_hidden_layers": layers,
            "num_attention_heads": heads, "intermediate_size": intermediate, "layer_norm_eps": 1e-12,
            "max_position_embeddings": maxPositions, "type_vocab_size": types, "hidden_act": "gelu",
            "vocab_size": vocab.count,
        ]
        try JSONSerialization.data(withJSONObject: config).write(to: dir.appendingPathComponent("config.json"))
        try (vocab.joined(separator: "\n") + "\n").write(
            to: dir.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        try #"{"do_lower_case": true, "tokenize_chinese_chars": true, "strip_accents": null}"#
            .write(to: dir.appendingPathComponent("tokenizer_config.json"), atomically: true, encoding: .utf8)
        try #"{"max_seq_length": \#(maxSeqLength), "do_lower_case": false}"#
            .write(to: dir.appendingPathComponent("sentence_bert_config.json"), atomically: true, encoding: .utf8)
        var modules =
            #"[{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},{"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"}"#
        if normalize {
            modules += #",{"idx":2,"name":"2","path":"2_Normalize","type":"sentence_transformers.models.Normalize"}"#
        }
        try (modules + "]").write(to: dir.appendingPathComponent("modules.json"), atomically: true, encoding: .utf8)
        let pool =
            #"{"word_embedding_dimension": \#(hidden), "pooling_mode_cls_token": \#(pooling == "cls"), "pooling_mode_mean_tokens": \#(pooling == "mean")}"#
        try pool.write(to: dir.appendingPathComponent("1_Pooling/config.json"), atomically: true, encoding: .utf8)
        let entries = tensors.map {
            (name: prefix + $0.name, dtype: dtype, shape: $0.shape, data: Self.encode($0.data, dtype: dtype))
        }
        try Self.safetensors(entries).write(to: dir.appendingPathComponent("model.safetensors"))
    }

    static func encode(_ data: [Float], dtype: String) -> Data {
        var out = Data()
        switch dtype {
        case "F16":
            for x in data {
                var b = Float16(x).bitPattern.littleEndian; withUnsafeBytes(of: &b) { out.append(contentsOf: $0) }
            }
        case "BF16":
            for x in data {
                var b = UInt16(x.bitPattern >> 16).littleEndian; withUnsafeBytes(of: &b) { out.append(contentsOf: $0) }
            }
        case "I32":
            for x in data {
                var b = Int32(x * 100).littleEndian; withUnsafeBytes(of: &b) { out.append(contentsOf: $0) }
            }
        default:
            for x in data { var b = x.bitPattern.littleEndian; withUnsafeBytes(of: &b) { out.append(contentsOf: $0) } }
        }
        return out
    }

    static func safetensors(_ entries: [(name: String, dtype: String, shape: [Int], data: Data)]) -> Data {
        var header: [String: Any] = ["__metadata__": ["format": "pt"]]
        var body = Data()
        for e in entries {
            header[e.name] = [
                "dtype": e.dtype, "shape": e.shape, "data_offsets": [body.count, body.count + e.data.count],
            ]
            body.append(e.data)
        }
        var json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var out = Data()
        var n = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(json)
        out.append(body)
        return out
    }

    /// Straightforward BERT + mean pooling + L2 normalize in Double.
    func reference(_ ids: [Int32]) -> [Float] {
        let H = hidden, I = intermediate, T = ids.count, dh = H / heads
        func t(_ n: String) -> [Double] { tensor(n).map(Double.init) }
        func layerNorm(_ x: inout [[Double]], _ g: [Double], _ b: [Double]) {
            for r in x.indices {
                let row: [Double] = x[r]
                let mean: Double = row.reduce(0, +) / Double(H)
                var v: Double = 0
                for e in row { v += (e - mean) * (e - mean) }
                let inv: Double = 1 / (v / Double(H) + 1e-12).squareRoot()
                var outRow = [Double](repeating: 0, count: H)
                for j in 0..<H { outRow[j] = (row[j] - mean) * inv * g[j] + b[j] }
                x[r] = outRow
            }
        }
        func linear(_ x: [[Double]], _ w: [Double], _ b: [Double], out: Int, inp: Int) -> [[Double]] {
            x.map { row in
                var r = [Double](repeating: 0, count: out)
                for o in 0..<out {
                    var acc: Double = b[o]
                    for i in 0..<inp { acc += row[i] * w[o * inp + i] }
                    r[o] = acc
                }
                return r
            }
        }
        let word = t("embeddings.word_embeddings.weight"), pos = t("embeddings.position_embeddings.weight")
        let type = t("embeddings.token_type_embeddings.weight")
        var x: [[Double]] = []
        for i in 0..<T {
            var row = [Double](repeating: 0, count: H)
            for j in 0..<H { row[j] = word[Int(ids[i]) * H + j] + type[j] + pos[i * H + j] }
            x.append(row)
        }
        layerNorm(&x, t("embeddings.LayerNorm.weight"), t("embeddings.LayerNorm.bias"))
        for l in 0..<layers {
            let p = "encoder.layer.\(l)."
            let q = linear(x, t(p + "attention.self.query.weight"), t(p + "attention.self.query.bias"), out: H, inp: H)
            let k = linear(x, t(p + "attention.self.key.weight"), t(p + "attention.self.key.bias"), out: H, inp: H)
            let v = linear(x, t(p + "attention.self.value.weight"), t(p + "attention.self.value.bias"), out: H, inp: H)
            var ctx = [[Double]](repeating: [Double](repeating: 0, count: H), count: T)
            for h in 0..<heads {
                for i in 0..<T {
                    var s = [Double](repeating: 0, count: T)
                    for j in 0..<T {
                        var dot: Double = 0
                        for d in 0..<dh { dot += q[i][h * dh + d] * k[j][h * dh + d] }
                        s[j] = dot / Double(dh).squareRoot()
                    }
                    let m = s.max()!
                    var z: Double = 0
                    for j in 0..<T { s[j] = exp(s[j] - m); z += s[j] }
                    for d in 0..<dh {
                        var acc: Double = 0
                        for j in 0..<T { acc += s[j] / z * v[j][h * dh + d] }
                        ctx[i][h * dh + d] = acc
                    }
                }
            }
            let a = linear(
                ctx, t(p + "attention.output.dense.weight"), t(p + "attention.output.dense.bias"), out: H, inp: H)
            for i in 0..<T { for j in 0..<H { x[i][j] += a[i][j] } }
            layerNorm(&x, t(p + "attention.output.LayerNorm.weight"), t(p + "attention.output.LayerNorm.bias"))
            var f = linear(x, t(p + "intermediate.dense.weight"), t(p + "intermediate.dense.bias"), out: I, inp: H)
            for i in f.indices {
                for j in f[i].indices { let y = f[i][j]; f[i][j] = 0.5 * y * (1 + erf(y / 2.0.squareRoot())) }
            }
            let o = linear(f, t(p + "output.dense.weight"), t(p + "output.dense.bias"), out: H, inp: I)
            for i in 0..<T { for j in 0..<H { x[i][j] += o[i][j] } }
            layerNorm(&x, t(p + "output.LayerNorm.weight"), t(p + "output.LayerNorm.bias"))
        }
        var mean = [Double](repeating: 0, count: H)
        for row in x { for j in 0..<H { mean[j] += row[j] / Double(T) } }
        var norm: Double = 0
        for e in mean { norm += e * e }
        norm = norm.squareRoot()
        return mean.map { Float($0 / max(norm, 1e-12)) }
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextFloat() -> Float { Float(next() >> 40) / Float(1 << 24) }
}

func temporaryDirectory(_ name: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("paperboy-embed-tests-\(getpid())-\(name)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}
