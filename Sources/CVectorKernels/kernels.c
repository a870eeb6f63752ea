// SIMD kernels for VectorIndex. The package builds without a global -mavx512f,
// so AVX-512 code is compiled per function with target attributes and chosen
// at run time; the portable versions keep other x86 and non-x86 hosts working.
#include "CVectorKernels.h"
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CVK_X86 1
#else
#define CVK_X86 0
#endif

// ---------- portable ----------

static float dot_f32_portable(const float *a, const float *b, size_t dim) {
    // Four partial sums let the compiler vectorize without -ffast-math.
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= dim; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < dim; i++) s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

static void dot_f32_batch_portable(const float *q, const float *base, size_t n, size_t dim, float *out) {
    for (size_t r = 0; r < n; r++) out[r] = dot_f32_portable(q, base + r * dim, dim);
}

static int32_t dot_u8s8_portable(const uint8_t *q, const int8_t *row, size_t dim) {
    int32_t s = 0;
    for (size_t i = 0; i < dim; i++) s += (int32_t)q[i] * (int32_t)row[i];
    return s;
}

static int32_t dot_s8s8_portable(const int8_t *a, const int8_t *b, size_t dim) {
    int32_t s = 0;
    for (size_t i = 0; i < dim; i++) s += (int32_t)a[i] * (int32_t)b[i];
    return s;
}

static void dot_u8s8_batch_portable(const uint8_t *q, const int8_t *base, size_t n, size_t dim, int32_t *out) {
    for (size_t r = 0; r < n; r++) out[r] = dot_u8s8_portable(q, base + r * dim, dim);
}

static uint32_t crc_table[256];
static int crc_table_ready = 0;

static uint32_t crc32c_portable(uint32_t crc, const void *data, size_t length) {
    if (!crc_table_ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : (c >> 1);
            crc_table[i] = c;
        }
        crc_table_ready = 1;
    }
    const uint8_t *p = (const uint8_t *)data;
    crc = ~crc;
    for (size_t i = 0; i < length; i++) crc = crc_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

// ---------- AVX-512 ----------
#if CVK_X86

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq")))
#define AVX512VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

AVX512 static inline __mmask16 tail_mask16(size_t remaining) {
    return (__mmask16)((1u << remaining) - 1u);
}

AVX512 static float dot_f32_avx512(const float *a, const float *b, size_t dim) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    __m512 s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 64 <= dim; i += 64) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
        s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), s2);
        s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), s3);
    }
    for (; i + 16 <= dim; i += 16)
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    if (i < dim) {
        __mmask16 m = tail_mask16(dim - i);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

// Four rows per pass share each query load; the scan is memory-bound, so the
// prefetch a few rows ahead matters more than the arithmetic.
AVX512 static void dot_f32_batch_avx512(const float *q, const float *base, size_t n, size_t dim, float *out) {
    size_t r = 0;
    const size_t rowBytes = dim * sizeof(float);
    for (; r + 4 <= n; r += 4) {
        const float *r0 = base + r * dim, *r1 = r0 + dim, *r2 = r1 + dim, *r3 = r2 + dim;
        const char *ahead = (const char *)(r0 + 8 * dim);
        if (r + 12 <= n) {
            for (size_t off = 0; off < 4 * rowBytes; off += 64) _mm_prefetch(ahead + off, _MM_HINT_T0);
        }
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
        __m512 a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
        size_t i = 0;
        for (; i + 16 <= dim; i += 16) {
            __m512 qv = _mm512_loadu_ps(q + i);
            a0 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(r0 + i), a0);
            a1 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(r1 + i), a1);
            a2 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(r2 + i), a2);
            a3 = _mm512_fmadd_ps(qv, _mm512_loadu_ps(r3 + i), a3);
        }
        if (i < dim) {
            __mmask16 m = tail_mask16(dim - i);
            __m512 qv = _mm512_maskz_loadu_ps(m, q + i);
            a0 = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(m, r0 + i), a0);
            a1 = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(m, r1 + i), a1);
            a2 = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(m, r2 + i), a2);
            a3 = _mm512_fmadd_ps(qv, _mm512_maskz_loadu_ps(m, r3 + i), a3);
        }
        out[r] = _mm512_reduce_add_ps(a0);
        out[r + 1] = _mm512_reduce_add_ps(a1);
        out[r + 2] = _mm512_reduce_add_ps(a2);
        out[r + 3] = _mm512_reduce_add_ps(a3);
    }
    // Same accumulation order as one lane of the 4-row loop, so a row's score
    // does not depend on where a block or thread partition happens to start.
    for (; r < n; r++) {
        const float *row = base + r * dim;
        __m512 a0 = _mm512_setzero_ps();
        size_t i = 0;
        for (; i + 16 <= dim; i += 16) a0 = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), _mm512_loadu_ps(row + i), a0);
        if (i < dim) {
            __mmask16 m = tail_mask16(dim - i);
            a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, q + i), _mm512_maskz_loadu_ps(m, row + i), a0);
        }
        out[r] = _mm512_reduce_add_ps(a0);
    }
}

AVX512VNNI static int32_t dot_u8s8_vnni(const uint8_t *q, const int8_t *row, size_t dim) {
    __m512i s0 = _mm512_setzero_si512(), s1 = _mm512_setzero_si512();
    size_t i = 0;
    for (; i + 128 <= dim; i += 128) {
        s0 = _mm512_dpbusd_epi32(s0, _mm512_loadu_si512(q + i), _mm512_loadu_si512(row + i));
        s1 = _mm512_dpbusd_epi32(s1, _mm512_loadu_si512(q + i + 64), _mm512_loadu_si512(row + i + 64));
    }
    for (; i + 64 <= dim; i += 64)
        s0 = _mm512_dpbusd_epi32(s0, _mm512_loadu_si512(q + i), _mm512_loadu_si512(row + i));
    if (i < dim) {
        __mmask64 m = (dim - i >= 64) ? ~(__mmask64)0 : (((__mmask64)1 << (dim - i)) - 1);
        s1 = _mm512_dpbusd_epi32(s1, _mm512_maskz_loadu_epi8(m, q + i), _mm512_maskz_loadu_epi8(m, row + i));
    }
    return _mm512_reduce_add_epi32(_mm512_add_epi32(s0, s1));
}

// Sign-extends to int16 and multiplies pairwise: exact, and VNNI's u8 x s8
// form would need one operand biased, which stored rows are not.
AVX512 static int32_t dot_s8s8_avx512(const int8_t *a, const int8_t *b, size_t dim) {
    __m512i s0 = _mm512_setzero_si512(), s1 = _mm512_setzero_si512();
    size_t i = 0;
    for (; i + 64 <= dim; i += 64) {
        __m512i a0 = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(a + i)));
        __m512i b0 = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(b + i)));
        __m512i a1 = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(a + i + 32)));
        __m512i b1 = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(b + i + 32)));
        s0 = _mm512_add_epi32(s0, _mm512_madd_epi16(a0, b0));
        s1 = _mm512_add_epi32(s1, _mm512_madd_epi16(a1, b1));
    }
    for (; i + 32 <= dim; i += 32) {
        __m512i a0 = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(a + i)));
        __m512i b0 = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(b + i)));
        s0 = _mm512_add_epi32(s0, _mm512_madd_epi16(a0, b0));
    }
    int32_t s = _mm512_reduce_add_epi32(_mm512_add_epi32(s0, s1));
    for (; i < dim; i++) s += (int32_t)a[i] * (int32_t)b[i];
    return s;
}

AVX512VNNI static void dot_u8s8_batch_vnni(const uint8_t *q, const int8_t *base, size_t n, size_t dim, int32_t *out) {
    size_t r = 0;
    for (; r + 4 <= n; r += 4) {
        const int8_t *r0 = base + r * dim, *r1 = r0 + dim, *r2 = r1 + dim, *r3 = r2 + dim;
        if (r + 12 <= n) {
            const char *ahead = (const char *)(r0 + 8 * dim);
            for (size_t off = 0; off < 4 * dim; off += 64) _mm_prefetch(ahead + off, _MM_HINT_T0);
        }
        __m512i a0 = _mm512_setzero_si512(), a1 = _mm512_setzero_si512();
        __m512i a2 = _mm512_setzero_si512(), a3 = _mm512_setzero_si512();
        size_t i = 0;
        for (; i + 64 <= dim; i += 64) {
            __m512i qv = _mm512_loadu_si512(q + i);
            a0 = _mm512_dpbusd_epi32(a0, qv, _mm512_loadu_si512(r0 + i));
            a1 = _mm512_dpbusd_epi32(a1, qv, _mm512_loadu_si512(r1 + i));
            a2 = _mm512_dpbusd_epi32(a2, qv, _mm512_loadu_si512(r2 + i));
            a3 = _mm512_dpbusd_epi32(a3, qv, _mm512_loadu_si512(r3 + i));
        }
        if (i < dim) {
            __mmask64 m = ((__mmask64)1 << (dim - i)) - 1;
            __m512i qv = _mm512_maskz_loadu_epi8(m, q + i);
            a0 = _mm512_dpbusd_epi32(a0, qv, _mm512_maskz_loadu_epi8(m, r0 + i));
            a1 = _mm512_dpbusd_epi32(a1, qv, _mm512_maskz_loadu_epi8(m, r1 + i));
            a2 = _mm512_dpbusd_epi32(a2, qv, _mm512_maskz_loadu_epi8(m, r2 + i));
            a3 = _mm512_dpbusd_epi32(a3, qv, _mm512_maskz_loadu_epi8(m, r3 + i));
        }
        out[r] = _mm512_reduce_add_epi32(a0);
        out[r + 1] = _mm512_reduce_add_epi32(a1);
        out[r + 2] = _mm512_reduce_add_epi32(a2);
        out[r + 3] = _mm512_reduce_add_epi32(a3);
    }
    for (; r < n; r++) out[r] = dot_u8s8_vnni(q, base + r * dim, dim);
}

__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const void *data, size_t length) {
    const uint8_t *p = (const uint8_t *)data;
    uint64_t c = ~crc;
    while (length >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c = _mm_crc32_u64(c, w);
        p += 8;
        length -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (length--) c32 = _mm_crc32_u8(c32, *p++);
    return ~c32;
}
#endif

// ---------- dispatch ----------

typedef float (*dot_f32_fn)(const float *, const float *, size_t);
typedef void (*dot_f32_batch_fn)(const float *, const float *, size_t, size_t, float *);
typedef int32_t (*dot_u8s8_fn)(const uint8_t *, const int8_t *, size_t);
typedef void (*dot_u8s8_batch_fn)(const uint8_t *, const int8_t *, size_t, size_t, int32_t *);
typedef int32_t (*dot_s8s8_fn)(const int8_t *, const int8_t *, size_t);
typedef uint32_t (*crc_fn)(uint32_t, const void *, size_t);

static dot_f32_fn p_dot_f32 = dot_f32_portable;
static dot_f32_batch_fn p_dot_f32_batch = dot_f32_batch_portable;
static dot_u8s8_fn p_dot_u8s8 = dot_u8s8_portable;
static dot_u8s8_batch_fn p_dot_u8s8_batch = dot_u8s8_batch_portable;
static dot_s8s8_fn p_dot_s8s8 = dot_s8s8_portable;
static crc_fn p_crc = crc32c_portable;
static int active_isa = 0;

static void select_kernels(int portable) {
    p_dot_f32 = dot_f32_portable;
    p_dot_f32_batch = dot_f32_batch_portable;
    p_dot_u8s8 = dot_u8s8_portable;
    p_dot_u8s8_batch = dot_u8s8_batch_portable;
    p_dot_s8s8 = dot_s8s8_portable;
    p_crc = crc32c_portable;
    active_isa = 0;
#if CVK_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("sse4.2")) p_crc = crc32c_sse42;
    if (!portable && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) {
        p_dot_f32 = dot_f32_avx512;
        p_dot_f32_batch = dot_f32_batch_avx512;
        p_dot_s8s8 = dot_s8s8_avx512;
        active_isa = 2;
        if (__builtin_cpu_supports("avx512vnni")) {
            p_dot_u8s8 = dot_u8s8_vnni;
            p_dot_u8s8_batch = dot_u8s8_batch_vnni;
        }
    }
#else
    (void)portable;
#endif
}

// Runs before Swift code touches the kernels, so the pointers are never
// written while another thread reads them (except via cvk_force_portable in tests).
__attribute__((constructor)) static void cvk_init(void) { select_kernels(0); }

int cvk_active_isa(void) { return active_isa; }
void cvk_force_portable(int portable) { select_kernels(portable); }

float cvk_dot_f32(const float *a, const float *b, size_t dim) { return p_dot_f32(a, b, dim); }
void cvk_dot_f32_batch(const float *q, const float *base, size_t n, size_t dim, float *out) {
    p_dot_f32_batch(q, base, n, dim, out);
}
int32_t cvk_dot_u8s8(const uint8_t *q, const int8_t *row, size_t dim) { return p_dot_u8s8(q, row, dim); }
void cvk_dot_u8s8_batch(const uint8_t *q, const int8_t *base, size_t n, size_t dim, int32_t *out) {
    p_dot_u8s8_batch(q, base, n, dim, out);
}
int32_t cvk_dot_s8s8(const int8_t *a, const int8_t *b, size_t dim) { return p_dot_s8s8(a, b, dim); }
void cvk_prefetch(const void *p, size_t bytes) {
#if CVK_X86
    const char *c = (const char *)p;
    for (size_t off = 0; off < bytes; off += 64) _mm_prefetch(c + off, _MM_HINT_T0);
#else
    (void)p; (void)bytes;
#endif
}
uint32_t cvk_crc32c(uint32_t crc, const void *data, size_t length) { return p_crc(crc, data, length); }
