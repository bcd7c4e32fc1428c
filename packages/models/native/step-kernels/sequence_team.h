/*
 * The shared machinery of the whole-sequence kernels (sequence_team.c): see lstm_sequence.c for why a layer's
 * recurrence is one kernel split over threads, and how results stay the same on any thread count and machine.
 */
#ifndef BPTT_SEQUENCE_TEAM_H
#define BPTT_SEQUENCE_TEAM_H

#include <stdatomic.h>
#include <stddef.h>

#include "kernel_api.h"

/*
 * CHUNK_UNITS: one AVX-512 register block wide (gemm_avx512), and small enough that a 128-unit layer gives two
 * threads two chunks each. SPINS_BEFORE_YIELD: a few microseconds of pause instructions; 4,000 spent a fifth of a
 * training step's CPU time spinning while the awaited thread had no core (docs/native-tensorflow.md).
 */
enum { MAX_THREADS = 8, SPINS_BEFORE_YIELD = 200, CHUNK_UNITS = 32 };

typedef void (*Gemm)(int M, int n, int K, const float *restrict A, int lda, const float *restrict Bm, int ldb, float *restrict C, int ldc);

/* The matmul of this CPU (set when the team starts; gemm_for_this_cpu chooses it). */
extern Gemm gemm;
Gemm gemm_for_this_cpu(void);

/* One phase of a job (a time step, or half of one backward): its chunks handed out and finished. */
typedef struct {
  atomic_int taken;
  atomic_int finished;
} Phase;

typedef struct Job Job;
struct Job {
  /* Every thread of the team calls run(job); it goes through the phases with share_phase. */
  void (*run)(Job *job);
  int threads;
  int chunks; /* per phase: hidden units in chunks of CHUNK_UNITS */
  int H;
  atomic_int joined; /* workers that took part (the tests check that some do) */
};

/* Chunks of a layer of H units (the last one shorter). */
int chunk_count(int H);

/* The units of chunk `chunk`: [first, first + count). */
typedef struct {
  int first, count;
} Units;

/* Does chunks of `phase` until none is left, then waits until every chunk is finished (whoever took it). */
void share_phase(Job *job, Phase *phase, void (*work)(Job *job, int step, Units units), int step);

/*
 * Runs the job on up to job->threads threads, the caller's one of them, and returns when it is done and no worker is
 * inside it. If another kernel holds the team, the caller runs the job alone: the results are the same.
 */
void team_run(Job *job);

/* A dimension as a multiple of T, B or H, or the literal 1. */
typedef struct {
  char symbol;
  int times;
} Dim;

/*
 * A sequence op's kernel: its inputs' and outputs' shapes (multiples of T, B and H), the scratch and phases its job
 * needs, and the function that runs the job over the tensors.
 */
typedef struct {
  const OpSignature *op;
  Dim input_dims[MAX_IO][3];
  int input_ranks[MAX_IO];
  Dim output_dims[MAX_IO][3];
  int output_ranks[MAX_IO];
  size_t (*scratch_floats)(int B, int H);
  size_t (*phases)(int T);
  void (*run)(int T, int B, int H, const float *const *in, float *const *out, float *scratch, Phase *phases);
} SequenceKernel;

/* Checks and reads the inputs, allocates the outputs and the job's scratch, runs the job; on any failure TensorFlow
 * has the reason and nothing runs. */
void run_sequence_kernel(const SequenceKernel *kernel, TF_OpKernelContext *context);

/* Floats of the panels of one weight matrix: every chunk's 32 columns (padded) over 4H values of k (enough for 3H). */
size_t panel_floats(int H);

/* Packs chunk `units`' columns of each of the `gates` blocks of u [H, gates·H] into [H x 32] panels (forward). */
void pack_gate_panels(const float *u, int gates, int H, Units units, float *panels);

/* Packs chunk `units`' rows of u [H, gates·H] as one [gates·H x 32] panel of uᵀ's columns (backward). */
void pack_transposed_panel(const float *u, int gates, int H, Units units, float *panels);

#endif
