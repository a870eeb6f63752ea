// Optional bf16 GEMM for the dense layers (AVX512_BF16 `vdpbf16ps`): weights are packed once
// as bf16 pairs along k, activations are rounded to bf16 per call, products accumulate in
// fp32. Twice the multiply throughput of fp32 at a small accuracy cost (cosine ~0.999+), so
// it is opt-in and only used when the CPU reports avx512_bf16.
#include "CEmbeddingKernels.h"
#include "kernels_internal.h"

#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define EK_BF16_X86 1
#else
#define EK_BF16_X86 0
#endif

#define MR_BF16 12

static int ek_bf16_mode = -1;

int ek_cpu_has_avx512bf16(void) {
    if (ek_bf16_mode < 0) {
#if EK_BF16_X86
        __builtin_cpu_init();
        ek_bf16_mode = (ek_cpu_has_avx512() && __builtin_cpu_supports("avx512bf16")) ? 1 : 0;
#else
        ek_bf16_mode = 0;
#endif
    }
    return ek_bf16_mode;
}

// Round to nearest even, as the hardware conversion does.
static uint16_t float_to_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

size_t ek_packed_bf16_elements(int K, int N) {
    size_t panels = (size_t)(N + EK_PANEL - 1) / EK_PANEL;
    size_t kpairs = (size_t)(K + 1) / 2;
    return panels * kpairs * EK_PANEL * 2;
}

void ek_pack_b_bf16(const float *B, long ldb, int b_is_nk, int K, int N, uint16_t *packed) {
    int panels = (N + EK_PANEL - 1) / EK_PANEL, kpairs = (K + 1) / 2;
    for (int p = 0; p < panels; p++) {
        for (int kp = 0; kp < kpairs; kp++) {
            uint16_t *dst = packed + ((size_t)p * kpairs + kp) * EK_PANEL * 2;
            for (int j = 0; j < EK_PANEL; j++) {
                int n = p * EK_PANEL + j;
                for (int h = 0; h < 2; h++) {
                    int k = 2 * kp + h;
                    float v = 0.0f;
                    if (n < N && k < K) v = b_is_nk ? B[(size_t)n * ldb + k] : B[(size_t)k * ldb + n];
                    dst[2 * j + h] = float_to_bf16(v);
                }
            }
        }
    }
}

#if EK_BF16_X86
#define BF16 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx512bf16,fma,avx2")))

BF16 static inline __attribute__((always_inline)) __m512 epilogue_bf16(__m512 v, const float *c, __mmask16 mask, int flags) {
    if (flags & EK_GELU_ERF) {
        v = ek_gelu_erf_avx512(v);
    } else if (flags & (EK_GELU_TANH | EK_RELU)) {
        float tmp[16];
        _mm512_storeu_ps(tmp, v);
        for (int j = 0; j < 16; j++) tmp[j] = ek_activation_scalar(tmp[j], flags);
        v = _mm512_loadu_ps(tmp);
    }
    if (flags & EK_ACCUMULATE) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, c));
    return v;
}

#define DEFINE_TILE_BF16(MR)                                                                      \
BF16 static void tile_bf16_##MR(int kpairs, const uint16_t *A, long lda, const uint16_t *bp,      \
                                const float *bias, float *C, long ldc, int nw, int flags) {       \
    __m512 c0[MR], c1[MR];                                                                        \
    EK_UNROLL for (int i = 0; i < MR; i++) { c0[i] = _mm512_setzero_ps(); c1[i] = _mm512_setzero_ps(); }    \
    for (int kp = 0; kp < kpairs; kp++) {                                                         \
        __m512bh b0 = (__m512bh)_mm512_load_si512((const void *)(bp + (size_t)kp * 64));          \
        __m512bh b1 = (__m512bh)_mm512_load_si512((const void *)(bp + (size_t)kp * 64 + 32));     \
        EK_UNROLL for (int i = 0; i < MR; i++) {                                                            \
            uint32_t pair;                                                                        \
            memcpy(&pair, A + (size_t)i * lda + 2 * kp, 4);                                       \
            __m512bh av = (__m512bh)_mm512_set1_epi32((int)pair);                                 \
            c0[i] = _mm512_dpbf16_ps(c0[i], av, b0);                                              \
            c1[i] = _mm512_dpbf16_ps(c1[i], av, b1);                                              \
        }                                                                                         \
    }                                                                                             \
    __mmask16 m0 = nw >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nw) - 1u);                   \
    __mmask16 m1 = nw >= 32 ? (__mmask16)0xFFFF : (nw <= 16 ? 0 : (__mmask16)((1u << (nw - 16)) - 1u)); \
    __m512 bias0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();                  \
    __m512 bias1 = bias ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();             \
    EK_UNROLL for (int i = 0; i < MR; i++) {                                                                \
        float *c = C + (size_t)i * ldc;                                                           \
        _mm512_mask_storeu_ps(c, m0, epilogue_bf16(_mm512_add_ps(c0[i], bias0), c, m0, flags));   \
        if (m1) _mm512_mask_storeu_ps(c + 16, m1,                                                 \
                    epilogue_bf16(_mm512_add_ps(c1[i], bias1), c + 16, m1, flags));               \
    }                                                                                             \
}

DEFINE_TILE_BF16(1) DEFINE_TILE_BF16(2) DEFINE_TILE_BF16(3) DEFINE_TILE_BF16(4) DEFINE_TILE_BF16(5)
DEFINE_TILE_BF16(6) DEFINE_TILE_BF16(7) DEFINE_TILE_BF16(8) DEFINE_TILE_BF16(9) DEFINE_TILE_BF16(10)
DEFINE_TILE_BF16(11) DEFINE_TILE_BF16(12)

typedef void (*tile_bf16_fn)(int, const uint16_t *, long, const uint16_t *, const float *, float *, long, int, int);
static const tile_bf16_fn tiles_bf16[MR_BF16 + 1] = {
    0, tile_bf16_1, tile_bf16_2, tile_bf16_3, tile_bf16_4, tile_bf16_5, tile_bf16_6,
    tile_bf16_7, tile_bf16_8, tile_bf16_9, tile_bf16_10, tile_bf16_11, tile_bf16_12,
};

BF16 static void convert_rows_bf16(int M, int K, const float *A, long lda, uint16_t *dst, long ldd) {
    for (int i = 0; i < M; i++) {
        const float *a = A + (size_t)i * lda;
        uint16_t *d = dst + (size_t)i * ldd;
        int k = 0;
        for (; k + 16 <= K; k += 16)
            _mm256_storeu_si256((__m256i *)(d + k), (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(a + k)));
        if (k < K) {
            __mmask16 m = (__mmask16)((1u << (K - k)) - 1u);
            __m256i v = (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, a + k));
            _mm256_mask_storeu_epi16(d + k, m, v);
        }
        if (K & 1) d[K] = 0;
    }
}

BF16 static void gemm_bf16_avx512(int M, int N, int K, const float *A, long lda, const uint16_t *packed,
                                  const float *bias, float *C, long ldc, int flags, uint16_t *scratch) {
    int kpairs = (K + 1) / 2;
    long ldd = 2L * kpairs;
    convert_rows_bf16(M, K, A, lda, scratch, ldd);
    int panels = (N + EK_PANEL - 1) / EK_PANEL;
    int mc = (int)((96 * 1024 / 2) / (K > 0 ? K : 1));
    mc = (mc / MR_BF16) * MR_BF16;
    if (mc < MR_BF16) mc = MR_BF16;
    for (int m0 = 0; m0 < M; m0 += mc) {
        int mend = m0 + mc < M ? m0 + mc : M;
        for (int p = 0; p < panels; p++) {
            const uint16_t *bp = packed + (size_t)p * kpairs * EK_PANEL * 2;
            int n0 = p * EK_PANEL;
            int nw = N - n0 < EK_PANEL ? N - n0 : EK_PANEL;
            const float *pb = bias ? bias + n0 : 0;
            for (int i0 = m0; i0 < mend; i0 += MR_BF16) {
                int mr = mend - i0 < MR_BF16 ? mend - i0 : MR_BF16;
                tiles_bf16[mr](kpairs, scratch + (size_t)i0 * ldd, ldd, bp, pb, C + (size_t)i0 * ldc + n0, ldc, nw, flags);
            }
        }
    }
}
#endif

int ek_gemm_bf16(int M, int N, int K, const float *A, long lda, const uint16_t *packed,
                 const float *bias, float *C, long ldc, int flags, uint16_t *scratch) {
    if (M <= 0 || N <= 0) return 1;
#if EK_BF16_X86
    if (ek_cpu_has_avx512bf16()) {
        gemm_bf16_avx512(M, N, K, A, lda, packed, bias, C, ldc, flags, scratch);
        return 1;
    }
#endif
    return 0;
}
