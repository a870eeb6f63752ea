// Packed-panel fp32 GEMM with an AVX-512 micro-kernel and a portable fallback.
//
// The right-hand operand (weights) is packed once into panels of 32 columns so the
// micro-kernel reads it contiguously; the left operand (activations) is read in place
// because every row is contiguous in k. The AVX-512 path is compiled with per-function
// target attributes and chosen at run time, so the target builds for any x86-64 CPU.
#include "CEmbeddingKernels.h"
#include "kernels_internal.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define EK_X86 1
#else
#define EK_X86 0
#endif

#define MR_AVX512 12
#define MR_PORTABLE 4

static int ek_mode = -1; // -1 unknown, 0 portable, 1 avx512

int ek_cpu_has_avx512(void) {
    if (ek_mode < 0) {
#if EK_X86
        __builtin_cpu_init();
        ek_mode = (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
                   && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")
                   && __builtin_cpu_supports("fma")) ? 1 : 0;
#else
        ek_mode = 0;
#endif
    }
    return ek_mode;
}


size_t ek_packed_floats(int K, int N) {
    size_t panels = (size_t)(N + EK_PANEL - 1) / EK_PANEL;
    return panels * (size_t)K * EK_PANEL;
}

void ek_pack_b(const float *B, long ldb, int b_is_nk, int K, int N, float *packed) {
    int panels = (N + EK_PANEL - 1) / EK_PANEL;
    for (int p = 0; p < panels; p++) {
        float *dst = packed + (size_t)p * K * EK_PANEL;
        int n0 = p * EK_PANEL;
        int nw = N - n0 < EK_PANEL ? N - n0 : EK_PANEL;
        if (b_is_nk) {
            for (int j = 0; j < EK_PANEL; j++) {
                if (j < nw) {
                    const float *src = B + (size_t)(n0 + j) * ldb;
                    for (int k = 0; k < K; k++) dst[(size_t)k * EK_PANEL + j] = src[k];
                } else {
                    for (int k = 0; k < K; k++) dst[(size_t)k * EK_PANEL + j] = 0.0f;
                }
            }
        } else {
            for (int k = 0; k < K; k++) {
                const float *src = B + (size_t)k * ldb + n0;
                float *d = dst + (size_t)k * EK_PANEL;
                memcpy(d, src, sizeof(float) * (size_t)nw);
                for (int j = nw; j < EK_PANEL; j++) d[j] = 0.0f;
            }
        }
    }
}

// ---------------------------------------------------------------- scalar helpers

static inline float gelu_erf_scalar(float x) { return 0.5f * x * (1.0f + erff(x * 0.70710678118654752440f)); }
static inline float gelu_tanh_scalar(float x) {
    return 0.5f * x * (1.0f + tanhf(0.79788456080286535588f * (x + 0.044715f * x * x * x)));
}

float ek_activation_scalar(float v, int flags) {
    if (flags & EK_GELU_ERF) return gelu_erf_scalar(v);
    if (flags & EK_GELU_TANH) return gelu_tanh_scalar(v);
    if (flags & EK_RELU) return v > 0.0f ? v : 0.0f;
    return v;
}

static inline float epilogue_scalar(float v, float old, int flags) {
    v = ek_activation_scalar(v, flags);
    if (flags & EK_ACCUMULATE) v += old;
    return v;
}

// ---------------------------------------------------------------- portable kernel

static void gemm_portable(int M, int N, int K, const float *A, long lda, const float *packed,
                          const float *bias, float *C, long ldc, int flags) {
    int panels = (N + EK_PANEL - 1) / EK_PANEL;
    for (int p = 0; p < panels; p++) {
        const float *bp = packed + (size_t)p * K * EK_PANEL;
        int n0 = p * EK_PANEL;
        int nw = N - n0 < EK_PANEL ? N - n0 : EK_PANEL;
        for (int i0 = 0; i0 < M; i0 += MR_PORTABLE) {
            int mr = M - i0 < MR_PORTABLE ? M - i0 : MR_PORTABLE;
            float acc[MR_PORTABLE][EK_PANEL];
            memset(acc, 0, sizeof acc);
            for (int k = 0; k < K; k++) {
                const float *b = bp + (size_t)k * EK_PANEL;
                for (int i = 0; i < mr; i++) {
                    float a = A[(size_t)(i0 + i) * lda + k];
                    for (int j = 0; j < EK_PANEL; j++) acc[i][j] += a * b[j];
                }
            }
            for (int i = 0; i < mr; i++) {
                float *c = C + (size_t)(i0 + i) * ldc + n0;
                for (int j = 0; j < nw; j++) {
                    float v = acc[i][j] + (bias ? bias[n0 + j] : 0.0f);
                    c[j] = epilogue_scalar(v, (flags & EK_ACCUMULATE) ? c[j] : 0.0f, flags);
                }
            }
        }
    }
}

// ---------------------------------------------------------------- AVX-512 kernel

#if EK_X86
#define AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma,avx2")))

// exp via 2^n * poly(r) (Cephes coefficients), ~1 ulp on the softmax input range.
AVX512 static inline __m512 ek_exp_avx512(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.3f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 r2 = _mm512_mul_ps(r, r);
    __m512 p = _mm512_set1_ps(1.9875691500E-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507E-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073E-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894E-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459E-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201E-1f));
    p = _mm512_fmadd_ps(p, r2, r);
    p = _mm512_add_ps(p, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

AVX512 static inline __attribute__((always_inline)) __m512 epilogue_avx512(__m512 v, const float *c, __mmask16 mask, int flags) {
    if (flags & EK_GELU_ERF) {
        v = ek_gelu_erf_avx512(v);
    } else if (flags & EK_GELU_TANH) {
        float tmp[16];
        _mm512_storeu_ps(tmp, v);
        for (int j = 0; j < 16; j++) tmp[j] = gelu_tanh_scalar(tmp[j]);
        v = _mm512_loadu_ps(tmp);
    } else if (flags & EK_RELU) {
        v = _mm512_max_ps(v, _mm512_setzero_ps());
    }
    if (flags & EK_ACCUMULATE) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, c));
    return v;
}

// One MR x 32 tile over the full K: 2*MR zmm accumulators stay in registers
// (24 + 2 B vectors + 1 broadcast for MR = 12, within the 32 zmm registers).
#define DEFINE_TILE(MR)                                                                          \
AVX512 static void tile_avx512_##MR(int K, const float *A, long lda, const float *bp,            \
                                    const float *bias, float *C, long ldc, int nw, int flags) {  \
    __m512 c0[MR], c1[MR];                                                                       \
    EK_UNROLL for (int i = 0; i < MR; i++) { c0[i] = _mm512_setzero_ps(); c1[i] = _mm512_setzero_ps(); }   \
    const float *a[MR];                                                                          \
    EK_UNROLL for (int i = 0; i < MR; i++) a[i] = A + (size_t)i * lda;                                     \
    for (int k = 0; k < K; k++) {                                                                \
        __m512 b0 = _mm512_load_ps(bp + (size_t)k * EK_PANEL);                                   \
        __m512 b1 = _mm512_load_ps(bp + (size_t)k * EK_PANEL + 16);                              \
        EK_UNROLL for (int i = 0; i < MR; i++) {                                                           \
            __m512 av = _mm512_set1_ps(a[i][k]);                                                 \
            c0[i] = _mm512_fmadd_ps(av, b0, c0[i]);                                              \
            c1[i] = _mm512_fmadd_ps(av, b1, c1[i]);                                              \
        }                                                                                        \
    }                                                                                            \
    __mmask16 m0 = nw >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nw) - 1u);                  \
    __mmask16 m1 = nw >= 32 ? (__mmask16)0xFFFF : (nw <= 16 ? 0 : (__mmask16)((1u << (nw - 16)) - 1u)); \
    __m512 bias0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();                 \
    __m512 bias1 = bias ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();            \
    EK_UNROLL for (int i = 0; i < MR; i++) {                                                               \
        float *c = C + (size_t)i * ldc;                                                          \
        _mm512_mask_storeu_ps(c, m0, epilogue_avx512(_mm512_add_ps(c0[i], bias0), c, m0, flags)); \
        if (m1) _mm512_mask_storeu_ps(c + 16, m1,                                                \
                    epilogue_avx512(_mm512_add_ps(c1[i], bias1), c + 16, m1, flags));            \
    }                                                                                            \
}

DEFINE_TILE(1) DEFINE_TILE(2) DEFINE_TILE(3) DEFINE_TILE(4) DEFINE_TILE(5) DEFINE_TILE(6)
DEFINE_TILE(7) DEFINE_TILE(8) DEFINE_TILE(9) DEFINE_TILE(10) DEFINE_TILE(11) DEFINE_TILE(12)

typedef void (*tile_fn)(int, const float *, long, const float *, const float *, float *, long, int, int);
static const tile_fn tiles_avx512[MR_AVX512 + 1] = {
    0, tile_avx512_1, tile_avx512_2, tile_avx512_3, tile_avx512_4, tile_avx512_5, tile_avx512_6,
    tile_avx512_7, tile_avx512_8, tile_avx512_9, tile_avx512_10, tile_avx512_11, tile_avx512_12,
};

AVX512 static void gemm_avx512(int M, int N, int K, const float *A, long lda, const float *packed,
                               const float *bias, float *C, long ldc, int flags) {
    int panels = (N + EK_PANEL - 1) / EK_PANEL;
    // Row blocks sized so the A block stays in L2 while every panel streams past it;
    // within a block each panel is reused by all its tiles from L1/L2.
    int mc = (int)((96 * 1024 / 4) / (K > 0 ? K : 1));
    mc = (mc / MR_AVX512) * MR_AVX512;
    if (mc < MR_AVX512) mc = MR_AVX512;
    for (int m0 = 0; m0 < M; m0 += mc) {
        int mend = m0 + mc < M ? m0 + mc : M;
        for (int p = 0; p < panels; p++) {
            const float *bp = packed + (size_t)p * K * EK_PANEL;
            int n0 = p * EK_PANEL;
            int nw = N - n0 < EK_PANEL ? N - n0 : EK_PANEL;
            const float *pb = bias ? bias + n0 : 0;
            for (int i0 = m0; i0 < mend; i0 += MR_AVX512) {
                int mr = mend - i0 < MR_AVX512 ? mend - i0 : MR_AVX512;
                tiles_avx512[mr](K, A + (size_t)i0 * lda, lda, bp, pb, C + (size_t)i0 * ldc + n0, ldc, nw, flags);
            }
        }
    }
}
#endif

void ek_gemm(int M, int N, int K, const float *A, long lda, const float *packed,
             const float *bias, float *C, long ldc, int flags) {
    ek_gemm_kernel(ek_cpu_has_avx512(), M, N, K, A, lda, packed, bias, C, ldc, flags);
}

void ek_gemm_kernel(int kernel, int M, int N, int K, const float *A, long lda, const float *packed,
                    const float *bias, float *C, long ldc, int flags) {
    if (M <= 0 || N <= 0) return;
#if EK_X86
    if (kernel == 1 && ek_cpu_has_avx512()) { gemm_avx512(M, N, K, A, lda, packed, bias, C, ldc, flags); return; }
#endif
    gemm_portable(M, N, K, A, lda, packed, bias, C, ldc, flags);
}

uint64_t ek_hash64(const void *data, size_t len, uint64_t seed) {
    // xxHash64-style four-lane mixing: fast enough to fingerprint the whole weight file at load.
    const uint64_t P1 = 11400714785074694791ULL, P2 = 14029467366897019727ULL,
                   P3 = 1609587929392839161ULL, P4 = 9650029242287828579ULL, P5 = 2870177450012600261ULL;
#define ROTL(x, r) (((x) << (r)) | ((x) >> (64 - (r))))
    const uint8_t *p = (const uint8_t *)data, *end = p + len;
    uint64_t h;
    if (len >= 32) {
        uint64_t v[4] = {seed + P1 + P2, seed + P2, seed, seed - P1};
        while (p + 32 <= end) {
            for (int i = 0; i < 4; i++) {
                uint64_t w; memcpy(&w, p + 8 * i, 8);
                v[i] += w * P2; v[i] = ROTL(v[i], 31); v[i] *= P1;
            }
            p += 32;
        }
        h = ROTL(v[0], 1) + ROTL(v[1], 7) + ROTL(v[2], 12) + ROTL(v[3], 18);
        for (int i = 0; i < 4; i++) {
            uint64_t k = v[i] * P2; k = ROTL(k, 31); k *= P1;
            h ^= k; h = h * P1 + P4;
        }
    } else {
        h = seed + P5;
    }
    h += (uint64_t)len;
    while (p + 8 <= end) {
        uint64_t w; memcpy(&w, p, 8);
        uint64_t k = w * P2; k = ROTL(k, 31); k *= P1;
        h ^= k; h = ROTL(h, 27) * P1 + P4; p += 8;
    }
    while (p < end) { h ^= (*p) * P5; h = ROTL(h, 11) * P1; p++; }
    h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32;
#undef ROTL
    return h;
}

// ---------------------------------------------------------------- softmax

#if EK_X86
AVX512 static void softmax_avx512(float *x, int rows, int n, long ld, float scale) {
    __m512 vs = _mm512_set1_ps(scale);
    for (int r = 0; r < rows; r++) {
        float *row = x + (size_t)r * ld;
        __m512 vmax = _mm512_set1_ps(-INFINITY);
        int j = 0;
        for (; j + 16 <= n; j += 16) vmax = _mm512_max_ps(vmax, _mm512_loadu_ps(row + j));
        if (j < n) {
            __mmask16 m = (__mmask16)((1u << (n - j)) - 1u);
            vmax = _mm512_max_ps(vmax, _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), m, row + j));
        }
        __m512 vmaxs = _mm512_set1_ps(_mm512_reduce_max_ps(vmax) * scale);
        __m512 vsum = _mm512_setzero_ps();
        for (j = 0; j + 16 <= n; j += 16) {
            __m512 e = ek_exp_avx512(_mm512_fmsub_ps(_mm512_loadu_ps(row + j), vs, vmaxs));
            _mm512_storeu_ps(row + j, e);
            vsum = _mm512_add_ps(vsum, e);
        }
        if (j < n) {
            __mmask16 m = (__mmask16)((1u << (n - j)) - 1u);
            __m512 e = ek_exp_avx512(_mm512_fmsub_ps(_mm512_maskz_loadu_ps(m, row + j), vs, vmaxs));
            e = _mm512_maskz_mov_ps(m, e);
            _mm512_mask_storeu_ps(row + j, m, e);
            vsum = _mm512_add_ps(vsum, e);
        }
        __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(vsum));
        for (j = 0; j + 16 <= n; j += 16) _mm512_storeu_ps(row + j, _mm512_mul_ps(_mm512_loadu_ps(row + j), inv));
        if (j < n) {
            __mmask16 m = (__mmask16)((1u << (n - j)) - 1u);
            _mm512_mask_storeu_ps(row + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, row + j), inv));
        }
    }
}
#endif

void ek_softmax_rows(float *x, int rows, int n, long ld, float scale) {
#if EK_X86
    if (ek_cpu_has_avx512()) { softmax_avx512(x, rows, n, ld, scale); return; }
#endif
    for (int r = 0; r < rows; r++) {
        float *row = x + (size_t)r * ld;
        float mx = -INFINITY;
        for (int j = 0; j < n; j++) mx = row[j] > mx ? row[j] : mx;
        float sum = 0.0f;
        for (int j = 0; j < n; j++) { row[j] = expf(row[j] * scale - mx * scale); sum += row[j]; }
        float inv = 1.0f / sum;
        for (int j = 0; j < n; j++) row[j] *= inv;
    }
}
