/*
 * The AVX2 + FMA matmul of sequence_team.c, written with intrinsics: GCC 12 compiled gemm_body.h's 4 x 16 block for
 * AVX2 into 128-bit shuffles with the accumulators spilled to the stack, and on an AVX2-only CPU (AMD EPYC) the
 * whole-sequence kernels ran 3-5x slower than the per-step kernels they replace (measured: reference training step
 * 122 ms against 35 ms). Same contract as gemm_body.h, element for element: acc = fma(A[i][k], Bm[k][j], acc) for
 * k = 0..K-1 from acc = 0, so its bytes equal the other variants'.
 *
 * Blocks of 6 rows x 16 columns: 12 accumulators, 2 rows of Bm and a broadcast, 15 of the 16 ymm registers.
 */
#include <immintrin.h>

#define GEMM_AVX2_ROWS 6

__attribute__((target("avx2,fma"), always_inline)) static inline void gemm_avx2_block(int rows, int K, const float *restrict A, int lda, const float *restrict b, int ldb, float *restrict C, int ldc) {
  __m256 acc[GEMM_AVX2_ROWS][2];
#pragma GCC unroll 6
  for (int r = 0; r < GEMM_AVX2_ROWS; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (int k = 0; k < K; k++) {
    const __m256 b0 = _mm256_loadu_ps(b + (size_t)k * ldb), b1 = _mm256_loadu_ps(b + (size_t)k * ldb + 8);
#pragma GCC unroll 6
    for (int r = 0; r < GEMM_AVX2_ROWS; r++) {
      if (r < rows) {
        const __m256 a = _mm256_broadcast_ss(A + (size_t)r * lda + k);
        acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);
        acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);
      }
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < GEMM_AVX2_ROWS; r++) {
    if (r < rows) {
      _mm256_storeu_ps(C + (size_t)r * ldc, acc[r][0]);
      _mm256_storeu_ps(C + (size_t)r * ldc + 8, acc[r][1]);
    }
  }
}

__attribute__((target("avx2,fma"))) static void gemm_avx2(int M, int n, int K, const float *restrict A, int lda, const float *restrict Bm, int ldb, float *restrict C, int ldc) {
  int j = 0;
  for (; j + 16 <= n; j += 16) {
    int i = 0;
    for (; i + GEMM_AVX2_ROWS <= M; i += GEMM_AVX2_ROWS) gemm_avx2_block(GEMM_AVX2_ROWS, K, A + (size_t)i * lda, lda, Bm + j, ldb, C + (size_t)i * ldc + j, ldc);
    /* The last 1-5 rows as one block of that height, each height its own copy (a constant `rows`, no branch per row):
     * row by row, B = 64's last four rows took a fifth of the matmul's time. */
    const float *a = A + (size_t)i * lda, *b = Bm + j;
    float *c = C + (size_t)i * ldc + j;
    switch (M - i) {
    case 5: gemm_avx2_block(5, K, a, lda, b, ldb, c, ldc); break;
    case 4: gemm_avx2_block(4, K, a, lda, b, ldb, c, ldc); break;
    case 3: gemm_avx2_block(3, K, a, lda, b, ldb, c, ldc); break;
    case 2: gemm_avx2_block(2, K, a, lda, b, ldb, c, ldc); break;
    case 1: gemm_avx2_block(1, K, a, lda, b, ldb, c, ldc); break;
    default: break;
    }
  }
  for (; j < n; j++)
    for (int i = 0; i < M; i++) {
      float acc = 0.0f;
      for (int k = 0; k < K; k++) acc = fmaf(A[(size_t)i * lda + k], Bm[(size_t)k * ldb + j], acc);
      C[(size_t)i * ldc + j] = acc;
    }
}

#undef GEMM_AVX2_ROWS
