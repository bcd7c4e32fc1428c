/*
 * One matmul kernel in plain C, included by sequence_team.c for AVX-512 and for CPUs without FMA (AVX2 has its own,
 * gemm_avx2.h) with GEMM_NAME, GEMM_TARGET (the function's target attribute), GEMM_ROWS and GEMM_COLUMNS (the
 * register block) defined:
 *
 *   C[i][j] = sum over k of A[i][k] Bm[k][j], for i < M and j < n (row strides lda, ldb, ldc).
 *
 * Each element is the chain acc = fmaf(A[i][k], Bm[k][j], acc) for k = 0..K-1 from acc = 0 in every branch and in
 * every variant, so a value never depends on the variant or on which block computed it: the variants differ only in
 * how many elements they keep in registers at once.
 */
GEMM_TARGET static void GEMM_NAME(int M, int n, int K, const float *restrict A, int lda, const float *restrict Bm, int ldb, float *restrict C, int ldc) {
  int j = 0;
  for (; j + GEMM_COLUMNS <= n; j += GEMM_COLUMNS) {
    int i = 0;
    for (; i + GEMM_ROWS <= M; i += GEMM_ROWS) {
      float acc[GEMM_ROWS][GEMM_COLUMNS] = {{0}};
      for (int k = 0; k < K; k++) {
        const float *restrict b = Bm + (size_t)k * ldb + j;
        for (int r = 0; r < GEMM_ROWS; r++) {
          const float a = A[(size_t)(i + r) * lda + k];
          for (int col = 0; col < GEMM_COLUMNS; col++) acc[r][col] = fmaf(a, b[col], acc[r][col]);
        }
      }
      for (int r = 0; r < GEMM_ROWS; r++) memcpy(C + (size_t)(i + r) * ldc + j, acc[r], sizeof acc[r]);
    }
    for (; i < M; i++) {
      float acc[GEMM_COLUMNS] = {0};
      for (int k = 0; k < K; k++) {
        const float a = A[(size_t)i * lda + k];
        const float *restrict b = Bm + (size_t)k * ldb + j;
        for (int col = 0; col < GEMM_COLUMNS; col++) acc[col] = fmaf(a, b[col], acc[col]);
      }
      memcpy(C + (size_t)i * ldc + j, acc, sizeof acc);
    }
  }
  for (; j < n; j++)
    for (int i = 0; i < M; i++) {
      float acc = 0.0f;
      for (int k = 0; k < K; k++) acc = fmaf(A[(size_t)i * lda + k], Bm[(size_t)k * ldb + j], acc);
      C[(size_t)i * ldc + j] = acc;
    }
}

#undef GEMM_NAME
#undef GEMM_TARGET
#undef GEMM_ROWS
#undef GEMM_COLUMNS
