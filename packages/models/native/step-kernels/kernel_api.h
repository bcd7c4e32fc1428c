/*
 * What the step-kernels addon's two translation units share: the TensorFlow C API subset they call (looked up at
 * run time, no TensorFlow header), op registration, the row kernels of one LSTM time step, and the sequence ops of
 * lstm_sequence.c.
 */
#ifndef BPTT_KERNEL_API_H
#define BPTT_KERNEL_API_H

#include <stddef.h>
#include <stdint.h>

/* ---- The TensorFlow C API subset used (tensorflow/c/{c_api,kernels,ops,tf_status,tf_tensor}.h, stable C ABI). */
typedef struct TF_Status TF_Status;
typedef struct TF_Tensor TF_Tensor;
typedef struct TF_OpDefinitionBuilder TF_OpDefinitionBuilder;
typedef struct TF_ShapeInferenceContext TF_ShapeInferenceContext;
typedef struct TF_KernelBuilder TF_KernelBuilder;
typedef struct TF_OpKernelConstruction TF_OpKernelConstruction;
typedef struct TF_OpKernelContext TF_OpKernelContext;
enum { TF_OK = 0, TF_INVALID_ARGUMENT = 3 };
enum { TF_FLOAT = 1 };

typedef struct {
  TF_Status *(*NewStatus)(void);
  void (*DeleteStatus)(TF_Status *);
  int (*GetCode)(const TF_Status *);
  const char *(*Message)(const TF_Status *);
  void (*SetStatus)(TF_Status *, int, const char *);
  TF_OpDefinitionBuilder *(*NewOpDefinitionBuilder)(const char *);
  void (*OpDefinitionBuilderAddInput)(TF_OpDefinitionBuilder *, const char *);
  void (*OpDefinitionBuilderAddOutput)(TF_OpDefinitionBuilder *, const char *);
  void (*OpDefinitionBuilderSetShapeInferenceFunction)(TF_OpDefinitionBuilder *, void (*)(TF_ShapeInferenceContext *, TF_Status *));
  void (*RegisterOpDefinition)(TF_OpDefinitionBuilder *, TF_Status *);
  void (*ShapeInferenceContextSetUnknownShape)(TF_ShapeInferenceContext *, TF_Status *);
  TF_KernelBuilder *(*NewKernelBuilder)(const char *, const char *, void *(*)(TF_OpKernelConstruction *), void (*)(void *, TF_OpKernelContext *),
                                        void (*)(void *));
  void (*RegisterKernelBuilder)(const char *, TF_KernelBuilder *, TF_Status *);
  void (*GetInput)(TF_OpKernelContext *, int, TF_Tensor **, TF_Status *);
  TF_Tensor *(*AllocateOutput)(TF_OpKernelContext *, int, int, const int64_t *, int, size_t, TF_Status *);
  void (*OpKernelContext_Failure)(TF_OpKernelContext *, TF_Status *);
  int (*NumDims)(const TF_Tensor *);
  int64_t (*Dim)(const TF_Tensor *, int);
  int (*TensorType)(const TF_Tensor *);
  void *(*TensorData)(const TF_Tensor *);
  void (*DeleteTensor)(TF_Tensor *);
} TfApi;

extern TfApi tf;

/* An op as TensorFlow declares it: name, then "name: type" per input and output. */
#define MAX_IO 10
typedef struct {
  const char *name;
  int inputs, outputs;
  const char *input_specs[MAX_IO], *output_specs[MAX_IO];
} OpSignature;

typedef void (*ComputeFunction)(void *kernel, TF_OpKernelContext *context);

/* TensorFlow's kernel builder passes no data to a compute function, so each op gets one that names its spec. */
#define COMPUTE_FUNCTION(name, run, spec)                                  \
  static void name(void *kernel, TF_OpKernelContext *context) { \
    (void)kernel;                                                          \
    run(spec, context);                                                    \
  }

/* Registers the op and its CPU kernel; NULL when done, else `error` filled with why not. */
const char *register_op(const OpSignature *op, ComputeFunction compute, char *error, size_t error_size);

/* Fails the kernel call with TF_INVALID_ARGUMENT and `message`. */
void fail_kernel(TF_OpKernelContext *context, TF_Status *status, const char *message);

/* Loops that must round alike on every machine: one clone per instruction set, all built with -ffp-contract=off. */
#ifndef VECTOR_CLONES /* defined empty by a build that pins one instruction set, to compare them */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VECTOR_CLONES
#endif
#endif

/*
 * One batch row of an LSTM step in TensorFlow's gate order (i, ci, f, o), for units 0..n-1 of gate blocks H apart
 * (n < H: a slice of the units, the pointers offset to its first), and its gradient; `m` is the row's padding mask.
 */
void cell_row(int n, int H, float m, const float *restrict xw, const float *restrict hu, const float *restrict cp, const float *restrict hp,
              float *restrict i_out, float *restrict ci_out, float *restrict f_out, float *restrict o_out, float *restrict co_out,
              float *restrict c_out, float *restrict h_out);
void cell_grad_row(int n, int H, float m, const float *restrict i_in, const float *restrict ci_in, const float *restrict f_in,
                   const float *restrict o_in, const float *restrict co_in, const float *restrict cp, const float *restrict dh_in,
                   const float *restrict dy, const float *restrict dc_in, float *restrict dicfo, float *restrict dc_prev,
                   float *restrict dh_rest);

/*
 * One batch row of a GRU step in PyTorch's convention (gate blocks r, z, n, H apart; the reset gate applied after
 * h W_hh), for units 0..n-1 (n < H: a slice, the pointers offset to its first), and its gradient; `hn` is the n block
 * of h W_hh + b_hh.
 */
void gru_row(int n, int H, const float *restrict xp, const float *restrict hp, const float *restrict h, float *restrict h_out, float *restrict gates);
void gru_grad_row(int n, int H, const float *restrict gates, const float *restrict hn, const float *restrict h, const float *restrict dh_new,
                  float *restrict dxp, float *restrict dhp, float *restrict dh);

/* adam_update.c: BpttAdamUpdate. */
extern const OpSignature ADAM_OP;
extern const ComputeFunction ADAM_COMPUTE;

/* lstm_sequence.c: BpttLstmSequence and BpttLstmSequenceGrad; gru_sequence.c: BpttGruSequence and its gradient. */
enum { SEQUENCE_OP_COUNT = 2 };
extern const OpSignature LSTM_SEQUENCE_OPS[SEQUENCE_OP_COUNT], GRU_SEQUENCE_OPS[SEQUENCE_OP_COUNT];
extern const ComputeFunction LSTM_SEQUENCE_COMPUTE[SEQUENCE_OP_COUNT], GRU_SEQUENCE_COMPUTE[SEQUENCE_OP_COUNT];
/* Threads a sequence op splits its units over (BPTT_NATIVE_SEQUENCE_THREADS, else the CPUs this process may use). */
int sequence_threads(void);
/* Whether this CPU multiplies-adds in one instruction (AVX-512, or AVX2 with FMA); without, the sequence ops' fmaf
 * would be glibc's function per element, and they are not registered. */
int sequence_ops_supported(void);

#endif
