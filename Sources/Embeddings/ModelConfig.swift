import Foundation

enum PoolingMode: String, Sendable {
    case mean, cls
}

/// Everything read from the JSON files of a sentence-transformers folder.
struct ModelConfig: Sendable {
    var hiddenSize: Int
    var numLayers: Int
    var numHeads: Int
    var intermediateSize: Int
    var layerNormEps: Float
    var maxPositionEmbeddings: Int
    var typeVocabSize: Int
    var vocabSize: Int?
    var hiddenAct: String

    var doLowerCase = true
    var tokenizeChineseChars = true
    var stripAccents: Bool? = nil
    var maxSeqLength: Int
    var pooling: PoolingMode = .mean
    var normalize = false

    static func load(directory: URL) throws -> ModelConfig {
        let config = try readJSON(directory, "config.json", required: true)!
        func int(_ key: String, default def: Int? = nil) throws -> Int {
            if let v = config[key] as? NSNumber { return v.intValue }
            if let d = def { return d }
            throw EmbeddingError(.invalidConfig, "config.json: missing integer \(key)")
        }
        // Only the BERT layout (post-LayerNorm, absolute positions, token types) is implemented.
        if let type = config["model_type"] as? String, type != "bert" {
            throw EmbeddingError(.unsupportedModel, "config.json: model_type \(type) is not a BERT encoder")
        }
        let act = (config["hidden_act"] as? String) ?? "gelu"
        guard ["gelu", "gelu_new", "gelu_pytorch_tanh", "relu"].contains(act) else {
            throw EmbeddingError(.unsupportedModel, "config.json: hidden_act \(act) is not supported")
        }
        if let pet = config["position_embedding_type"] as? String, pet != "absolute" {
            throw EmbeddingError(.unsupportedModel, "config.json: position_embedding_type \(pet) is not supported")
        }
        var c = ModelConfig(
            hiddenSize: try int("hidden_size"),
            numLayers: try int("num_hidden_layers"),
            numHeads: try int("num_attention_heads"),
            intermediateSize: try int("intermediate_size"),
            layerNormEps: ((config["layer_norm_eps"] as? NSNumber)?.floatValue) ?? 1e-12,
            maxPositionEmbeddings: try int("max_position_embeddings", default: 512),
            typeVocabSize: try int("type_vocab_size", default: 2),
            vocabSize: (config["vocab_size"] as? NSNumber)?.intValue,
            hiddenAct: act,
            maxSeqLength: 0)
        guard c.hiddenSize > 0, c.numLayers > 0, c.numHeads > 0, c.intermediateSize > 0,
            c.hiddenSize % c.numHeads == 0, c.maxPositionEmbeddings > 2, c.typeVocabSize > 0,
            c.hiddenSize <= 8192, c.intermediateSize <= 65536, c.numLayers <= 256
        else {
            throw EmbeddingError(
                .invalidConfig,
                "config.json: inconsistent sizes (hidden_size \(c.hiddenSize), heads \(c.numHeads), layers \(c.numLayers))"
            )
        }

        if let tok = try readJSON(directory, "tokenizer_config.json", required: false) {
            if let v = tok["do_lower_case"] as? Bool { c.doLowerCase = v }
            if let v = tok["tokenize_chinese_chars"] as? Bool { c.tokenizeChineseChars = v }
            if let v = tok["strip_accents"] as? Bool { c.stripAccents = v }
        }
        // sentence_bert_config.json is what sentence-transformers truncates to; tokenizer.json's
        // truncation setting is deliberately ignored (it says 128 for MiniLM).
        var maxSeq = c.maxPositionEmbeddings
        if let sb = try readJSON(directory, "sentence_bert_config.json", required: false),
            let m = (sb["max_seq_length"] as? NSNumber)?.intValue
        {
            maxSeq = m
        }
        c.maxSeqLength = min(max(maxSeq, 2), c.maxPositionEmbeddings)

        if let modules = try readJSONArray(directory, "modules.json") {
            for module in modules {
                let type = (module["type"] as? String) ?? ""
                if type.hasSuffix("Normalize") { c.normalize = true }
                if type.hasSuffix("Pooling") {
                    let path = (module["path"] as? String) ?? "1_Pooling"
                    if let pool = try readJSON(directory.appendingPathComponent(path), "config.json", required: false) {
                        if (pool["pooling_mode_cls_token"] as? Bool) == true {
                            c.pooling = .cls
                        } else if (pool["pooling_mode_mean_tokens"] as? Bool) == true {
                            c.pooling = .mean
                        } else if let mode = pool["pooling_mode"] as? String, mode == "cls" {
                            c.pooling = .cls
                        } else if (pool["pooling_mode_max_tokens"] as? Bool) == true
                            || (pool["pooling_mode_mean_sqrt_len_tokens"] as? Bool) == true
                        {
                            throw EmbeddingError(
                                .unsupportedModel, "\(path)/config.json: only mean and CLS pooling are supported")
                        }
                    }
                }
            }
        }
        return c
    }

    private static func readData(_ url: URL, required: Bool) throws -> Data? {
        guard FileManager.default.fileExists(atPath: url.path) else {
            if required { throw EmbeddingError(.missingFile, "missing \(url.path)") }
            return nil
        }
        do { return try Data(contentsOf: url) } catch {
            throw EmbeddingError(.unreadableFile, "cannot read \(url.path)")
        }
    }

    private static func readJSON(_ dir: URL, _ name: String, required: Bool) throws -> [String: Any]? {
        let url = dir.appendingPathComponent(name)
        guard let data = try readData(url, required: required) else { return nil }
        guard let obj = try? JSONSerialization.jsonObject(with: data), let dict = obj as? [String: Any] else {
            throw EmbeddingError(.invalidConfig, "\(name) is not a JSON object")
        }
        return dict
    }

    private static func readJSONArray(_ dir: URL, _ name: String) throws -> [[String: Any]]? {
        let url = dir.appendingPathComponent(name)
        guard let data = try readData(url, required: false) else { return nil }
        guard let obj = try? JSONSerialization.jsonObject(with: data), let arr = obj as? [[String: Any]] else {
            throw EmbeddingError(.invalidConfig, "\(name) is not a JSON array of modules")
        }
        return arr
    }
}
