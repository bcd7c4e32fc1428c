/*
 * BpttAdamUpdate(w, g, m, v, step_size, sqrt_bias_correction2, hyper) -> (w_new, m_new, v_new): one Adam update of
 * one parameter in one pass, torch.optim.Adam's rule in the order of @bptt/models' composite (fused/adam-update.ts):
 *
 *   m' = m β1 + g (1 - β1)      v' = v β2 + g² (1 - β2)      w' = w - (m' / (sqrt(v') / sqrt_bias_correction2 + eps)) step_size
 *
 * hyper = [β1, 1 - β1, β2, 1 - β2, eps] as float32, the constants the composite multiplies by. Written out, the
 * update is 13 kernels per parameter, each a pass over memory and the executor's fixed cost; a training step has a
 * dozen parameters. Built with -ffp-contract=off and IEEE sqrt and division (correctly rounded, as Eigen's), every
 * value equals the composite's bit for bit, on every instruction set.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kernel_api.h"

enum { HYPER_BETA1, HYPER_ONE_MINUS_BETA1, HYPER_BETA2, HYPER_ONE_MINUS_BETA2, HYPER_EPS, HYPER_COUNT };
enum { IN_W, IN_G, IN_M, IN_V, IN_STEP_SIZE, IN_SQRT_BC2, IN_HYPER, IN_COUNT };
enum { OUT_COUNT = 3, MAX_RANK = 8 };

const OpSignature ADAM_OP = {"BpttAdamUpdate", IN_COUNT, OUT_COUNT,
                             {"w: float", "g: float", "m: float", "v: float", "step_size: float", "sqrt_bias_correction2: float", "hyper: float"},
                             {"w_new: float", "m_new: float", "v_new: float"}};

static const char *const INPUT_NAMES[IN_COUNT] = {"w", "g", "m", "v", "step_size", "sqrt_bias_correction2", "hyper"};

VECTOR_CLONES static void adam_pass(int64_t n, const float *restrict w, const float *restrict g, const float *restrict m, const float *restrict v,
                                    const float *restrict hyper, float step_size, float sqrt_bc2, float *restrict w_out, float *restrict m_out,
                                    float *restrict v_out) {
  const float beta1 = hyper[HYPER_BETA1], one_minus_beta1 = hyper[HYPER_ONE_MINUS_BETA1];
  const float beta2 = hyper[HYPER_BETA2], one_minus_beta2 = hyper[HYPER_ONE_MINUS_BETA2], eps = hyper[HYPER_EPS];
  for (int64_t k = 0; k < n; k++) {
    const float m_next = m[k] * beta1 + g[k] * one_minus_beta1;
    const float v_next = v[k] * beta2 + (g[k] * g[k]) * one_minus_beta2;
    const float denom = __builtin_sqrtf(v_next) / sqrt_bc2 + eps;
    w_out[k] = w[k] - (m_next / denom) * step_size;
    m_out[k] = m_next;
    v_out[k] = v_next;
  }
}

static int same_shape(const TF_Tensor *a, const TF_Tensor *b) {
  if (tf.NumDims(a) != tf.NumDims(b)) return 0;
  for (int d = 0; d < tf.NumDims(a); d++)
    if (tf.Dim(a, d) != tf.Dim(b, d)) return 0;
  return 1;
}

static int64_t element_count(const TF_Tensor *t) {
  int64_t n = 1;
  for (int d = 0; d < tf.NumDims(t); d++) n *= tf.Dim(t, d);
  return n;
}

/* "" when input k has the shape it must, else why not. */
static void check_input(const TF_Tensor *const *in, int k, char *message, size_t size) {
  message[0] = '\0';
  const TF_Tensor *t = in[k];
  if (tf.TensorType(t) != TF_FLOAT) {
    snprintf(message, size, "%s: input %s must be float32", ADAM_OP.name, INPUT_NAMES[k]);
  } else if (k == IN_W) {
    if (tf.NumDims(t) > MAX_RANK) snprintf(message, size, "%s: input w has rank %d, more than %d", ADAM_OP.name, tf.NumDims(t), MAX_RANK);
  } else if (k <= IN_V) {
    if (!same_shape(t, in[IN_W])) snprintf(message, size, "%s: input %s must have the shape of w (%d dimensions, %lld values)", ADAM_OP.name, INPUT_NAMES[k], tf.NumDims(in[IN_W]), (long long)element_count(in[IN_W]));
  } else if (k == IN_HYPER) {
    if (tf.NumDims(t) != 1 || tf.Dim(t, 0) != HYPER_COUNT) snprintf(message, size, "%s: input hyper must be float32 [%d] (beta1, 1 - beta1, beta2, 1 - beta2, eps)", ADAM_OP.name, HYPER_COUNT);
  } else if (tf.NumDims(t) != 0) {
    snprintf(message, size, "%s: input %s must be a scalar, got rank %d", ADAM_OP.name, INPUT_NAMES[k], tf.NumDims(t));
  }
}

static void run_adam(const OpSignature *op, TF_OpKernelContext *context) {
  (void)op;
  TF_Status *status = tf.NewStatus();
  TF_Tensor *in[IN_COUNT] = {NULL}, *out[OUT_COUNT] = {NULL};
  char message[256] = "";
  int ok = 1;
  for (int k = 0; k < IN_COUNT && ok; k++) {
    tf.GetInput(context, k, &in[k], status);
    ok = tf.GetCode(status) == TF_OK;
  }
  for (int k = 0; k < IN_COUNT && ok; k++) {
    check_input((const TF_Tensor *const *)in, k, message, sizeof message);
    ok = message[0] == '\0';
  }
  if (ok) {
    int64_t dims[MAX_RANK];
    const int rank = tf.NumDims(in[IN_W]);
    for (int d = 0; d < rank; d++) dims[d] = tf.Dim(in[IN_W], d);
    const int64_t n = element_count(in[IN_W]);
    for (int k = 0; k < OUT_COUNT && ok; k++) {
      out[k] = tf.AllocateOutput(context, k, TF_FLOAT, dims, rank, (size_t)n * sizeof(float), status);
      ok = tf.GetCode(status) == TF_OK;
    }
    if (ok) {
      const float *data[IN_COUNT];
      for (int k = 0; k < IN_COUNT; k++) data[k] = (const float *)tf.TensorData(in[k]);
      adam_pass(n, data[IN_W], data[IN_G], data[IN_M], data[IN_V], data[IN_HYPER], *data[IN_STEP_SIZE], *data[IN_SQRT_BC2],
                (float *)tf.TensorData(out[0]), (float *)tf.TensorData(out[1]), (float *)tf.TensorData(out[2]));
    }
  }
  if (message[0] != '\0') fail_kernel(context, status, message);
  else if (!ok) tf.OpKernelContext_Failure(context, status);
  for (int k = 0; k < IN_COUNT; k++)
    if (in[k] != NULL) tf.DeleteTensor(in[k]);
  for (int k = 0; k < OUT_COUNT; k++)
    if (out[k] != NULL) tf.DeleteTensor(out[k]);
  tf.DeleteStatus(status);
}

COMPUTE_FUNCTION(compute_adam, run_adam, &ADAM_OP)
const ComputeFunction ADAM_COMPUTE = compute_adam;
