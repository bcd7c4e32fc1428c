/*
 * step_kernels: TensorFlow ops for one recurrent time step, registered at run time through TensorFlow's C API into
 * the libtensorflow that tfjs-node has already loaded, so that an LSTM or GRU time step is one kernel forward and one
 * backward instead of ~10-17 and ~5-20 small ones (packages/models/src/native/step-kernels.ts uses them):
 *
 *   BpttLstmCell(xw, hu, c_prev, h_prev, mask) -> (i, ci, f, o, co, c, h)
 *     z = xw + hu in TensorFlow's gate order (i, ci, f, o); i, f, o = sigmoid, ci = tanh; c' = f c_prev + i ci;
 *     co = tanh(c'); h' = o co; then the padding carry of nn/run-sequence.ts: c = c_prev + m (c' - c_prev), h alike,
 *     exactly c' where m = 1 and exactly c_prev where m = 0 (mask is [B, 1], one value per row).
 *   BpttLstmCellGrad(i, ci, f, o, co, c_prev, dh, dy, dc, mask) -> (dicfo, dc_prev, dh_rest)
 *     dh_total = dh + dy; with dh_c = m dh_total and dc_c = m dc, the gradient LSTMBlockCellGrad computes
 *     (dicfo [B, 4H] in (i, ci, f, o) order, and dc_c f), plus what padding carries past the step:
 *     dc_prev = dc_c f + (dc - dc_c) and dh_rest = dh_total - dh_c (the caller adds dicfo Uᵀ to it).
 *   BpttLstmGates(x_proj, h_proj, c) -> (h, c_new, saved) and BpttLstmGatesGrad(saved, c, dh, dc_new) -> (dz, dc):
 *     the same step in PyTorch's gate order (i, f, g, o) with the activations kept as [i, f, g, o, tanh c'], the
 *     contract of @bptt/models' fused gate kernel (src/fused/lstm-gates.ts), which the step-by-step recurrence
 *     (sampling decoders, attention, dropout on h, the dL/dh_t probes) runs eagerly or in a graph.
 *   BpttGruGates(x_proj, h_proj, h) -> (h_new, gates) and BpttGruGatesGrad(gates, h_proj, h, dh_new) ->
 *     (dx_proj, dh_proj, dh): one GRU step in PyTorch's convention (r, z, n; reset after h W_hh), the contract of
 *     src/fused/gru-gates.ts, which every GRU layer runs step by step.
 *
 * adam_update.c adds BpttAdamUpdate, one Adam update of one parameter in one pass (the optimizer's 13 kernels per
 * parameter otherwise).
 *
 * lstm_sequence.c adds BpttLstmSequence and BpttLstmSequenceGrad, a whole LSTM layer's recurrence as one kernel
 * each way on several threads, built from cell_row and cell_grad_row below; gru_sequence.c the same for GRU layers
 * (BpttGruSequence, its gradient) from gru_row and gru_grad_row.
 *
 * Why: in a TensorFlow graph each kernel pays the executor's fixed cost (scheduling, output allocation) of several
 * microseconds, more than the arithmetic of a [64, 128] gate op; the recurrence is a chain of such steps, so that
 * cost adds up on the critical path (docs/native-tensorflow.md, "Fused step kernels"). Run op by op from
 * JavaScript, each kernel costs ~20 us of dispatch.
 *
 * Numerics: sigmoid and tanh come from one exp, a Cephes-style polynomial (about 1 ulp) written in plain float
 * arithmetic, so the loops vectorise; built with -ffp-contract=off, every ISA variant (target_clones) rounds the
 * same and results are the same bit for bit on every x86-64 machine. No TensorFlow header is needed: the handful of
 * C API functions are declared below and looked up in the libtensorflow tfjs-node has already loaded.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kernel_api.h"

TfApi tf;

static const char *resolve_api(void *library) {
#define RESOLVE(field, symbol)                                         \
  if ((*(void **)&tf.field = dlsym(library, symbol)) == NULL) return symbol;
  RESOLVE(NewStatus, "TF_NewStatus")
  RESOLVE(DeleteStatus, "TF_DeleteStatus")
  RESOLVE(GetCode, "TF_GetCode")
  RESOLVE(Message, "TF_Message")
  RESOLVE(SetStatus, "TF_SetStatus")
  RESOLVE(NewOpDefinitionBuilder, "TF_NewOpDefinitionBuilder")
  RESOLVE(OpDefinitionBuilderAddInput, "TF_OpDefinitionBuilderAddInput")
  RESOLVE(OpDefinitionBuilderAddOutput, "TF_OpDefinitionBuilderAddOutput")
  RESOLVE(OpDefinitionBuilderSetShapeInferenceFunction, "TF_OpDefinitionBuilderSetShapeInferenceFunction")
  RESOLVE(RegisterOpDefinition, "TF_RegisterOpDefinition")
  RESOLVE(ShapeInferenceContextSetUnknownShape, "TF_ShapeInferenceContextSetUnknownShape")
  RESOLVE(NewKernelBuilder, "TF_NewKernelBuilder")
  RESOLVE(RegisterKernelBuilder, "TF_RegisterKernelBuilder")
  RESOLVE(GetInput, "TF_GetInput")
  RESOLVE(AllocateOutput, "TF_AllocateOutput")
  RESOLVE(OpKernelContext_Failure, "TF_OpKernelContext_Failure")
  RESOLVE(NumDims, "TF_NumDims")
  RESOLVE(Dim, "TF_Dim")
  RESOLVE(TensorType, "TF_TensorType")
  RESOLVE(TensorData, "TF_TensorData")
  RESOLVE(DeleteTensor, "TF_DeleteTensor")
#undef RESOLVE
  return NULL;
}

/* ---- Elementwise math. */

/* e^x for x in float range; Cephes expf's reduction and polynomial. Branch-free so that loops vectorise. */
static inline float exp_approx(float x) {
  x = x > -87.3f ? x : -87.3f;
  x = x < 88.3f ? x : 88.3f;
  /* Round to nearest by adding and subtracting 1.5 x 2^23 (exact in float without -ffast-math): no floorf call,
   * which SSE2 cannot vectorise. */
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  union { int32_t bits; float value; } scale = { .bits = ((int32_t)n + 127) << 23 };
  return p * scale.value;
}

static inline float sigmoid_approx(float x) { return 1.0f / (1.0f + exp_approx(-x)); }

/* tanh via e^{-2|x|}; below |x| = 1/16 an odd Taylor polynomial, where 1 - e^{-2|x|} would lose digits. */
static inline float tanh_approx(float x) {
  const float a = __builtin_fabsf(x);
  const float t = exp_approx(-2.0f * a);
  const float large = (1.0f - t) / (1.0f + t);
  const float a2 = a * a;
  const float small = a + a * a2 * (-0.333333333f + a2 * (0.133333333f + a2 * -0.0539682540f));
  const float y = a < 0.0625f ? small : large;
  return __builtin_copysignf(y, x);
}

/* One LSTM step from its gate pre-activations (any gate order: the callers pick the columns). */
typedef struct {
  float i, f, g, o, c, tc;
} StepValues;

static inline StepValues lstm_step(float zi, float zf, float zg, float zo, float c_prev) {
  StepValues v;
  v.i = sigmoid_approx(zi);
  v.f = sigmoid_approx(zf);
  v.g = tanh_approx(zg);
  v.o = sigmoid_approx(zo);
  v.c = v.f * c_prev + v.i * v.g;
  v.tc = tanh_approx(v.c);
  return v;
}

/* Its gradient, the math of LSTMBlockCellGrad without peepholes: dz per gate and dc_prev. */
typedef struct {
  float di, df, dg, d_o, dc_prev;
} StepGrads;

static inline StepGrads lstm_step_grad(float i, float f, float g, float o, float tc, float c_prev, float dh, float dc) {
  StepGrads d;
  const float dcs = (1.0f - tc * tc) * (dh * o) + dc;
  d.di = i * (1.0f - i) * (dcs * g);
  d.df = f * (1.0f - f) * (dcs * c_prev);
  d.dg = (1.0f - g * g) * (dcs * i);
  d.d_o = o * (1.0f - o) * (dh * tc);
  d.dc_prev = dcs * f;
  return d;
}

/* One batch row of BpttLstmCell: TensorFlow's gate order (i, ci, f, o), then the padding carry. */
VECTOR_CLONES void cell_row(int n, int H, float m, const float *restrict xw, const float *restrict hu, const float *restrict cp,
                            const float *restrict hp, float *restrict i_out, float *restrict ci_out, float *restrict f_out,
                                   float *restrict o_out, float *restrict co_out, float *restrict c_out, float *restrict h_out) {
  for (int j = 0; j < n; j++) {
    const StepValues v = lstm_step(xw[j] + hu[j], xw[2 * H + j] + hu[2 * H + j], xw[H + j] + hu[H + j], xw[3 * H + j] + hu[3 * H + j], cp[j]);
    i_out[j] = v.i;
    ci_out[j] = v.g;
    f_out[j] = v.f;
    o_out[j] = v.o;
    co_out[j] = v.tc;
    c_out[j] = v.c;
    h_out[j] = v.o * v.tc;
  }
  /* The carry of nn/run-sequence.ts, exact at m = 1 and m = 0 (the only values padding uses). */
  if (m == 1.0f) return;
  for (int j = 0; j < n; j++) {
    c_out[j] = m == 0.0f ? cp[j] : cp[j] + m * (c_out[j] - cp[j]);
    h_out[j] = m == 0.0f ? hp[j] : hp[j] + m * (h_out[j] - hp[j]);
  }
}

/* One batch row of BpttLstmCellGrad: dicfo in (i, ci, f, o) order, with the padding carry. */
VECTOR_CLONES void cell_grad_row(int n, int H, float m, const float *restrict i_in, const float *restrict ci_in, const float *restrict f_in,
                                        const float *restrict o_in, const float *restrict co_in, const float *restrict cp,
                                        const float *restrict dh_in, const float *restrict dy, const float *restrict dc_in,
                                        float *restrict dicfo, float *restrict dc_prev, float *restrict dh_rest) {
  for (int j = 0; j < n; j++) {
    const float dh_total = dh_in[j] + dy[j];
    const float dh = m * dh_total;
    const float dc_cell = m * dc_in[j];
    const StepGrads d = lstm_step_grad(i_in[j], f_in[j], ci_in[j], o_in[j], co_in[j], cp[j], dh, dc_cell);
    dicfo[j] = d.di;
    dicfo[H + j] = d.dg;
    dicfo[2 * H + j] = d.df;
    dicfo[3 * H + j] = d.d_o;
    dc_prev[j] = d.dc_prev + (dc_in[j] - dc_cell);
    dh_rest[j] = dh_total - dh;
  }
}

/* One batch row of BpttLstmGates: PyTorch's gate order (i, f, g, o), the activations kept as [i, f, g, o, tanh c']. */
VECTOR_CLONES static void gates_row(int H, const float *restrict xp, const float *restrict hp, const float *restrict cp, float *restrict h_out,
                                    float *restrict c_out, float *restrict saved) {
  for (int j = 0; j < H; j++) {
    const StepValues v = lstm_step(xp[j] + hp[j], xp[H + j] + hp[H + j], xp[2 * H + j] + hp[2 * H + j], xp[3 * H + j] + hp[3 * H + j], cp[j]);
    saved[j] = v.i;
    saved[H + j] = v.f;
    saved[2 * H + j] = v.g;
    saved[3 * H + j] = v.o;
    saved[4 * H + j] = v.tc;
    c_out[j] = v.c;
    h_out[j] = v.o * v.tc;
  }
}

/* One batch row of BpttLstmGatesGrad: dz in (i, f, g, o) order and dc_prev, from the kept activations. */
VECTOR_CLONES static void gates_grad_row(int H, const float *restrict saved, const float *restrict cp, const float *restrict dh,
                                         const float *restrict dc_new, float *restrict dz, float *restrict dc_prev) {
  for (int j = 0; j < H; j++) {
    const StepGrads d = lstm_step_grad(saved[j], saved[H + j], saved[2 * H + j], saved[3 * H + j], saved[4 * H + j], cp[j], dh[j], dc_new[j]);
    dz[j] = d.di;
    dz[H + j] = d.df;
    dz[2 * H + j] = d.dg;
    dz[3 * H + j] = d.d_o;
    dc_prev[j] = d.dc_prev;
  }
}

/* One batch row of BpttGruGates: PyTorch's nn.GRU (gate blocks r, z, n; the reset gate applied after h W_hh). */
VECTOR_CLONES void gru_row(int n_units, int H, const float *restrict xp, const float *restrict hp, const float *restrict h, float *restrict h_out,
                           float *restrict gates) {
  for (int j = 0; j < n_units; j++) {
    const float r = sigmoid_approx(xp[j] + hp[j]);
    const float z = sigmoid_approx(xp[H + j] + hp[H + j]);
    const float n = tanh_approx(xp[2 * H + j] + r * hp[2 * H + j]);
    gates[j] = r;
    gates[H + j] = z;
    gates[2 * H + j] = n;
    h_out[j] = (1.0f - z) * n + z * h[j];
  }
}

/* One batch row of BpttGruGatesGrad: the gradients of x_proj, h_proj and h (the direct path through z h). */
VECTOR_CLONES void gru_grad_row(int n_units, int H, const float *restrict gates, const float *restrict hn, const float *restrict h,
                                const float *restrict dh_new, float *restrict dxp, float *restrict dhp, float *restrict dh) {
  for (int j = 0; j < n_units; j++) {
    const float r = gates[j], z = gates[H + j], n = gates[2 * H + j], d = dh_new[j];
    const float dn = d * (1.0f - z) * (1.0f - n * n);
    const float dz = d * (h[j] - n) * z * (1.0f - z);
    const float dr = dn * hn[j] * r * (1.0f - r);
    dxp[j] = dr;
    dxp[H + j] = dz;
    dxp[2 * H + j] = dn;
    dhp[j] = dr;
    dhp[H + j] = dz;
    dhp[2 * H + j] = dn * r;
    dh[j] = d * z;
  }
}

/* ---- Kernels. */

typedef struct {
  TF_OpKernelContext *context;
  TF_Status *status;
  TF_Tensor *inputs[MAX_IO];
  int input_count;
  int64_t B, H;
} KernelCall;

static void *create_kernel(TF_OpKernelConstruction *construction) {
  (void)construction;
  return NULL;
}

static void delete_kernel(void *kernel) { (void)kernel; }

void fail_kernel(TF_OpKernelContext *context, TF_Status *status, const char *message) {
  tf.SetStatus(status, TF_INVALID_ARGUMENT, message);
  tf.OpKernelContext_Failure(context, status);
}

static void fail(KernelCall *call, const char *message) { fail_kernel(call->context, call->status, message); }

/* Reads every input and checks it is float [B, widths[k] x H] (widths[k] = 0: [B, 1], the mask). */
static int read_inputs(KernelCall *call, const char *op, int count, const int *widths) {
  char message[256];
  call->input_count = 0;
  for (int k = 0; k < count; k++) {
    tf.GetInput(call->context, k, &call->inputs[k], call->status);
    if (tf.GetCode(call->status) != TF_OK) {
      tf.OpKernelContext_Failure(call->context, call->status);
      return 0;
    }
    call->input_count = k + 1;
  }
  /* H is input 0's width over its multiple (4 for [B, 4H], 5 for the kept activations [B, 5H], 1 for [B, H]). */
  const TF_Tensor *first = call->inputs[0];
  if (tf.NumDims(first) != 2) {
    snprintf(message, sizeof message, "%s: input 0 must be rank 2, got rank %d", op, tf.NumDims(first));
    fail(call, message);
    return 0;
  }
  call->B = tf.Dim(first, 0);
  call->H = tf.Dim(first, 1) / widths[0];
  for (int k = 0; k < count; k++) {
    const TF_Tensor *t = call->inputs[k];
    const int64_t columns = widths[k] == 0 ? 1 : widths[k] * call->H;
    if (tf.TensorType(t) != TF_FLOAT || tf.NumDims(t) != 2 || tf.Dim(t, 0) != call->B || tf.Dim(t, 1) != columns) {
      snprintf(message, sizeof message, "%s: input %d must be float32 [%lld, %lld]", op, k, (long long)call->B, (long long)columns);
      fail(call, message);
      return 0;
    }
  }
  return 1;
}

static float *output(KernelCall *call, int index, int64_t columns, TF_Tensor **held) {
  const int64_t dims[2] = {call->B, columns};
  *held = tf.AllocateOutput(call->context, index, TF_FLOAT, dims, 2, (size_t)(call->B * columns) * sizeof(float), call->status);
  if (tf.GetCode(call->status) != TF_OK) {
    tf.OpKernelContext_Failure(call->context, call->status);
    return NULL;
  }
  return (float *)tf.TensorData(*held);
}

static void finish(KernelCall *call, TF_Tensor **outputs, int output_count) {
  for (int k = 0; k < call->input_count; k++) tf.DeleteTensor(call->inputs[k]);
  for (int k = 0; k < output_count; k++)
    if (outputs[k] != NULL) tf.DeleteTensor(outputs[k]);
  tf.DeleteStatus(call->status);
}

/*
 * One op: its arguments as TensorFlow declares them, each one's width in multiples of H (0: the [B, 1] mask), and
 * the row function that computes one batch row from its inputs' and outputs' rows.
 */
typedef struct {
  OpSignature signature;
  int input_widths[MAX_IO], output_widths[MAX_IO];
  void (*row)(int H, float mask, const float *const *in, float *const *out);
} OpSpec;

/* The row functions with their arguments as arrays, in each op's argument order. */
static void cell_op_row(int H, float m, const float *const *in, float *const *out) {
  cell_row(H, H, m, in[0], in[1], in[2], in[3], out[0], out[1], out[2], out[3], out[4], out[5], out[6]);
}
static void cell_grad_op_row(int H, float m, const float *const *in, float *const *out) {
  cell_grad_row(H, H, m, in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7], in[8], out[0], out[1], out[2]);
}
static void gates_op_row(int H, float m, const float *const *in, float *const *out) {
  (void)m;
  gates_row(H, in[0], in[1], in[2], out[0], out[1], out[2]);
}
static void gates_grad_op_row(int H, float m, const float *const *in, float *const *out) {
  (void)m;
  gates_grad_row(H, in[0], in[1], in[2], in[3], out[0], out[1]);
}
static void gru_op_row(int H, float m, const float *const *in, float *const *out) {
  (void)m;
  gru_row(H, H, in[0], in[1], in[2], out[0], out[1]);
}
static void gru_grad_op_row(int H, float m, const float *const *in, float *const *out) {
  (void)m;
  gru_grad_row(H, H, in[0], in[1] + 2 * H, in[2], in[3], out[0], out[1], out[2]);
}

static const OpSpec OPS[] = {
    {{"BpttLstmCell", 5, 7,
     {"xw: float", "hu: float", "c_prev: float", "h_prev: float", "mask: float"},
     {"i: float", "ci: float", "f: float", "o: float", "co: float", "c: float", "h: float"}},
     {4, 4, 1, 1, 0}, {1, 1, 1, 1, 1, 1, 1}, cell_op_row},
    {{"BpttLstmCellGrad", 10, 3,
     {"i: float", "ci: float", "f: float", "o: float", "co: float", "c_prev: float", "dh: float", "dy: float", "dc: float", "mask: float"},
     {"dicfo: float", "dc_prev: float", "dh_rest: float"}},
     {1, 1, 1, 1, 1, 1, 1, 1, 1, 0}, {4, 1, 1}, cell_grad_op_row},
    {{"BpttLstmGates", 3, 3,
     {"x_proj: float", "h_proj: float", "c: float"},
     {"h: float", "c_new: float", "saved: float"}},
     {4, 4, 1}, {1, 1, 5}, gates_op_row},
    {{"BpttLstmGatesGrad", 4, 2,
     {"saved: float", "c: float", "dh: float", "dc_new: float"},
     {"dz: float", "dc: float"}},
     {5, 1, 1, 1}, {4, 1}, gates_grad_op_row},
    {{"BpttGruGates", 3, 2,
     {"x_proj: float", "h_proj: float", "h: float"},
     {"h_new: float", "gates: float"}},
     {3, 3, 1}, {1, 3}, gru_op_row},
    {{"BpttGruGatesGrad", 4, 3,
     {"gates: float", "h_proj: float", "h: float", "dh_new: float"},
     {"dx_proj: float", "dh_proj: float", "dh: float"}},
     {3, 3, 1, 1}, {3, 3, 1}, gru_grad_op_row},
};
enum { OP_COUNT = sizeof OPS / sizeof *OPS };

/* Every op's kernel: checks and reads the inputs, allocates the outputs, runs the op's row function per batch row. */
static void run_op(const OpSpec *op, TF_OpKernelContext *context) {
  KernelCall call = {.context = context, .status = tf.NewStatus()};
  TF_Tensor *held[MAX_IO] = {NULL};
  const OpSignature *sig = &op->signature;
  if (read_inputs(&call, sig->name, sig->inputs, op->input_widths)) {
    float *out[MAX_IO];
    int ok = 1;
    for (int k = 0; k < sig->outputs && ok; k++) ok = (out[k] = output(&call, k, op->output_widths[k] * call.H, &held[k])) != NULL;
    if (ok) {
      const int64_t B = call.B, H = call.H;
      const float *in[MAX_IO], *mask = NULL;
      for (int k = 0; k < sig->inputs; k++) {
        in[k] = (const float *)tf.TensorData(call.inputs[k]);
        if (op->input_widths[k] == 0) mask = in[k];
      }
      for (int64_t b = 0; b < B; b++) {
        const float *row_in[MAX_IO];
        float *row_out[MAX_IO];
        for (int k = 0; k < sig->inputs; k++) row_in[k] = in[k] + b * (op->input_widths[k] == 0 ? 1 : op->input_widths[k] * H);
        for (int k = 0; k < sig->outputs; k++) row_out[k] = out[k] + b * op->output_widths[k] * H;
        op->row((int)H, mask == NULL ? 1.0f : mask[b], row_in, row_out);
      }
    }
  }
  finish(&call, held, sig->outputs);
}

COMPUTE_FUNCTION(compute_op0, run_op, &OPS[0])
COMPUTE_FUNCTION(compute_op1, run_op, &OPS[1])
COMPUTE_FUNCTION(compute_op2, run_op, &OPS[2])
COMPUTE_FUNCTION(compute_op3, run_op, &OPS[3])
COMPUTE_FUNCTION(compute_op4, run_op, &OPS[4])
COMPUTE_FUNCTION(compute_op5, run_op, &OPS[5])
static const ComputeFunction COMPUTE[OP_COUNT] = {compute_op0, compute_op1, compute_op2, compute_op3, compute_op4, compute_op5};

/* ---- Registration. */

static void unknown_shapes(TF_ShapeInferenceContext *context, TF_Status *status) { tf.ShapeInferenceContextSetUnknownShape(context, status); }

const char *register_op(const OpSignature *op, ComputeFunction compute, char *error, size_t error_size) {
  TF_Status *status = tf.NewStatus();
  TF_OpDefinitionBuilder *builder = tf.NewOpDefinitionBuilder(op->name);
  for (int k = 0; k < op->inputs; k++) tf.OpDefinitionBuilderAddInput(builder, op->input_specs[k]);
  for (int k = 0; k < op->outputs; k++) tf.OpDefinitionBuilderAddOutput(builder, op->output_specs[k]);
  tf.OpDefinitionBuilderSetShapeInferenceFunction(builder, unknown_shapes);
  tf.RegisterOpDefinition(builder, status);
  if (tf.GetCode(status) == TF_OK) {
    char kernel_name[64];
    snprintf(kernel_name, sizeof kernel_name, "%sCpu", op->name);
    tf.RegisterKernelBuilder(kernel_name, tf.NewKernelBuilder(op->name, "CPU", create_kernel, compute, delete_kernel), status);
  }
  const char *result = NULL;
  if (tf.GetCode(status) != TF_OK) {
    snprintf(error, error_size, "registering %s: %s", op->name, tf.Message(status));
    result = error;
  }
  tf.DeleteStatus(status);
  return result;
}

static napi_value result_object(napi_env env, int registered, int sequence, const char *detail) {
  napi_value object, flag, sequence_flag, text;
  napi_create_object(env, &object);
  napi_get_boolean(env, registered, &flag);
  napi_get_boolean(env, sequence, &sequence_flag);
  napi_create_string_utf8(env, detail, NAPI_AUTO_LENGTH, &text);
  napi_set_named_property(env, object, "registered", flag);
  napi_set_named_property(env, object, "sequence", sequence_flag);
  napi_set_named_property(env, object, "detail", text);
  return object;
}

/*
 * register(): { registered: boolean, sequence: boolean (BpttLstmSequence too), detail: string }. Idempotent: TensorFlow's op registry is per process, so the
 * outcome of the first call is kept and returned again.
 */
static napi_value Register(napi_env env, napi_callback_info info) {
  (void)info;
  static int done = 0, registered = 0, sequence = 0;
  static char detail[512];
  if (!done) {
    done = 1;
    /* RTLD_NOLOAD: a library tfjs-node already loaded, never a second copy. The kernel C API is in
     * libtensorflow_framework with the wheel's libtensorflow_cc, in libtensorflow itself in TensorFlow's C builds. */
    static const char *const libraries[] = {"libtensorflow_framework.so.2", "libtensorflow.so.2", "libtensorflow_cc.so.2"};
    const char *missing = "TF_NewKernelBuilder";
    int loaded = 0;
    for (size_t k = 0; k < sizeof libraries / sizeof *libraries && missing != NULL; k++) {
      void *library = dlopen(libraries[k], RTLD_LAZY | RTLD_NOLOAD);
      if (library == NULL) continue;
      loaded = 1;
      missing = resolve_api(library);
    }
    if (!loaded) {
      snprintf(detail, sizeof detail, "libtensorflow is not loaded in this process (load tfjs-node first)");
    } else if (missing != NULL) {
      snprintf(detail, sizeof detail, "this libtensorflow lacks %s (TensorFlow's kernel C API)", missing);
    } else {
      char error[400];
      const char *failure = NULL;
      for (int k = 0; k < OP_COUNT && failure == NULL; k++) failure = register_op(&OPS[k].signature, COMPUTE[k], error, sizeof error);
      if (failure == NULL) failure = register_op(&ADAM_OP, ADAM_COMPUTE, error, sizeof error);
      sequence = sequence_ops_supported();
      for (int k = 0; k < SEQUENCE_OP_COUNT && failure == NULL && sequence; k++) failure = register_op(&LSTM_SEQUENCE_OPS[k], LSTM_SEQUENCE_COMPUTE[k], error, sizeof error);
      for (int k = 0; k < SEQUENCE_OP_COUNT && failure == NULL && sequence; k++) failure = register_op(&GRU_SEQUENCE_OPS[k], GRU_SEQUENCE_COMPUTE[k], error, sizeof error);
      registered = failure == NULL;
      if (!registered) {
        snprintf(detail, sizeof detail, "%s", failure);
        sequence = 0;
      } else if (sequence) {
        snprintf(detail, sizeof detail, "LSTM and GRU step kernels registered (BpttLstmCell, BpttLstmGates, BpttGruGates and their gradients), BpttAdamUpdate, and sequence kernels (BpttLstmSequence, BpttGruSequence and their gradients) on %d thread%s", sequence_threads(), sequence_threads() == 1 ? "" : "s");
      } else {
        snprintf(detail, sizeof detail, "LSTM and GRU step kernels registered (BpttLstmCell, BpttLstmGates, BpttGruGates and their gradients) and BpttAdamUpdate; no sequence kernels (this CPU has no FMA)");
      }
    }
  }
  return result_object(env, registered, sequence, detail);
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "register", NAPI_AUTO_LENGTH, Register, NULL, &fn);
  napi_set_named_property(env, exports, "register", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
