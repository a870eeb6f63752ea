/// Sentence-transformers Pooling and Normalize modules over one unpadded sequence.
enum Pooling {
    static func pool(
        _ hidden: UnsafePointer<Float>, rows: Int, dim: Int, mode: PoolingMode,
        normalize: Bool, into out: UnsafeMutablePointer<Float>
    ) {
        switch mode {
        case .cls:
            out.update(from: hidden, count: dim)
        case .mean:
            // Every row is a real token (no padding), so the mask sum is the row count.
            for j in 0..<dim { out[j] = 0 }
            for r in 0..<rows {
                let h = hidden + r * dim
                for j in 0..<dim { out[j] += h[j] }
            }
            let inv = 1 / Float(max(rows, 1))
            for j in 0..<dim { out[j] *= inv }
        }
        if normalize {
            var sum: Float = 0
            for j in 0..<dim { sum += out[j] * out[j] }
            // torch.nn.functional.normalize: x / max(||x||, 1e-12)
            let inv = 1 / max(sum.squareRoot(), 1e-12)
            for j in 0..<dim { out[j] *= inv }
        }
    }
}
