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
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_api.h"

/* ---- Matmul: one variant per instruction set (gemm_body.h), chosen once per process. */

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
/* 8 x 32 floats: 16 of AVX-512's 32 registers (measured here against 4 x 32, 4 x 64, 6 x 32, 12 x 32 and 16 x 32:
 * fastest, about as fast as TensorFlow's own matmul on the recurrence's shapes). */
#define GEMM_NAME gemm_avx512
#define GEMM_TARGET __attribute__((target("avx512f")))
#define GEMM_ROWS 8
#define GEMM_COLUMNS 32
#include "gemm_body.h"
/* 4 x 16 floats: 8 of AVX2's 16 registers. */
#define GEMM_NAME gemm_avx2
#define GEMM_TARGET __attribute__((target("avx2,fma")))
#define GEMM_ROWS 4
#define GEMM_COLUMNS 16
#include "gemm_body.h"
#endif
/* Without FMA instructions fmaf is glibc's (correctly rounded, slow): used by the tests, not offered to TensorFlow. */
#define GEMM_NAME gemm_portable
#define GEMM_TARGET
#define GEMM_ROWS 4
#define GEMM_COLUMNS 8
#include "gemm_body.h"

typedef void (*Gemm)(int M, int n, int K, const float *restrict A, int lda, const float *restrict Bm, int ldb, float *restrict C, int ldc);

static Gemm gemm_for_this_cpu(void) {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return gemm_avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return gemm_avx2;
#endif
  return gemm_portable;
}

static Gemm gemm;

/* ---- A team of threads that run one job together, sharing each phase's chunks. */

/*
 * CHUNK_UNITS: one AVX-512 register block wide (gemm_avx512), and small enough that a 128-unit layer gives two
 * threads two chunks each. SPINS_BEFORE_YIELD: a few microseconds of pause instructions; 4,000 spent a fifth of a
 * training step's CPU time spinning while the awaited thread had no core (docs/native-tensorflow.md).
 */
enum { MAX_THREADS = 8, SPINS_BEFORE_YIELD = 200, CHUNK_UNITS = 32 };

static inline void spin_pause(int spins) {
  if (spins < SPINS_BEFORE_YIELD) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  } else {
    /* The thread finishing the last chunk may be waiting for this core. */
    sched_yield();
  }
}

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
static int chunk_count(int H) { return (H + CHUNK_UNITS - 1) / CHUNK_UNITS; }

/* The units of chunk `chunk`: [first, first + count). */
typedef struct {
  int first, count;
} Units;

static Units chunk_units(const Job *job, int chunk) {
  const int first = chunk * CHUNK_UNITS;
  return (Units){first, first + CHUNK_UNITS < job->H ? CHUNK_UNITS : job->H - first};
}

/* Does chunks of `phase` until none is left, then waits until every chunk is finished (whoever took it). */
static void share_phase(Job *job, Phase *phase, void (*work)(Job *job, int step, Units units), int step) {
  for (int chunk; (chunk = atomic_fetch_add_explicit(&phase->taken, 1, memory_order_relaxed)) < job->chunks;) {
    work(job, step, chunk_units(job, chunk));
    atomic_fetch_add_explicit(&phase->finished, 1, memory_order_release);
  }
  for (int spins = 0; atomic_load_explicit(&phase->finished, memory_order_acquire) < job->chunks; spins++) spin_pause(spins);
}

static struct {
  pthread_once_t once;
  int size; /* threads in a full job, the caller's included */
  pthread_mutex_t lock;
  pthread_cond_t wake;
  atomic_ulong generation;
  Job *job;
  /* The generation of the job workers may still join (0: none), and how many workers are inside a job. A worker that
   * wakes late, with the core given to someone else, finds its job closed and skips it: the caller never waits for
   * a worker to be scheduled, only for those already working. */
  atomic_ulong open;
  atomic_int inside;
  pthread_mutex_t busy; /* held by the kernel call using the team */
} team = {.once = PTHREAD_ONCE_INIT, .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER, .busy = PTHREAD_MUTEX_INITIALIZER};

static void *team_worker(void *argument) {
  const int index = (int)(intptr_t)argument;
  unsigned long seen = 0;
  for (;;) {
    /* A short spin first: a layer's kernels come in quick succession (encoder, then decoder), and a sleeping
     * thread takes tens of microseconds to wake. */
    for (int spins = 0; spins < SPINS_BEFORE_YIELD && atomic_load_explicit(&team.generation, memory_order_acquire) == seen; spins++) spin_pause(0);
    pthread_mutex_lock(&team.lock);
    while (atomic_load_explicit(&team.generation, memory_order_acquire) == seen) pthread_cond_wait(&team.wake, &team.lock);
    seen = atomic_load_explicit(&team.generation, memory_order_acquire);
    Job *job = team.job;
    pthread_mutex_unlock(&team.lock);
    /* Sequentially consistent with team_run's closing: either the caller sees this worker inside and waits, or
     * this worker sees the job closed. */
    atomic_fetch_add(&team.inside, 1);
    if (atomic_load(&team.open) == seen && index < job->threads) {
      atomic_fetch_add_explicit(&job->joined, 1, memory_order_relaxed);
      job->run(job);
    }
    atomic_fetch_sub(&team.inside, 1);
  }
  return NULL;
}

int sequence_threads(void) {
  static int threads = 0;
  if (threads == 0) {
    const char *chosen = getenv("BPTT_NATIVE_SEQUENCE_THREADS");
    int count = chosen != NULL ? atoi(chosen) : 0;
    if (count <= 0) {
      cpu_set_t cpus;
      count = sched_getaffinity(0, sizeof cpus, &cpus) == 0 ? CPU_COUNT(&cpus) : 1;
    }
    threads = count < 1 ? 1 : (count > MAX_THREADS ? MAX_THREADS : count);
  }
  return threads;
}

int sequence_ops_supported(void) { return gemm_for_this_cpu() != gemm_portable; }

static void team_start(void) {
  gemm = gemm_for_this_cpu();
  team.size = 1;
  for (int k = 1; k < sequence_threads(); k++) {
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&thread, &attributes, team_worker, (void *)(intptr_t)k) == 0) team.size++;
    pthread_attr_destroy(&attributes);
  }
}

/*
 * Runs the job on up to job->threads threads, the caller's one of them, and returns when it is done and no worker is
 * inside it. If another kernel (a second layer TensorFlow runs beside this one) holds the team, the caller runs the
 * job alone: the results are the same.
 */
static void team_run(Job *job) {
  pthread_once(&team.once, team_start);
  job->chunks = chunk_count(job->H);
  if (job->threads > team.size) job->threads = team.size;
  if (job->threads > job->chunks) job->threads = job->chunks > 0 ? job->chunks : 1;
  if (job->threads > 1 && pthread_mutex_trylock(&team.busy) != 0) job->threads = 1;
  if (job->threads == 1) {
    job->run(job);
    return;
  }
  pthread_mutex_lock(&team.lock);
  team.job = job;
  atomic_store(&team.open, atomic_fetch_add(&team.generation, 1) + 1);
  pthread_cond_broadcast(&team.wake);
  pthread_mutex_unlock(&team.lock);
  /* The caller alone can finish the job: chunks are taken, not assigned. */
  job->run(job);
  atomic_store(&team.open, 0);
  for (int spins = 0; atomic_load(&team.inside) > 0; spins++) spin_pause(spins);
  pthread_mutex_unlock(&team.busy);
}

/* ---- Inputs and outputs. */

/* A dimension as a multiple of T, B or H, or the literal 1. */
typedef struct {
  char symbol;
  int times;
} Dim;

typedef struct {
  TF_OpKernelContext *context;
  TF_Status *status;
  TF_Tensor *tensors[2 * MAX_IO];
  int held;
  int64_t T, B, H;
} Call;

static void call_release(Call *call) {
  for (int k = 0; k < call->held; k++) tf.DeleteTensor(call->tensors[k]);
  tf.DeleteStatus(call->status);
}

static int64_t dim_value(const Call *call, Dim dim) {
  const int64_t base = dim.symbol == 'T' ? call->T : dim.symbol == 'B' ? call->B : dim.symbol == 'H' ? call->H : 1;
  return base * dim.times;
}

/*
 * Reads the op's inputs; T, B and H come from input 0 (dims[0]: {T, B, kH}); every input must then be float32 of
 * exactly its shape, else the kernel fails naming the op, the input and the shape it needed.
 */
static int read_sequence_inputs(Call *call, const OpSignature *op, const Dim dims[][3], const int ranks[], const float **data) {
  char message[256];
  for (int k = 0; k < op->inputs; k++) {
    tf.GetInput(call->context, k, &call->tensors[call->held], call->status);
    if (tf.GetCode(call->status) != TF_OK) {
      tf.OpKernelContext_Failure(call->context, call->status);
      return 0;
    }
    call->held++;
  }
  const TF_Tensor *first = call->tensors[0];
  if (tf.NumDims(first) != 3) {
    snprintf(message, sizeof message, "%s: input 0 (%.*s) must be rank 3, got rank %d", op->name, (int)strcspn(op->input_specs[0], ":"), op->input_specs[0], tf.NumDims(first));
    fail_kernel(call->context, call->status, message);
    return 0;
  }
  call->T = tf.Dim(first, 0);
  call->B = tf.Dim(first, 1);
  call->H = tf.Dim(first, 2) / dims[0][2].times;
  for (int k = 0; k < op->inputs; k++) {
    const TF_Tensor *t = call->tensors[k];
    int ok = tf.TensorType(t) == TF_FLOAT && tf.NumDims(t) == ranks[k];
    for (int d = 0; d < ranks[k] && ok; d++) ok = tf.Dim(t, d) == dim_value(call, dims[k][d]);
    if (!ok) {
      char shape[96] = "";
      for (int d = 0; d < ranks[k]; d++)
        snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%s%lld", d == 0 ? "" : ", ", (long long)dim_value(call, dims[k][d]));
      snprintf(message, sizeof message, "%s: input %d (%.*s) must be float32 [%s]", op->name, k, (int)strcspn(op->input_specs[k], ":"), op->input_specs[k], shape);
      fail_kernel(call->context, call->status, message);
      return 0;
    }
    data[k] = (const float *)tf.TensorData(t);
  }
  return 1;
}

static float *allocate_output(Call *call, int index, int rank, const int64_t *dims) {
  int64_t elements = 1;
  for (int d = 0; d < rank; d++) elements *= dims[d];
  TF_Tensor *tensor = tf.AllocateOutput(call->context, index, TF_FLOAT, dims, rank, (size_t)elements * sizeof(float), call->status);
  if (tf.GetCode(call->status) != TF_OK) {
    tf.OpKernelContext_Failure(call->context, call->status);
    return NULL;
  }
  call->tensors[call->held++] = tensor;
  return (float *)tf.TensorData(tensor);
}

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
static void run_sequence_kernel(const SequenceKernel *kernel, TF_OpKernelContext *context) {
  Call call = {.context = context, .status = tf.NewStatus()};
  const float *in[MAX_IO];
  float *out[MAX_IO], *scratch = NULL;
  Phase *phases = NULL;
  int ok = read_sequence_inputs(&call, kernel->op, kernel->input_dims, kernel->input_ranks, in);
  for (int k = 0; k < kernel->op->outputs && ok; k++) {
    int64_t dims[3];
    for (int d = 0; d < kernel->output_ranks[k]; d++) dims[d] = dim_value(&call, kernel->output_dims[k][d]);
    ok = (out[k] = allocate_output(&call, k, kernel->output_ranks[k], dims)) != NULL;
  }
  const int T = (int)call.T, B = (int)call.B, H = (int)call.H;
  if (ok) scratch = malloc((kernel->scratch_floats(B, H) + 1) * sizeof(float));
  if (scratch != NULL) phases = calloc(kernel->phases(T), sizeof(Phase));
  if (phases != NULL) kernel->run(T, B, H, in, out, scratch, phases);
  else if (ok) fail_kernel(context, call.status, "out of memory for a sequence kernel's scratch");
  free(scratch);
  free(phases);
  call_release(&call);
}

/*
 * ---- Weight panels. A chunk's matmul reads its 32 columns of u (forward) or uᵀ (backward) for every k. Read in
 * place, consecutive k are a row of u apart (4H floats: 4 KiB at H = 256), addresses that share a few L1 cache sets
 * and evict each other; packed once per kernel call into contiguous [K x 32] panels they stream. Measured in the
 * forward of the larger bench configuration (H = 256), one thread: 30-40 ms a sequence read in place.
 */


/* Floats of the panels of one weight matrix: every chunk's 32 columns (padded) over 4H values of k. */
static size_t panel_floats(int H) { return (size_t)chunk_count(H) * CHUNK_UNITS * 4 * (size_t)H; }

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
  const int H = job->H, chunk = units.first / CHUNK_UNITS;
  for (int g = 0; g < 4; g++) {
    float *panel = f->panels + ((size_t)chunk * 4 + g) * H * CHUNK_UNITS;
    for (int k = 0; k < H; k++) memcpy(panel + (size_t)k * CHUNK_UNITS, f->u + (size_t)k * 4 * H + g * H + units.first, (size_t)units.count * sizeof(float));
  }
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
    .op = &SEQUENCE_OPS[0],
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
  float *panel = g->panels + (size_t)(j0 / CHUNK_UNITS) * 4 * H * CHUNK_UNITS;
  for (int k = 0; k < 4 * H; k++)
    for (int col = 0; col < n; col++) panel[(size_t)k * CHUNK_UNITS + col] = g->u[(size_t)(j0 + col) * 4 * H + k];
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
    .op = &SEQUENCE_OPS[1],
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

const OpSignature SEQUENCE_OPS[SEQUENCE_OP_COUNT] = {
    {"BpttLstmSequence", 5, 3,
     {"xw: float", "u: float", "h0: float", "c0: float", "mask: float"},
     {"h: float", "c: float", "gates: float"}},
    {"BpttLstmSequenceGrad", 8, 3,
     {"gates: float", "c: float", "c0: float", "u: float", "dy: float", "dh: float", "dc: float", "mask: float"},
     {"dz: float", "dh0: float", "dc0: float"}},
};
const ComputeFunction SEQUENCE_COMPUTE[SEQUENCE_OP_COUNT] = {sequence_forward, sequence_backward};
