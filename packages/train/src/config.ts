/**
 * Training configuration, read like an argument parser: every hyperparameter has its default in plain sight.
 * Unknown keys are errors (a misspelt field must not silently fall back to its default).
 * Nested objects use `prefault`, so an omitted section is parsed from `{}` and still gets its inner defaults.
 */
import { z } from 'zod';
import { TrainConfigError } from './errors.ts';

const positiveInt = z.number().int().positive();
const unitInterval = z.number().min(0).max(1);

// ---------------------------------------------------------------------------------------------------------------
// Optimizer (PyTorch semantics, so numbers compare with torch.optim runs)
// ---------------------------------------------------------------------------------------------------------------

export const adamConfigSchema = z.strictObject({
  type: z.literal('adam'),
  /** Base learning rate; the schedule scales it. */
  lr: z.number().positive().default(1e-3),
  /** Decay rates of the first and second moment estimates (beta1, beta2). */
  betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.999]),
  /** Added to sqrt(v_hat) in the denominator. */
  eps: z.number().positive().default(1e-8),
});

export const sgdConfigSchema = z.strictObject({
  type: z.literal('sgd'),
  lr: z.number().positive().default(0.1),
  /** Heavy-ball momentum as torch.optim.SGD: buf = momentum * buf + g; 0 = plain SGD. */
  momentum: z.number().min(0).lt(1).default(0),
  nesterov: z.boolean().default(false),
});

export const optimizerConfigSchema = z.discriminatedUnion('type', [adamConfigSchema, sgdConfigSchema]);

// ---------------------------------------------------------------------------------------------------------------
// Learning-rate schedule (a factor on optimizer.lr, evaluated at the 0-based optimizer step)
// ---------------------------------------------------------------------------------------------------------------

export const lrScheduleConfigSchema = z.discriminatedUnion('type', [
  /** lr. */
  z.strictObject({ type: z.literal('constant') }),
  /** StepLR: lr * gamma^floor(step / stepSize). */
  z.strictObject({
    type: z.literal('step'),
    stepSize: positiveInt.default(1000),
    gamma: z.number().positive().default(0.1),
  }),
  /** ExponentialLR per optimizer step: lr * gamma^step. */
  z.strictObject({ type: z.literal('exponential'), gamma: z.number().positive().max(1).default(0.9999) }),
  /**
   * Linear warmup then linear decay (nanoGPT's warmup): lr * (step + 1) / (warmupSteps + 1) while step < warmupSteps,
   * then a straight line from lr down to minLr over decaySteps (default: the rest of the run), minLr afterwards.
   */
  z.strictObject({
    type: z.literal('linear'),
    warmupSteps: z.number().int().min(0).default(0),
    decaySteps: positiveInt.optional(),
    minLr: z.number().min(0).default(0),
  }),
  /** ReduceLROnPlateau on the validation loss (mode 'min'), checked at each evaluation. */
  z.strictObject({
    type: z.literal('plateau'),
    factor: z.number().gt(0).lt(1).default(0.1),
    /** Evaluations without improvement before the rate is cut. */
    patience: z.number().int().min(0).default(10),
    threshold: z.number().min(0).default(1e-4),
    thresholdMode: z.enum(['rel', 'abs']).default('rel'),
    cooldown: z.number().int().min(0).default(0),
    minLr: z.number().min(0).default(0),
  }),
]);

// ---------------------------------------------------------------------------------------------------------------
// Backpropagation through time
// ---------------------------------------------------------------------------------------------------------------

export const bpttConfigSchema = z
  .discriminatedUnion('mode', [
    /** Gradients flow through every step (seq2seq: the whole encoder; stream: one window per epoch). */
    z.strictObject({ mode: z.literal('full') }),
    /**
     * TBPTT(k1, k2), Williams & Peng 1990 / Sutskever 2013: every k1 steps, the loss of the last k1 steps is
     * backpropagated through the last k2 steps. k1 defaults to k2 (word_language_model's single `bptt 35`).
     * Seq2seq uses k2 only (gradient window over the encoder's end).
     */
    z.strictObject({ mode: z.literal('truncated'), k1: positiveInt.optional(), k2: positiveInt.default(35) }),
  ])
  .transform((bptt) => (bptt.mode === 'full' ? bptt : { mode: bptt.mode, k1: bptt.k1 ?? bptt.k2, k2: bptt.k2 }))
  .refine((bptt) => bptt.mode === 'full' || bptt.k2 >= bptt.k1, {
    message: 'bptt.k2 must be >= bptt.k1 (the loss of the last k1 steps needs at least k1 steps of gradient)',
    path: ['k2'],
  });

export const clipConfigSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('none') }),
  /** torch.nn.utils.clip_grad_norm_: scale every gradient by max / (norm + 1e-6) when that is below 1. */
  z.strictObject({ mode: z.literal('norm'), max: z.number().positive().default(1) }),
  /** torch.nn.utils.clip_grad_value_: clamp every gradient element to [-max, max]. */
  z.strictObject({ mode: z.literal('value'), max: z.number().positive().default(1) }),
]);

// ---------------------------------------------------------------------------------------------------------------
// Teacher forcing: probability of feeding the gold token (Bengio et al. 2015, "Scheduled Sampling"), where i is
// the 0-based optimizer step.
// ---------------------------------------------------------------------------------------------------------------

export const teacherForcingConfigSchema = z.discriminatedUnion('type', [
  /** eps_i = ratio. */
  z.strictObject({ type: z.literal('constant'), ratio: unitInterval.default(1) }),
  /** eps_i = max(min, k - c * i). */
  z.strictObject({
    type: z.literal('linear'),
    k: unitInterval.default(1),
    c: z.number().min(0).default(1e-4),
    min: unitInterval.default(0),
  }),
  /** eps_i = k^i, k < 1. */
  z.strictObject({ type: z.literal('exponential'), k: z.number().gt(0).lt(1).default(0.9999) }),
  /** eps_i = k / (k + exp(i / k)), k >= 1. */
  z.strictObject({ type: z.literal('inverseSigmoid'), k: z.number().min(1).default(1000) }),
]);

// ---------------------------------------------------------------------------------------------------------------
// Evaluation, early stopping, checkpoints, diagnostics
// ---------------------------------------------------------------------------------------------------------------

export const earlyStoppingConfigSchema = z.strictObject({
  /** Stop when the validation loss has not improved by more than minDelta for `patience` evaluations. */
  enabled: z.boolean().default(false),
  patience: z.number().int().min(0).default(5),
  minDelta: z.number().min(0).default(0),
  /**
   * At the end of the run (stopped early or not), load the weights of the evaluation with the lowest validation
   * loss back into the model (Keras' restore_best_weights). Needs a validation split.
   */
  restoreBestWeights: z.boolean().default(true),
});

export const diagnosticsConfigSchema = z.strictObject({
  /**
   * Measure ||dL/dh_t|| for every time step every this many optimizer steps (and before the first step and after
   * the last); 0 = never.
   */
  every: z.number().int().min(0).default(100),
  /** Examples (seq2seq) or stream rows (stream) in the fixed diagnostic batch, taken from the start of valid. */
  batchSize: positiveInt.default(8),
  /** Stream only: time steps in the diagnostic window; the loss is that of its last step. */
  streamSteps: positiveInt.default(50),
});

export const trainConfigSchema = z.strictObject({
  seed: z.number().int().default(0),
  batchSize: positiveInt.default(32),
  /** Batch size for validation passes; default: batchSize. */
  evalBatchSize: positiveInt.optional(),
  /** Passes over the training split. */
  epochs: positiveInt.default(10),
  /** Hard cap on optimizer steps (the run ends at min(epochs * stepsPerEpoch, maxSteps)). */
  maxSteps: positiveInt.optional(),
  optimizer: optimizerConfigSchema.prefault({ type: 'adam' }),
  lrSchedule: lrScheduleConfigSchema.prefault({ type: 'constant' }),
  bptt: bpttConfigSchema.prefault({ mode: 'full' }),
  clip: clipConfigSchema.prefault({ mode: 'norm' }),
  teacherForcing: teacherForcingConfigSchema.prefault({ type: 'constant' }),
  /** Validation loss every this many optimizer steps (and always after the last step). */
  evalEvery: positiveInt.default(100),
  earlyStopping: earlyStoppingConfigSchema.prefault({}),
  /** Save a checkpoint to the store every this many optimizer steps (and when the run ends). */
  checkpointEvery: positiveInt.default(500),
  diagnostics: diagnosticsConfigSchema.prefault({}),
});

export type AdamConfig = z.infer<typeof adamConfigSchema>;
export type SgdConfig = z.infer<typeof sgdConfigSchema>;
export type OptimizerConfig = z.infer<typeof optimizerConfigSchema>;
export type LrScheduleConfig = z.infer<typeof lrScheduleConfigSchema>;
export type BpttConfig = z.infer<typeof bpttConfigSchema>;
export type ClipConfig = z.infer<typeof clipConfigSchema>;
export type TeacherForcingConfig = z.infer<typeof teacherForcingConfigSchema>;
export type EarlyStoppingConfig = z.infer<typeof earlyStoppingConfigSchema>;
export type DiagnosticsConfig = z.infer<typeof diagnosticsConfigSchema>;
/** A parsed configuration: every default filled in. */
export type TrainConfig = z.infer<typeof trainConfigSchema>;
/** What a user writes: every field optional where it has a default. */
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

/**
 * Parses a training configuration, filling in defaults. A TrainConfigError names the source in its message and
 * lists one issue per line with the field path and the offending value, e.g.
 * `optimizer.lr: Too small: expected number to be >0 (got -1)`.
 */
export function parseTrainConfig(input: unknown, source = '<inline>'): TrainConfig {
  const result = trainConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new TrainConfigError(
    source,
    result.error.issues.map((issue) => {
      const field = issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.');
      // An unrecognized key's message already names the key; everything else shows the value found at the path.
      const value = valueAtPath(input, issue.path);
      const got =
        issue.code === 'unrecognized_keys' ? '' : value === undefined ? ' (missing)' : ` (got ${JSON.stringify(value)})`;
      return `${field}: ${issue.message}${got}`;
    }),
  );
}

function valueAtPath(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
