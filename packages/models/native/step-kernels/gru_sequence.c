/*
 * A whole GRU layer's recurrence as one TensorFlow kernel each way, the counterpart of lstm_sequence.c (whose opening
 * comment says why, and how the work is split over threads; the team, matmul and tensor checks are sequence_team.c's):
 *
 *   BpttGruSequence(xp, u, bh, h0, mask) -> (h, saved)
 *     xp [T, B, 3H]: the input projections plus b_ih, PyTorch's gate order (r, z, n); u [H, 3H]: W_hh; bh [3H]: b_hh;
 *     mask [T, B, 1]: 0 where a row is padding. Position t computes hp = h_{t-1} u + bh, then exactly what
 *     BpttGruGates does (step_kernels.c: gru_row), then the padding carry of nn/run-sequence.ts (the new state where
 *     the mask is 1, the old one where it is 0). h [T, B, H]: the states after each position; saved [T, B, 4H]: each
 *     position's (r, z, n) and the n block of hp, what the gradient reads.
 *   BpttGruSequenceGrad(saved, h, h0, u, dy, dh, mask) -> (dxp, dhp, dh0)
 *     From the last position to the first: BpttGruGatesGrad's math (gru_grad_row) on the gradient reaching the cell,
 *     m (dh_t + dy_t), and dh_{t-1} = dhp_t uᵀ + z m (dh_t + dy_t) + (1 - m) (dh_t + dy_t). dxp and dhp [T, B, 3H]:
 *     every position's gradients of x W_ih + b_ih and of h W_hh + b_hh, from which the caller computes the weight,
 *     bias and input gradients as large matmuls (packages/models/src/native/gru-sequence-op.ts).
 *
 * The same bytes on any thread count and machine, for the reasons lstm_sequence.c gives.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "sequence_team.h"

/* ---- BpttGruSequence. */

typedef struct {
  Job job;
  int T, B;
  const float *xp, *u, *bh, *h0, *mask;
  float *h, *saved;
  /* Scratch: u's panels, chunk by chunk and gate by gate ([H x 32] each); h_{t-1} u + bh [B, 3H]. */
  float *panels, *hp;
  Phase *phases; /* the packing, then one per position */
} GruForwardJob;

static size_t gru_forward_scratch_floats(int B, int H) { return panel_floats(H) + (size_t)B * 3 * H; }
static size_t gru_forward_phases(int T) { return (size_t)T + 1; }

static void gru_forward_pack_chunk(Job *job, int step, Units units) {
  (void)step;
  const GruForwardJob *f = (const GruForwardJob *)job;
  pack_gate_panels(f->u, 3, job->H, units, f->panels);
}

/* Position t for some units: their columns of each gate block of h_{t-1} u + bh, then their GRU update. */
static void gru_forward_chunk(Job *job, int t, Units units) {
  const GruForwardJob *f = (const GruForwardJob *)job;
  const int B = f->B, H = job->H, j0 = units.first, n = units.count, chunk = j0 / CHUNK_UNITS;
  const size_t state = (size_t)B * H;
  const float *hprev = t == 0 ? f->h0 : f->h + (t - 1) * state;
  const float *xp = f->xp + t * 3 * state;
  float *h = f->h + t * state, *saved = f->saved + t * 4 * state;
  for (int g = 0; g < 3; g++) gemm(B, n, H, hprev, H, f->panels + ((size_t)chunk * 3 + g) * H * CHUNK_UNITS, CHUNK_UNITS, f->hp + g * H + j0, 3 * H);
  for (int b = 0; b < B; b++) {
    float *hp = f->hp + (size_t)b * 3 * H, *s = saved + (size_t)b * 4 * H;
    const size_t r1 = (size_t)b * H + j0;
    for (int g = 0; g < 3; g++)
      for (int j = j0; j < j0 + n; j++) hp[g * H + j] += f->bh[g * H + j];
    gru_row(n, H, xp + (size_t)b * 3 * H + j0, hp + j0, hprev + r1, h + r1, s + j0);
    memcpy(s + 3 * H + j0, hp + 2 * H + j0, (size_t)n * sizeof(float));
    /* The carry of nn/run-sequence.ts, exact at m = 1 and m = 0 (the only values padding uses). */
    const float m = f->mask[(size_t)t * B + b];
    if (m != 1.0f)
      for (int j = 0; j < n; j++) h[r1 + j] = m == 0.0f ? hprev[r1 + j] : hprev[r1 + j] + m * (h[r1 + j] - hprev[r1 + j]);
  }
}

static void gru_forward_run(Job *job) {
  const GruForwardJob *f = (const GruForwardJob *)job;
  share_phase(job, &f->phases[0], gru_forward_pack_chunk, 0);
  for (int t = 0; t < f->T; t++) share_phase(job, &f->phases[1 + t], gru_forward_chunk, t);
}

/* A forward job over the given tensors, with `scratch` (gru_forward_scratch_floats) and zeroed `phases`. */
static GruForwardJob gru_forward_job(int T, int B, int H, const float *const in[5], float *h, float *saved, float *scratch, Phase *phases) {
  return (GruForwardJob){.job = {.run = gru_forward_run, .threads = sequence_threads(), .H = H}, .T = T, .B = B, .xp = in[0], .u = in[1],
                         .bh = in[2], .h0 = in[3], .mask = in[4], .h = h, .saved = saved, .panels = scratch, .hp = scratch + panel_floats(H),
                         .phases = phases};
}

static void gru_forward_kernel_run(int T, int B, int H, const float *const *in, float *const *out, float *scratch, Phase *phases) {
  GruForwardJob job = gru_forward_job(T, B, H, in, out[0], out[1], scratch, phases);
  team_run(&job.job);
}

static const SequenceKernel GRU_FORWARD_KERNEL = {
    .op = &GRU_SEQUENCE_OPS[0],
    .input_dims = {{{'T', 1}, {'B', 1}, {'H', 3}}, {{'H', 1}, {'H', 3}}, {{'H', 3}}, {{'B', 1}, {'H', 1}}, {{'T', 1}, {'B', 1}, {'1', 1}}},
    .input_ranks = {3, 2, 1, 2, 3},
    .output_dims = {{{'T', 1}, {'B', 1}, {'H', 1}}, {{'T', 1}, {'B', 1}, {'H', 4}}},
    .output_ranks = {3, 3},
    .scratch_floats = gru_forward_scratch_floats,
    .phases = gru_forward_phases,
    .run = gru_forward_kernel_run,
};

COMPUTE_FUNCTION(gru_sequence_forward, run_sequence_kernel, &GRU_FORWARD_KERNEL)

/* ---- BpttGruSequenceGrad. */

typedef struct {
  Job job;
  int T, B;
  const float *saved, *h, *h0, *u, *dy, *dh, *mask;
  float *dxp, *dhp, *dh0;
  /* Scratch: uᵀ's panels, chunk by chunk ([3H x 32] each); the gradient reaching h from later positions, and the
   * part of dh_{t-1} that does not pass through the matmul (z's direct path and padding's carry), each [B, H]. */
  float *panels, *dh_carry, *dh_rest;
  Phase *phases; /* the start, then two per position */
} GruBackwardJob;

static size_t gru_backward_scratch_floats(int B, int H) { return panel_floats(H) + 2 * (size_t)B * H; }
static size_t gru_backward_phases(int T) { return 2 * (size_t)T + 1; }

/* Some units' panel of uᵀ, and the gradient arriving from after the sequence. */
static void gru_backward_start_chunk(Job *job, int step, Units units) {
  (void)step;
  const GruBackwardJob *g = (const GruBackwardJob *)job;
  const int H = job->H, j0 = units.first, n = units.count;
  pack_transposed_panel(g->u, 3, H, units, g->panels);
  for (int b = 0; b < g->B; b++) memcpy(g->dh_carry + (size_t)b * H + j0, g->dh + (size_t)b * H + j0, (size_t)n * sizeof(float));
}

/* Position t, some units: their columns of dxp_t and dhp_t, and the part of dh_{t-1} outside the matmul. */
static void gru_backward_gates_chunk(Job *job, int t, Units units) {
  const GruBackwardJob *g = (const GruBackwardJob *)job;
  const int B = g->B, H = job->H, j0 = units.first, n = units.count;
  const size_t state = (size_t)B * H;
  const float *hprev = t == 0 ? g->h0 : g->h + (t - 1) * state;
  const float *saved = g->saved + t * 4 * state, *dy = g->dy + t * state;
  for (int b = 0; b < B; b++) {
    const size_t r1 = (size_t)b * H + j0, r3 = (size_t)b * 3 * H + j0;
    const float m = g->mask[(size_t)t * B + b];
    const float *s = saved + (size_t)b * 4 * H;
    float total[CHUNK_UNITS], cell[CHUNK_UNITS], direct[CHUNK_UNITS];
    for (int j = 0; j < n; j++) {
      total[j] = g->dh_carry[r1 + j] + dy[r1 + j];
      cell[j] = m * total[j];
    }
    gru_grad_row(n, H, s + j0, s + 3 * H + j0, hprev + r1, cell, g->dxp + t * 3 * state + r3, g->dhp + t * 3 * state + r3, direct);
    for (int j = 0; j < n; j++) g->dh_rest[r1 + j] = direct[j] + (total[j] - cell[j]);
  }
}

/* Position t, some units: their slice of dh_{t-1} = dhp_t uᵀ + the rest (reads every unit's dhp_t). */
static void gru_backward_carry_chunk(Job *job, int t, Units units) {
  const GruBackwardJob *g = (const GruBackwardJob *)job;
  const int B = g->B, H = job->H, j0 = units.first, n = units.count;
  const float *panel = g->panels + (size_t)(j0 / CHUNK_UNITS) * 3 * H * CHUNK_UNITS;
  gemm(B, n, 3 * H, g->dhp + t * 3 * (size_t)B * H, 3 * H, panel, CHUNK_UNITS, g->dh_carry + j0, H);
  for (int b = 0; b < B; b++)
    for (int j = 0; j < n; j++) g->dh_carry[(size_t)b * H + j0 + j] += g->dh_rest[(size_t)b * H + j0 + j];
}

static void gru_backward_run(Job *job) {
  const GruBackwardJob *g = (const GruBackwardJob *)job;
  share_phase(job, &g->phases[0], gru_backward_start_chunk, 0);
  for (int t = g->T - 1; t >= 0; t--) {
    share_phase(job, &g->phases[1 + 2 * t], gru_backward_gates_chunk, t);
    share_phase(job, &g->phases[2 + 2 * t], gru_backward_carry_chunk, t);
  }
}

/* A backward job over the given tensors, with `scratch` (gru_backward_scratch_floats) and zeroed `phases`. */
static GruBackwardJob gru_backward_job(int T, int B, int H, const float *const in[7], float *dxp, float *dhp, float *dh0, float *scratch, Phase *phases) {
  float *rest = scratch + panel_floats(H);
  return (GruBackwardJob){.job = {.run = gru_backward_run, .threads = sequence_threads(), .H = H}, .T = T, .B = B, .saved = in[0], .h = in[1],
                          .h0 = in[2], .u = in[3], .dy = in[4], .dh = in[5], .mask = in[6], .dxp = dxp, .dhp = dhp, .dh0 = dh0, .panels = scratch,
                          .dh_carry = rest, .dh_rest = rest + (size_t)B * H, .phases = phases};
}

/* dh0, once every phase is done: what reached the state before position 0. */
static void gru_backward_finish(const GruBackwardJob *g) { memcpy(g->dh0, g->dh_carry, (size_t)g->B * g->job.H * sizeof(float)); }

static void gru_backward_kernel_run(int T, int B, int H, const float *const *in, float *const *out, float *scratch, Phase *phases) {
  GruBackwardJob job = gru_backward_job(T, B, H, in, out[0], out[1], out[2], scratch, phases);
  team_run(&job.job);
  gru_backward_finish(&job);
}

static const SequenceKernel GRU_BACKWARD_KERNEL = {
    .op = &GRU_SEQUENCE_OPS[1],
    .input_dims = {{{'T', 1}, {'B', 1}, {'H', 4}}, {{'T', 1}, {'B', 1}, {'H', 1}}, {{'B', 1}, {'H', 1}}, {{'H', 1}, {'H', 3}},
                   {{'T', 1}, {'B', 1}, {'H', 1}}, {{'B', 1}, {'H', 1}}, {{'T', 1}, {'B', 1}, {'1', 1}}},
    .input_ranks = {3, 3, 2, 2, 3, 2, 3},
    .output_dims = {{{'T', 1}, {'B', 1}, {'H', 3}}, {{'T', 1}, {'B', 1}, {'H', 3}}, {{'B', 1}, {'H', 1}}},
    .output_ranks = {3, 3, 2},
    .scratch_floats = gru_backward_scratch_floats,
    .phases = gru_backward_phases,
    .run = gru_backward_kernel_run,
};

COMPUTE_FUNCTION(gru_sequence_backward, run_sequence_kernel, &GRU_BACKWARD_KERNEL)

const OpSignature GRU_SEQUENCE_OPS[SEQUENCE_OP_COUNT] = {
    {"BpttGruSequence", 5, 2,
     {"xp: float", "u: float", "bh: float", "h0: float", "mask: float"},
     {"h: float", "saved: float"}},
    {"BpttGruSequenceGrad", 7, 3,
     {"saved: float", "h: float", "h0: float", "u: float", "dy: float", "dh: float", "mask: float"},
     {"dxp: float", "dhp: float", "dh0: float"}},
};
const ComputeFunction GRU_SEQUENCE_COMPUTE[SEQUENCE_OP_COUNT] = {gru_sequence_forward, gru_sequence_backward};
