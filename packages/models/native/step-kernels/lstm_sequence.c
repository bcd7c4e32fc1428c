/*
 * A whole LSTM layer's recurrence as one TensorFlow kernel each way, its hidden units split over threads:
 *
 *   BpttLstmSequence(xw, u, h0, c0, mask) -> (h, c, gates)
 *     xw [T, B, 4H]: the input projections plus bias, TensorFlow's gate order (i, ci, f, o); u [H, 4H]: the
 *     recurrent weights; mask [T, B, 1]: 0 where a row is padding. Position t computes z = xw_t + h_{t-1} u and then
 *     exactly what BpttLstmCell does (step_kernels.c: cell_row, padding carry included); h and c [T, B, H] are the
 *     states after each position, gates [T, B, 5H] its (i, ci, f, o, tanh c) activations.
 *   BpttLstmSequenceGrad(gates, c, c0, u, dy, dh, dc, mask) -> (dz, dh0, dc0)
 *     From the last position to the first: BpttLstmCellGrad's math (cell_grad_row) and dh_{t-1} = dz_t uᵀ + what
 *     padding carries past the step; dz [T, B, 4H] is every position's gate gradient, from which the caller computes
 *     the weight and input gradients as large matmuls (packages/models/src/native/lstm-graph-sequence.ts).
 *
 * gru_sequence.c does the same for GRU layers; the team, the matmul and the tensor checks are sequence_team.c's.
 *
 * Why: PyTorch's nn.LSTM runs each step's h U on both cores of this machine, while a TensorFlow graph runs one
 * kernel per thread, so the recurrence, a chain of small matmuls, ran on one core (docs/native-tensorflow.md,
 * "Whole-sequence kernels"). Here a time step's work is cut into chunks of 32 hidden units: a chunk computes its
 * units' columns of all four gates (its slice of h_{t-1} u), their nonlinearities and cell update. The threads of
 * a team take chunks from a counter, and all wait until the step's chunks are done, since the next step reads all
 * of h_t. Backward likewise in two phases per step: the chunks' gate gradients, then their slices of dz uᵀ.
 * Chunks are taken, not assigned, so a thread that the OS has given to someone else (TensorFlow runs other kernels
 * beside this one) holds up at most the chunk it is on: the others do the rest.
 *
 * Results do not depend on the number of threads or on who took which chunk: every element of a matmul is one
 * chain of fmaf over k in order, whichever block or thread computes it, and the elementwise math is per unit. fmaf rounds once on every ISA (FMA
 * instructions where the CPU has them, glibc's correctly rounded function elsewhere, where the ops are not
 * registered because it would be slow), so the bytes are also the same on every x86-64 machine.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "sequence_team.h"

/* ---- BpttLstmSequence. */

typedef struct {
  Job job;
  int T, B;
  const float *xw, *u, *h0, *c0, *mask;
  float *h, *c, *gates;
  /* Scratch: u's panels, chunk by chunk and gate by gate ([H x 32] each); h_{t-1} u [B, 4H]. */
  float *panels, *hu;
  Phase *phases; /* the packing, then one per position */
} ForwardJob;

/* Scratch floats and phases a forward job needs. */
static size_t forward_scratch_floats(int B, int H) { return panel_floats(H) + (size_t)B * 4 * H; }
static size_t forward_phases(int T) { return (size_t)T + 1; }

static void forward_pack_chunk(Job *job, int step, Units units) {
  (void)step;
  const ForwardJob *f = (const ForwardJob *)job;
  pack_gate_panels(f->u, 4, job->H, units, f->panels);
}

/* Position t for some units: their columns of each gate block of h_{t-1} u, then their cell update. */
static void forward_chunk(Job *job, int t, Units units) {
  const ForwardJob *f = (const ForwardJob *)job;
  const int B = f->B, H = job->H, j0 = units.first, n = units.count, chunk = j0 / CHUNK_UNITS;
  const size_t state = (size_t)B * H;
  const float *hp = t == 0 ? f->h0 : f->h + (t - 1) * state;
  const float *cp = t == 0 ? f->c0 : f->c + (t - 1) * state;
  const float *xw = f->xw + t * 4 * state;
  float *h = f->h + t * state, *c = f->c + t * state, *gates = f->gates + t * 5 * state;
  for (int g = 0; g < 4; g++) gemm(B, n, H, hp, H, f->panels + ((size_t)chunk * 4 + g) * H * CHUNK_UNITS, CHUNK_UNITS, f->hu + g * H + j0, 4 * H);
  for (int b = 0; b < B; b++) {
    const size_t r1 = (size_t)b * H + j0, r4 = (size_t)b * 4 * H + j0;
    float *a = gates + (size_t)b * 5 * H + j0;
    cell_row(n, H, f->mask[(size_t)t * B + b], xw + r4, f->hu + r4, cp + r1, hp + r1, a, a + H, a + 2 * H, a + 3 * H, a + 4 * H, c + r1, h + r1);
  }
}

static void forward_run(Job *job) {
  const ForwardJob *f = (const ForwardJob *)job;
  share_phase(job, &f->phases[0], forward_pack_chunk, 0);
  for (int t = 0; t < f->T; t++) share_phase(job, &f->phases[1 + t], forward_chunk, t);
}

/* A forward job over the given tensors, with `scratch` (forward_scratch_floats) and zeroed `phases`. */
static ForwardJob forward_job(int T, int B, int H, const float *const in[5], float *h, float *c, float *gates, float *scratch, Phase *phases) {
  return (ForwardJob){.job = {.run = forward_run, .threads = sequence_threads(), .H = H}, .T = T, .B = B, .xw = in[0], .u = in[1], .h0 = in[2],
                      .c0 = in[3], .mask = in[4], .h = h, .c = c, .gates = gates, .panels = scratch, .hu = scratch + panel_floats(H), .phases = phases};
}

static void forward_kernel_run(int T, int B, int H, const float *const *in, float *const *out, float *scratch, Phase *phases) {
  ForwardJob job = forward_job(T, B, H, in, out[0], out[1], out[2], scratch, phases);
  team_run(&job.job);
}

static const SequenceKernel FORWARD_KERNEL = {
    .op = &LSTM_SEQUENCE_OPS[0],
    .input_dims = {{{'T', 1}, {'B', 1}, {'H', 4}}, {{'H', 1}, {'H', 4}}, {{'B', 1}, {'H', 1}}, {{'B', 1}, {'H', 1}}, {{'T', 1}, {'B', 1}, {'1', 1}}},
    .input_ranks = {3, 2, 2, 2, 3},
    .output_dims = {{{'T', 1}, {'B', 1}, {'H', 1}}, {{'T', 1}, {'B', 1}, {'H', 1}}, {{'T', 1}, {'B', 1}, {'H', 5}}},
    .output_ranks = {3, 3, 3},
    .scratch_floats = forward_scratch_floats,
    .phases = forward_phases,
    .run = forward_kernel_run,
};

COMPUTE_FUNCTION(sequence_forward, run_sequence_kernel, &FORWARD_KERNEL)

/* ---- BpttLstmSequenceGrad. */

typedef struct {
  Job job;
  int T, B;
  const float *gates, *c, *c0, *u, *dy, *dh, *dc, *mask;
  float *dz, *dh0, *dc0;
  /* Scratch: uᵀ's panels, chunk by chunk ([4H x 32] each); the gradient reaching h from later positions, what
   * padding carries past a position, and the gradient reaching c (two buffers: position t reads dc_buffers[t % 2],
   * writes the other), each [B, H]. */
  float *panels, *dh_carry, *dh_rest, *dc_buffers[2];
  Phase *phases; /* the start, then two per position */
} BackwardJob;

static size_t backward_scratch_floats(int B, int H) { return panel_floats(H) + 4 * (size_t)B * H; }
static size_t backward_phases(int T) { return 2 * (size_t)T + 1; }

/* Some units' panel of uᵀ, and the gradients arriving from after the sequence. */
static void backward_start_chunk(Job *job, int step, Units units) {
  (void)step;
  const BackwardJob *g = (const BackwardJob *)job;
  const int H = job->H, j0 = units.first, n = units.count;
  pack_transposed_panel(g->u, 4, H, units, g->panels);
  for (int b = 0; b < g->B; b++) {
    memcpy(g->dh_carry + (size_t)b * H + j0, g->dh + (size_t)b * H + j0, (size_t)n * sizeof(float));
    memcpy(g->dc_buffers[g->T == 0 ? 1 : (g->T - 1) % 2] + (size_t)b * H + j0, g->dc + (size_t)b * H + j0, (size_t)n * sizeof(float));
  }
}

/* Position t, some units: their gate gradients (dz_t's columns) and the gradient reaching c_{t-1}. */
static void backward_gates_chunk(Job *job, int t, Units units) {
  const BackwardJob *g = (const BackwardJob *)job;
  const int B = g->B, H = job->H, j0 = units.first, n = units.count;
  const size_t state = (size_t)B * H;
  const float *cp = t == 0 ? g->c0 : g->c + (t - 1) * state;
  const float *gates = g->gates + t * 5 * state, *dy = g->dy + t * state, *dc_in = g->dc_buffers[t % 2];
  float *dc_out = g->dc_buffers[(t + 1) % 2], *dz = g->dz + t * 4 * state;
  for (int b = 0; b < B; b++) {
    const size_t r1 = (size_t)b * H + j0;
    const float *a = gates + (size_t)b * 5 * H + j0;
    cell_grad_row(n, H, g->mask[(size_t)t * B + b], a, a + H, a + 2 * H, a + 3 * H, a + 4 * H, cp + r1, g->dh_carry + r1, dy + r1, dc_in + r1,
                  dz + (size_t)b * 4 * H + j0, dc_out + r1, g->dh_rest + r1);
  }
}

/* Position t, some units: their slice of dh_{t-1} = dz_t uᵀ + what padding carried (reads every unit's dz_t). */
static void backward_carry_chunk(Job *job, int t, Units units) {
  const BackwardJob *g = (const BackwardJob *)job;
  const int B = g->B, H = job->H, j0 = units.first, n = units.count;
  const float *panel = g->panels + (size_t)(j0 / CHUNK_UNITS) * 4 * H * CHUNK_UNITS;
  gemm(B, n, 4 * H, g->dz + t * 4 * (size_t)B * H, 4 * H, panel, CHUNK_UNITS, g->dh_carry + j0, H);
  for (int b = 0; b < B; b++)
    for (int j = 0; j < n; j++) g->dh_carry[(size_t)b * H + j0 + j] += g->dh_rest[(size_t)b * H + j0 + j];
}

static void backward_run(Job *job) {
  const BackwardJob *g = (const BackwardJob *)job;
  share_phase(job, &g->phases[0], backward_start_chunk, 0);
  for (int t = g->T - 1; t >= 0; t--) {
    share_phase(job, &g->phases[1 + 2 * t], backward_gates_chunk, t);
    share_phase(job, &g->phases[2 + 2 * t], backward_carry_chunk, t);
  }
}

/* A backward job over the given tensors, with `scratch` (backward_scratch_floats) and zeroed `phases`. */
static BackwardJob backward_job(int T, int B, int H, const float *const in[8], float *dz, float *dh0, float *dc0, float *scratch, Phase *phases) {
  const size_t state = (size_t)B * H;
  float *rest = scratch + panel_floats(H);
  return (BackwardJob){.job = {.run = backward_run, .threads = sequence_threads(), .H = H}, .T = T, .B = B, .gates = in[0], .c = in[1], .c0 = in[2],
                       .u = in[3], .dy = in[4], .dh = in[5], .dc = in[6], .mask = in[7], .dz = dz, .dh0 = dh0, .dc0 = dc0, .panels = scratch,
                       .dh_carry = rest, .dh_rest = rest + state, .dc_buffers = {rest + 2 * state, rest + 3 * state}, .phases = phases};
}

/* dh0 and dc0, once every phase is done: what reached the state before position 0 (dc after it: dc_buffers[1]). */
static void backward_finish(const BackwardJob *g) {
  const size_t bytes = (size_t)g->B * g->job.H * sizeof(float);
  memcpy(g->dh0, g->dh_carry, bytes);
  memcpy(g->dc0, g->dc_buffers[1], bytes);
}

static void backward_kernel_run(int T, int B, int H, const float *const *in, float *const *out, float *scratch, Phase *phases) {
  BackwardJob job = backward_job(T, B, H, in, out[0], out[1], out[2], scratch, phases);
  team_run(&job.job);
  backward_finish(&job);
}

static const SequenceKernel BACKWARD_KERNEL = {
    .op = &LSTM_SEQUENCE_OPS[1],
    .input_dims = {{{'T', 1}, {'B', 1}, {'H', 5}}, {{'T', 1}, {'B', 1}, {'H', 1}}, {{'B', 1}, {'H', 1}}, {{'H', 1}, {'H', 4}},
                   {{'T', 1}, {'B', 1}, {'H', 1}}, {{'B', 1}, {'H', 1}}, {{'B', 1}, {'H', 1}}, {{'T', 1}, {'B', 1}, {'1', 1}}},
    .input_ranks = {3, 3, 2, 2, 3, 2, 2, 3},
    .output_dims = {{{'T', 1}, {'B', 1}, {'H', 4}}, {{'B', 1}, {'H', 1}}, {{'B', 1}, {'H', 1}}},
    .output_ranks = {3, 2, 2},
    .scratch_floats = backward_scratch_floats,
    .phases = backward_phases,
    .run = backward_kernel_run,
};

COMPUTE_FUNCTION(sequence_backward, run_sequence_kernel, &BACKWARD_KERNEL)

const OpSignature LSTM_SEQUENCE_OPS[SEQUENCE_OP_COUNT] = {
    {"BpttLstmSequence", 5, 3,
     {"xw: float", "u: float", "h0: float", "c0: float", "mask: float"},
     {"h: float", "c: float", "gates: float"}},
    {"BpttLstmSequenceGrad", 8, 3,
     {"gates: float", "c: float", "c0: float", "u: float", "dy: float", "dh: float", "dc: float", "mask: float"},
     {"dz: float", "dh0: float", "dc0: float"}},
};
const ComputeFunction LSTM_SEQUENCE_COMPUTE[SEQUENCE_OP_COUNT] = {sequence_forward, sequence_backward};
