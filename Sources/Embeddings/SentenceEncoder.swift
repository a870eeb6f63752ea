import CEmbeddingKernels
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Arithmetic of the dense layers.
public enum EmbeddingPrecision: String, Sendable {
    /// Exact parity with sentence-transformers (max abs diff ~2e-7 on MiniLM).
    case float32
    /// bf16 weights and activations with fp32 accumulation on CPUs with AVX512_BF16: about
    /// twice the throughput, cosine to the float32 vectors ~0.999+. Falls back to float32
    /// where unsupported; `identity` says which one is in use.
    case bfloat16
}

/// A sentence-transformers model folder (BERT encoder + mean/CLS pooling + optional
/// Normalize) run natively: `embed` gives the same vectors as `SentenceTransformer.encode`.
public final class SentenceEncoder: Sendable {
    let encoder: BertEncoder
    public let tokenizer: BertTokenizer
    let threads: Int
    public let identity: String

    public var dimension: Int { encoder.config.hiddenSize }
    public var maxSequenceLength: Int { tokenizer.maxLength }
    /// Whether outputs are L2-normalized (the folder has a Normalize module).
    public var normalizes: Bool { encoder.config.normalize }

    /// Tokens per forward call: large enough that the dense layers run at full GEMM speed,
    /// small enough to bound scratch memory (about 14 KB per token for MiniLM).
    static let tokensPerGroup = 2048

    /// The precision actually in use (bfloat16 requests fall back to float32 without AVX512_BF16).
    public var precision: EmbeddingPrecision { encoder.usesBF16 ? .bfloat16 : .float32 }

    public init(modelDirectory: URL, threads: Int = 2, precision: EmbeddingPrecision = .float32) throws {
        let config = try ModelConfig.load(directory: modelDirectory)
        let weightsURL = modelDirectory.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            throw EmbeddingError(.missingFile, "missing \(weightsURL.path) (only safetensors weights are supported)")
        }
        let weights = try SafeTensorsFile(path: weightsURL.path)
        let tokenizer = try BertTokenizer(
            vocabularyFile: modelDirectory.appendingPathComponent("vocab.txt"),
            doLowerCase: config.doLowerCase, stripAccents: config.stripAccents,
            tokenizeChineseChars: config.tokenizeChineseChars, maxLength: config.maxSeqLength)
        let encoder = try BertEncoder(config: config, weights: weights, bf16: precision == .bfloat16)
        guard tokenizer.vocabularySize <= encoder.vocabRows else {
            throw EmbeddingError(
                .invalidVocabulary,
                "vocab.txt has \(tokenizer.vocabularySize) tokens but the word embedding table has \(encoder.vocabRows) rows"
            )
        }
        self.encoder = encoder
        self.tokenizer = tokenizer
        self.threads = max(1, threads)
        let name = modelDirectory.standardizedFileURL.lastPathComponent
        // Vectors from the bf16 path differ slightly, so they must not mix with float32 ones.
        self.identity = "\(name)@\(try Self.fingerprint(weightsURL))" + (encoder.usesBF16 ? "+bf16" : "")
    }

    /// 12 hex digits of a hash over the whole weight file, read in chunks so the
    /// fingerprint does not make the weights resident.
    static func fingerprint(_ url: URL) throws -> String {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw EmbeddingError(.unreadableFile, "cannot read \(url.path)") }
        defer { close(fd) }
        let chunkSize = 4 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunkSize, alignment: 64)
        defer { buffer.deallocate() }
        var h: UInt64 = 0x5041_5045_5242_4f59
        var total: UInt64 = 0
        while true {
            let got = read(fd, buffer, chunkSize)
            if got < 0 {
                if errno == EINTR { continue }
                throw EmbeddingError(.unreadableFile, "cannot read \(url.path)")
            }
            if got == 0 { break }
            total += UInt64(got)
            h = ek_hash64(buffer, got, h)
        }
        h = ek_hash64(nil, 0, h ^ total)
        let hex = String(h, radix: 16)
        return String((String(repeating: "0", count: max(0, 16 - hex.count)) + hex).prefix(12))
    }

    public func tokenize(_ text: String) -> [Int32] {
        tokenizer.encode(text)
    }

    public func embed(_ text: String) throws -> [Float] {
        try embed([text])[0]
    }

    public func embed(_ texts: [String]) throws -> [[Float]] {
        if texts.isEmpty { return [] }
        let ids = tokenizeAll(texts)
        let dim = dimension
        let output = UnsafeMutableBufferPointer<Float>.allocate(capacity: texts.count * dim)
        defer { output.deallocate() }
        try embed(tokenized: ids, into: output)
        return (0..<texts.count).map { Array(output[($0 * dim)..<(($0 + 1) * dim)]) }
    }

    func tokenizeAll(_ texts: [String]) -> [[Int32]] {
        let n = texts.count
        let workers = min(threads, max(1, n / 16))
        if workers <= 1 { return texts.map(tokenizer.encode) }
        let result = SharedBuffer<[Int32]>(count: n, initial: [])
        let tokenizer = self.tokenizer
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var i = w
            while i < n { result[i] = tokenizer.encode(texts[i]); i += workers }
        }
        return result.array()
    }

    /// Embeds pre-tokenized sequences into `output` (row i = sequence i).
    func embed(tokenized ids: [[Int32]], into output: UnsafeMutableBufferPointer<Float>) throws {
        let dim = dimension
        for (i, s) in ids.enumerated() {
            guard s.count >= 1, s.count <= encoder.config.maxPositionEmbeddings else {
                throw EmbeddingError(
                    .invalidInput,
                    "sequence \(i) has \(s.count) tokens; the model takes 1...\(encoder.config.maxPositionEmbeddings)")
            }
            if let bad = s.first(where: { $0 < 0 || Int($0) >= encoder.vocabRows }) {
                throw EmbeddingError(.invalidInput, "sequence \(i) has token id \(bad) outside the vocabulary")
            }
        }
        // Longest first, so groups hold similar lengths and the big ones start early.
        let order = ids.indices.sorted { ids[$0].count > ids[$1].count }
        var groups: [Range<Int>] = []
        var start = 0, tokens = 0
        for (pos, idx) in order.enumerated() {
            if pos > start && tokens + ids[idx].count > Self.tokensPerGroup {
                groups.append(start..<pos)
                start = pos
                tokens = 0
            }
            tokens += ids[idx].count
        }
        groups.append(start..<order.count)
        let groupRanges = groups
        let sortedIDs = order.map { ids[$0] }
        let maxTokens = groups.map { g in sortedIDs[g].reduce(0) { $0 + $1.count } }.max() ?? 0
        let maxLen = sortedIDs.first?.count ?? 0

        let workers = min(threads, groupRanges.count)
        let next = GroupCounter()
        let out = UnsafeSendable(output)
        let model = self.encoder
        let pooling = model.config.pooling, normalize = model.config.normalize
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let scratchCount = model.workspaceFloats(tokens: maxTokens, maxLength: maxLen)
            let scratch = allocateAlignedFloats(scratchCount)
            defer { free(scratch) }
            let hidden = scratch
            let workspace = scratch + ((maxTokens * dim + 15) & ~15)
            while let g = next.take(limit: groupRanges.count) {
                let range = groupRanges[g]
                model.encode(sortedIDs[range], output: hidden, workspace: workspace)
                var row = 0
                for pos in range {
                    let len = sortedIDs[pos].count
                    let dst = out.value.baseAddress! + order[pos] * dim
                    Pooling.pool(
                        hidden + row * dim, rows: len, dim: dim, mode: pooling, normalize: normalize, into: dst)
                    row += len
                }
            }
        }
    }
}

/// Hands out group indices to worker threads.
final class GroupCounter: Sendable {
    private let next = Mutex(0)
    func take(limit: Int) -> Int? {
        next.withLock { next in
            guard next < limit else { return nil }
            next += 1
            return next - 1
        }
    }
}

/// A pointer shared by workers that write disjoint rows.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Fixed-size array written at distinct indices by concurrent workers.
final class SharedBuffer<T>: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<T>
    init(count: Int, initial: T) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: initial)
    }
    deinit { storage.baseAddress?.deinitialize(count: storage.count); storage.deallocate() }
    subscript(i: Int) -> T {
        get { storage[i] }
        set { storage[i] = newValue }
    }
    func array() -> [T] { Array(storage) }
}

/// Whether the AVX-512 GEMM kernels are active on this CPU.
public var kernelsUseAVX512: Bool { ek_cpu_has_avx512() != 0 }
