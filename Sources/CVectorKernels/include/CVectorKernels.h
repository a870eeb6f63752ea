#ifndef CVECTORKERNELS_H
#define CVECTORKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Which kernel family the runtime dispatch picked: 0 = portable, 2 = AVX-512 (+VNNI for int8).
int cvk_active_isa(void);

/// Forces the portable kernels (for tests comparing both paths). 0 = auto, 1 = portable.
void cvk_force_portable(int portable);

/// Inner product of two float32 vectors of length `dim`.
float cvk_dot_f32(const float *a, const float *b, size_t dim);

/// out[i] = dot(query, base + i*dim) for i in [0, n).
void cvk_dot_f32_batch(const float *query, const float *base, size_t n, size_t dim, float *out);

/// Inner product of a query in biased-unsigned form (q + 128) with a signed int8 row.
/// The caller subtracts 128 * sum(row) to recover the signed product; that
/// correction is precomputed per row so the kernel can use VNNI's u8 x s8 form.
int32_t cvk_dot_u8s8(const uint8_t *queryBiased, const int8_t *row, size_t dim);

/// out[i] = dot(queryBiased, base + i*dim) (biased, uncorrected) for i in [0, n).
void cvk_dot_u8s8_batch(const uint8_t *queryBiased, const int8_t *base, size_t n, size_t dim, int32_t *out);

/// Inner product of two signed int8 rows (used between stored rows in the HNSW graph).
int32_t cvk_dot_s8s8(const int8_t *a, const int8_t *b, size_t dim);

/// Hints the cache to start fetching `bytes` bytes at `p`.
void cvk_prefetch(const void *p, size_t bytes);

/// CRC-32C (Castagnoli) continuing from `crc` (start with 0).
uint32_t cvk_crc32c(uint32_t crc, const void *data, size_t length);

#ifdef __cplusplus
}
#endif

#endif
