import CEmbeddingKernels
import Foundation
import Testing

/// The packed GEMM (both the AVX-512 and the portable kernel) against a plain triple loop,
/// on sizes that hit every edge: rows not a multiple of the tile, columns not a multiple of 32.
@Suite("GEMM kernels")
struct KernelTests {
    @Test(arguments: [(1, 1, 1), (5, 7, 3), (13, 33, 17), (25, 64, 48), (37, 50, 29), (12, 96, 384), (40, 1536, 384)])
    func gemmMatchesNaive(_ size: (Int, Int, Int)) {
        let (M, N, K) = size
        var rng = SplitMix(seed: UInt64(M * 1000 + N * 10 + K))
        let A = (0..<(M * K)).map { _ in rng.nextFloat() - 0.5 }
        let W = (0..<(N * K)).map { _ in rng.nextFloat() - 0.5 }  // [N, K] like nn.Linear
        let bias = (0..<N).map { _ in rng.nextFloat() - 0.5 }
        let old = (0..<(M * N)).map { _ in rng.nextFloat() - 0.5 }
        var packed = [Float](repeating: .nan, count: ek_packed_floats(Int32(K), Int32(N)) + 16)
        // The kernel needs 64-byte aligned panels: pack into an aligned scratch.
        let aligned = UnsafeMutableRawPointer.allocate(byteCount: packed.count * 4, alignment: 64).bindMemory(
            to: Float.self, capacity: packed.count)
        defer { aligned.deallocate() }
        ek_pack_b(W, K, 1, Int32(K), Int32(N), aligned)
        packed = Array(UnsafeBufferPointer(start: aligned, count: packed.count))

        for (flags, name) in [(Int32(0), "plain"), (EK_GELU_ERF, "gelu"), (EK_ACCUMULATE, "accumulate")] {
            var expected = [Double](repeating: 0, count: M * N)
            for i in 0..<M {
                for j in 0..<N {
                    var acc = Double(bias[j])
                    for k in 0..<K { acc += Double(A[i * K + k]) * Double(W[j * K + k]) }
                    if flags == EK_GELU_ERF { acc = 0.5 * acc * (1 + erf(acc / 2.0.squareRoot())) }
                    if flags == EK_ACCUMULATE { acc += Double(old[i * N + j]) }
                    expected[i * N + j] = acc
                }
            }
            for kernel in [Int32(0), 1] {
                var C = flags == EK_ACCUMULATE ? old : [Float](repeating: .nan, count: M * N)
                ek_gemm_kernel(kernel, Int32(M), Int32(N), Int32(K), A, K, aligned, bias, &C, N, flags)
                let worst = zip(C, expected).map { abs(Double($0) - $1) }.max() ?? 0
                #expect(
                    worst < 1e-4 * Double(max(1, K / 64)), "kernel \(kernel) \(name) \(M)x\(N)x\(K): max diff \(worst)")
            }
        }
    }

    @Test func packedLayoutOfKNOperand() {
        // b_is_nk = 0: B[k][n] row-major, as used for the attention value matrix.
        let K = 3, N = 35
        let B = (0..<(K * N)).map(Float.init)
        var packed = [Float](repeating: -1, count: ek_packed_floats(Int32(K), Int32(N)))
        ek_pack_b(B, N, 0, Int32(K), Int32(N), &packed)
        #expect(packed[0] == 0 && packed[1] == 1 && packed[32] == Float(N))
        // Second panel: columns 32...34, zero padded.
        let p1 = K * 32
        #expect(packed[p1] == 32 && packed[p1 + 2] == 34 && packed[p1 + 3] == 0)
    }
}
