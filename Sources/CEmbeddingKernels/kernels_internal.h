#ifndef EK_KERNELS_INTERNAL_H
#define EK_KERNELS_INTERNAL_H

// Fully unrolls a loop over a tile's rows (a compile-time MR), so that its accumulator arrays become registers.
// -O3 did this by itself; SwiftPM's release builds use -O2, whose unroll threshold leaves the 12-row tile rolled
// (accumulators on the stack, ~2.7x slower end to end), and per-target -O3 needs unsafeFlags.
#if defined(__clang__)
#define EK_UNROLL _Pragma("clang loop unroll(full)")
#elif defined(__GNUC__)
#define EK_UNROLL _Pragma("GCC unroll 16")
#else
#define EK_UNROLL
#endif
/// Row-wise softmax of scale*x over the first n entries of each row, in place.
void ek_softmax_rows(float *x, int rows, int n, long ld, float scale);

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define EK_AVX512_TARGET __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma,avx2")))

// erf as x*P(x^2)/Q(x^2) on [-4, 4] (beyond it erf rounds to +-1 in fp32); max error ~1e-7.
EK_AVX512_TARGET static inline __m512 ek_erf_avx512(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-4.0f)), _mm512_set1_ps(4.0f));
    __m512 x2 = _mm512_mul_ps(x, x);
    __m512 p = _mm512_set1_ps(-2.72614225801306e-10f);
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(2.77068142495902e-08f));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-2.10102402082508e-06f));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-5.69250639462346e-05f));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-7.34990630326855e-04f));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-2.95459980854025e-03f));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-1.60960333262415e-02f));
    __m512 q = _mm512_set1_ps(-1.45660718464996e-05f);
    q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(-2.13374055278905e-04f));
    q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(-1.68282697438203e-03f));
    q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(-7.37332916720468e-03f));
    q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(-1.42647390514189e-02f));
    return _mm512_div_ps(_mm512_mul_ps(x, p), q);
}

EK_AVX512_TARGET static inline __m512 ek_gelu_erf_avx512(__m512 v) {
    __m512 e = ek_erf_avx512(_mm512_mul_ps(v, _mm512_set1_ps(0.70710678118654752440f)));
    return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v), _mm512_add_ps(_mm512_set1_ps(1.0f), e));
}
#endif

#endif
