#ifndef CEMBEDDINGKERNELS_H
#define CEMBEDDINGKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Column width of one packed panel of the right-hand GEMM operand.
#define EK_PANEL 32

/// GEMM epilogue flags.
#define EK_ACCUMULATE 1   /* C = A*B + bias + C (residual add) */
#define EK_GELU_ERF 2     /* C = gelu_erf(A*B + bias) */
#define EK_GELU_TANH 4    /* C = gelu_tanh(A*B + bias) */
#define EK_RELU 8         /* C = relu(A*B + bias) */

/// 1 when the AVX-512 kernels are in use on this CPU, 0 for the portable ones.
int ek_cpu_has_avx512(void);

/// Floats needed to pack a K x N operand.
size_t ek_packed_floats(int K, int N);
/// Packs B (logical K x N) into panels [ceil(N/32)][K][32], zero padded.
/// b_is_nk != 0: B is stored like an nn.Linear weight, element (k,n) = B[n*ldb + k];
/// otherwise element (k,n) = B[k*ldb + n].
void ek_pack_b(const float *B, long ldb, int b_is_nk, int K, int N, float *packed);
/// C[M,N] = epilogue(A[M,K] * B + bias), B packed by ek_pack_b. bias may be NULL.
void ek_gemm(int M, int N, int K, const float *A, long lda, const float *packed,
             const float *bias, float *C, long ldc, int flags);

/// ek_gemm with an explicit kernel: 0 portable C, 1 AVX-512 (portable when the CPU lacks it).
/// Lets tests check both paths on any machine.
void ek_gemm_kernel(int kernel, int M, int N, int K, const float *A, long lda, const float *packed,
                    const float *bias, float *C, long ldc, int flags);

/// 1 when the optional bf16 kernels (AVX512_BF16) can run on this CPU.
int ek_cpu_has_avx512bf16(void);
/// bf16 elements needed to pack a K x N operand for ek_gemm_bf16.
size_t ek_packed_bf16_elements(int K, int N);
/// Packs B (as ek_pack_b) into bf16 panels [ceil(N/32)][ceil(K/2)][32][2], k pairs adjacent.
void ek_pack_b_bf16(const float *B, long ldb, int b_is_nk, int K, int N, uint16_t *packed);
/// As ek_gemm with bf16 operands and fp32 accumulation; `scratch` holds M x (K rounded up
/// to even) bf16 values. Returns 0 (and does nothing) when the CPU lacks AVX512_BF16.
int ek_gemm_bf16(int M, int N, int K, const float *A, long lda, const uint16_t *packed,
                 const float *bias, float *C, long ldc, int flags, uint16_t *scratch);
/// The scalar activation selected by EK_GELU_ERF / EK_GELU_TANH / EK_RELU in `flags`.
float ek_activation_scalar(float v, int flags);

typedef struct {
    int hidden;
    int heads;
    int intermediate;
    int layers;
    int activation; /* EK_GELU_ERF, EK_GELU_TANH or EK_RELU */
    float eps;
    int bf16;       /* 1: the four *_packed weights are ek_pack_b_bf16 panels */
} ek_config;

typedef struct {
    const void *qkv_packed;       /* K = hidden, N = 3*hidden (query|key|value) */
    const float *qkv_bias;        /* 3*hidden */
    const void *attn_out_packed;  /* K = hidden, N = hidden */
    const float *attn_out_bias;
    const float *ln1_gamma, *ln1_beta;
    const void *ffn_in_packed;    /* K = hidden, N = intermediate */
    const float *ffn_in_bias;
    const void *ffn_out_packed;   /* K = intermediate, N = hidden */
    const float *ffn_out_bias;
    const float *ln2_gamma, *ln2_beta;
} ek_layer;

typedef struct {
    const float *word;      /* [vocab, hidden] */
    const float *position;  /* [max_positions, hidden] */
    const float *token_type;/* [types, hidden]; row 0 is used */
    const float *ln_gamma, *ln_beta;
} ek_embeddings;

/// Floats of scratch memory ek_encode needs for `total_tokens` tokens whose longest sequence is `max_len`.
size_t ek_workspace_floats(const ek_config *cfg, int total_tokens, int max_len);

/// Runs the embedding layer and the encoder over `nseq` unpadded sequences laid end to end:
/// sequence s owns tokens offsets[s] ..< offsets[s+1] of `ids`. Writes the last hidden state
/// [total_tokens, hidden] to `out`. Each sequence attends only to itself, so this equals a
/// padded batch with an attention mask, without computing the padding.
void ek_encode(const ek_config *cfg, const ek_embeddings *emb, const ek_layer *layers,
               const int32_t *ids, const int *offsets, int nseq, float *out, float *workspace);

void ek_layernorm(float *x, int rows, int n, const float *gamma, const float *beta, float eps);

/// 64-bit content fingerprint (not cryptographic): detects changed weights for the model identity.
uint64_t ek_hash64(const void *data, size_t len, uint64_t seed);

#ifdef __cplusplus
}
#endif
#endif
