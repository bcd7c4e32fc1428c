/*
 * What the whole-sequence kernels (lstm_sequence.c, gru_sequence.c) share: their matmul, one variant per
 * instruction set; the team of threads that runs a job's phases, each time step's hidden units in chunks the
 * threads take from a counter; and reading, checking and allocating a sequence op's tensors (lstm_sequence.c's
 * opening comment says why the work is split this way).
 */
#define _GNU_SOURCE
#include <math.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sequence_team.h"

/* ---- Matmul: one variant per instruction set (gemm_body.h, gemm_avx2.h), chosen once per process. */

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
/* 8 x 32 floats: 16 of AVX-512's 32 registers (measured here against 4 x 32, 4 x 64, 6 x 32, 12 x 32 and 16 x 32:
 * fastest, about as fast as TensorFlow's own matmul on the recurrence's shapes). */
#define GEMM_NAME gemm_avx512
#define GEMM_TARGET __attribute__((target("avx512f")))
#define GEMM_ROWS 8
#define GEMM_COLUMNS 32
#include "gemm_body.h"
/* 6 x 16 floats, with intrinsics (gemm_avx2.h says why). */
#include "gemm_avx2.h"
#endif
/* Without FMA instructions fmaf is glibc's (correctly rounded, slow): used by the tests, not offered to TensorFlow. */
#define GEMM_NAME gemm_portable
#define GEMM_TARGET
#define GEMM_ROWS 4
#define GEMM_COLUMNS 8
#include "gemm_body.h"

Gemm gemm_for_this_cpu(void) {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return gemm_avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return gemm_avx2;
#endif
  return gemm_portable;
}

Gemm gemm;

/* ---- A team of threads that run one job together, sharing each phase's chunks. */

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



/* Chunks of a layer of H units (the last one shorter). */
int chunk_count(int H) { return (H + CHUNK_UNITS - 1) / CHUNK_UNITS; }


static Units chunk_units(const Job *job, int chunk) {
  const int first = chunk * CHUNK_UNITS;
  return (Units){first, first + CHUNK_UNITS < job->H ? CHUNK_UNITS : job->H - first};
}

/* Does chunks of `phase` until none is left, then waits until every chunk is finished (whoever took it). */
void share_phase(Job *job, Phase *phase, void (*work)(Job *job, int step, Units units), int step) {
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
  pthread_t workers[MAX_THREADS];
  cpu_set_t allowed; /* the CPUs this process may use, when the team started */
  /* The CPU of the caller that last woke the workers (-1: none, or steering off), and how many times a worker then
   * joined on that CPU all the same (never: the C check reads it). */
  atomic_int waker_cpu;
  atomic_int joins_beside_waker;
} team = {.once = PTHREAD_ONCE_INIT, .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER, .busy = PTHREAD_MUTEX_INITIALIZER, .waker_cpu = -1};

/* Threads runnable on the whole machine right now, the caller included (/proc/loadavg's fourth field), or -1. */
static int runnable_threads(void) {
  char text[128];
  const int fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  const ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return -1;
  text[n] = 0;
  const char *field = text;
  for (int k = 0; k < 3 && field != NULL; k++) field = (field = strchr(field, ' ')) == NULL ? NULL : field + 1;
  return field == NULL ? -1 : atoi(field);
}

/* Set by the C check, which cannot count on an idle machine. */
static int steer_always = 0;

/*
 * Wakes the workers away from the caller's CPU while the machine has a CPU to spare. Woken from the caller, a
 * sleeping worker was often queued on the caller's own CPU (Linux places a wakee near its waker) while the other CPU
 * stayed idle: one of the two then ran the whole job, the other waiting for the same core (`perf`: 5 ms of a 2 ms
 * two-thread job, twice a training step). So before a wake the workers may use every CPU of the process but the
 * caller's, and all of them again once the job is done (free_workers). Only while no more threads are runnable than
 * the process has CPUs: with two training processes side by side (nx --parallel=2) every CPU is taken, a worker
 * sent to the other one shares it and is preempted inside a time step, and steering then made both processes
 * 12-15% slower (workers kept off for good, 8-10%). Measured at each wake: one training process, at most 2
 * runnable threads in 94% of the wakes; two, 3 or more in 97%. A process allowed one CPU is left alone.
 */
static void steer_workers_off(int cpu) {
  const int steer = cpu >= 0 && CPU_ISSET(cpu, &team.allowed) && CPU_COUNT(&team.allowed) >= 2 &&
                    (steer_always || (unsigned)runnable_threads() <= (unsigned)CPU_COUNT(&team.allowed));
  atomic_store(&team.waker_cpu, steer ? cpu : -1);
  if (!steer) return;
  cpu_set_t others = team.allowed;
  CPU_CLR(cpu, &others);
  for (int k = 0; k < team.size - 1; k++) pthread_setaffinity_np(team.workers[k], sizeof others, &others);
}

/* After a steered job, once no worker is inside it: every CPU of the process is the workers' again. */
static void free_workers(void) {
  if (atomic_load(&team.waker_cpu) < 0) return;
  for (int k = 0; k < team.size - 1; k++) pthread_setaffinity_np(team.workers[k], sizeof team.allowed, &team.allowed);
}

/* A worker joining a job: never on the CPU of the caller that steered it away (counted for the C check). */
static void note_join_cpu(void) {
  const int waker = atomic_load(&team.waker_cpu);
  if (waker >= 0 && sched_getcpu() == waker) atomic_fetch_add(&team.joins_beside_waker, 1);
}

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
      note_join_cpu();
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
  if (sched_getaffinity(0, sizeof team.allowed, &team.allowed) != 0) CPU_ZERO(&team.allowed);
  team.size = 1;
  for (int k = 1; k < sequence_threads(); k++) {
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&thread, &attributes, team_worker, (void *)(intptr_t)k) == 0) team.workers[team.size++ - 1] = thread;
    pthread_attr_destroy(&attributes);
  }
}

/*
 * Runs the job on up to job->threads threads, the caller's one of them, and returns when it is done and no worker is
 * inside it. If another kernel (a second layer TensorFlow runs beside this one) holds the team, the caller runs the
 * job alone: the results are the same.
 */
void team_run(Job *job) {
  pthread_once(&team.once, team_start);
  job->chunks = chunk_count(job->H);
  if (job->threads > team.size) job->threads = team.size;
  if (job->threads > job->chunks) job->threads = job->chunks > 0 ? job->chunks : 1;
  if (job->threads > 1 && pthread_mutex_trylock(&team.busy) != 0) job->threads = 1;
  if (job->threads == 1) {
    job->run(job);
    return;
  }
  steer_workers_off(sched_getcpu());
  pthread_mutex_lock(&team.lock);
  team.job = job;
  atomic_store(&team.open, atomic_fetch_add(&team.generation, 1) + 1);
  pthread_cond_broadcast(&team.wake);
  pthread_mutex_unlock(&team.lock);
  /* The caller alone can finish the job: chunks are taken, not assigned. */
  job->run(job);
  atomic_store(&team.open, 0);
  for (int spins = 0; atomic_load(&team.inside) > 0; spins++) spin_pause(spins);
  free_workers();
  pthread_mutex_unlock(&team.busy);
}

/* ---- Inputs and outputs. */


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


/* Checks and reads the inputs, allocates the outputs and the job's scratch, runs the job; on any failure TensorFlow
 * has the reason and nothing runs. */
void run_sequence_kernel(const SequenceKernel *kernel, TF_OpKernelContext *context) {
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
size_t panel_floats(int H) { return (size_t)chunk_count(H) * CHUNK_UNITS * 4 * (size_t)H; }

void pack_gate_panels(const float *u, int gates, int H, Units units, float *panels) {
  const int chunk = units.first / CHUNK_UNITS;
  for (int g = 0; g < gates; g++) {
    float *panel = panels + ((size_t)chunk * gates + g) * H * CHUNK_UNITS;
    for (int k = 0; k < H; k++) memcpy(panel + (size_t)k * CHUNK_UNITS, u + (size_t)k * gates * H + g * H + units.first, (size_t)units.count * sizeof(float));
  }
}

void pack_transposed_panel(const float *u, int gates, int H, Units units, float *panels) {
  float *panel = panels + (size_t)(units.first / CHUNK_UNITS) * gates * H * CHUNK_UNITS;
  for (int k = 0; k < gates * H; k++)
    for (int col = 0; col < units.count; col++) panel[(size_t)k * CHUNK_UNITS + col] = u[(size_t)(units.first + col) * gates * H + k];
}
