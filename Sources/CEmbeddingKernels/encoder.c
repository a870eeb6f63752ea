// BERT encoder forward over unpadded sequences laid end to end ("varlen" batching):
// the dense layers see all tokens of the batch as one matrix, attention runs per sequence,
// so padding costs nothing and no attention mask is needed.
#include "CEmbeddingKernels.h"
#include "kernels_internal.h"

#include <math.h>
#include <stdint.h>

static size_t round16(size_t n) { return (n + 15) & ~(size_t)15; }

size_t ek_workspace_floats(const ek_config *cfg, int total_tokens, int max_len) {
    size_t T = (size_t)total_tokens, H = (size_t)cfg->hidden, L = (size_t)max_len;
    size_t dh = H / (size_t)cfg->heads;
    size_t widest = (size_t)(cfg->intermediate > H ? cfg->intermediate : (int)H) + 2;
    size_t bf16 = cfg->bf16 ? round16((T * widest + 1) / 2) : 0;
    return round16(T * 3 * H) + round16(T * H) + round16(T * (size_t)cfg->intermediate) + bf16
         + round16(L * L) + round16(ek_packed_floats((int)dh, (int)L)) + round16(ek_packed_floats((int)L, (int)dh));
}

void ek_layernorm(float *x, int rows, int n, const float *gamma, const float *beta, float eps) {
    for (int r = 0; r < rows; r++) {
        float *v = x + (size_t)r * n;
        double sum = 0.0;
        for (int j = 0; j < n; j++) sum += v[j];
        float mean = (float)(sum / n);
        double var = 0.0;
        for (int j = 0; j < n; j++) { double d = (double)v[j] - mean; var += d * d; }
        float inv = (float)(1.0 / sqrt(var / n + (double)eps));
        for (int j = 0; j < n; j++) v[j] = (v[j] - mean) * inv * gamma[j] + beta[j];
    }
}

void ek_encode(const ek_config *cfg, const ek_embeddings *emb, const ek_layer *layers,
               const int32_t *ids, const int *offsets, int nseq, float *out, float *workspace) {
    const int H = cfg->hidden, I = cfg->intermediate, NH = cfg->heads, dh = H / NH;
    const int T = offsets[nseq] - offsets[0];
    const int base = offsets[0];
    int L = 0;
    for (int s = 0; s < nseq; s++) { int len = offsets[s + 1] - offsets[s]; if (len > L) L = len; }

    float *qkv = workspace;
    float *ctx = qkv + round16((size_t)T * 3 * H);
    float *inter = ctx + round16((size_t)T * H);
    float *after_inter = inter + round16((size_t)T * I);
    uint16_t *bf16_scratch = (uint16_t *)after_inter;
    if (cfg->bf16) {
        size_t widest = (size_t)(I > H ? I : H) + 2;
        after_inter += round16(((size_t)T * widest + 1) / 2);
    }
    float *scores = after_inter;
    float *packK = scores + round16((size_t)L * L);
    float *packV = packK + round16(ek_packed_floats(dh, L));

    // Same association as torch: (word + token_type) + position, then LayerNorm.
    for (int s = 0; s < nseq; s++) {
        for (int t = offsets[s]; t < offsets[s + 1]; t++) {
            const float *w = emb->word + (size_t)ids[t] * H;
            const float *p = emb->position + (size_t)(t - offsets[s]) * H;
            float *o = out + (size_t)(t - base) * H;
            for (int j = 0; j < H; j++) o[j] = (w[j] + emb->token_type[j]) + p[j];
        }
    }
    ek_layernorm(out, T, H, emb->ln_gamma, emb->ln_beta, cfg->eps);

    const float scale = 1.0f / sqrtf((float)dh);
    // Dense layer: bf16 panels when configured (and supported), fp32 otherwise.
#define DENSE(M, N, K, A, lda, W, bias, C, ldc, flags)                                              \
    do {                                                                                           \
        if (!(cfg->bf16 && ek_gemm_bf16(M, N, K, A, lda, (const uint16_t *)(W), bias, C, ldc, flags, bf16_scratch))) \
            ek_gemm(M, N, K, A, lda, (const float *)(W), bias, C, ldc, flags);                     \
    } while (0)
    for (int l = 0; l < cfg->layers; l++) {
        const ek_layer *ly = &layers[l];
        DENSE(T, 3 * H, H, out, H, ly->qkv_packed, ly->qkv_bias, qkv, 3 * H, 0);
        for (int s = 0; s < nseq; s++) {
            int off = offsets[s] - base, len = offsets[s + 1] - offsets[s];
            for (int h = 0; h < NH; h++) {
                const float *q = qkv + (size_t)off * 3 * H + h * dh;
                const float *k = q + H;
                const float *v = q + 2 * H;
                ek_pack_b(k, 3 * H, 1, dh, len, packK);
                ek_gemm(len, len, dh, q, 3 * H, packK, 0, scores, len, 0);
                ek_softmax_rows(scores, len, len, len, scale);
                ek_pack_b(v, 3 * H, 0, len, dh, packV);
                ek_gemm(len, dh, len, scores, len, packV, 0, ctx + (size_t)off * H + h * dh, H, 0);
            }
        }
        DENSE(T, H, H, ctx, H, ly->attn_out_packed, ly->attn_out_bias, out, H, EK_ACCUMULATE);
        ek_layernorm(out, T, H, ly->ln1_gamma, ly->ln1_beta, cfg->eps);
        DENSE(T, I, H, out, H, ly->ffn_in_packed, ly->ffn_in_bias, inter, I, cfg->activation);
        DENSE(T, H, I, inter, I, ly->ffn_out_packed, ly->ffn_out_bias, out, H, EK_ACCUMULATE);
        ek_layernorm(out, T, H, ly->ln2_gamma, ly->ln2_beta, cfg->eps);
    }
}
