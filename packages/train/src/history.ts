/** What a run records over time: plain JSON-able numbers, never rounded. */
import type { GraphFunctionStatus } from '@bptt/models';

/** One optimizer step. */
export interface StepRecord {
  /** 0-based optimizer step. */
  readonly step: number;
  readonly epoch: number;
  /** Mean NLL per counted target token of this step's batch (or TBPTT window). */
  readonly loss: number;
  /** Target tokens that counted in the loss. */
  readonly tokens: number;
  readonly learningRate: number;
  /** Scheduled probability of feeding the gold token (seq2seq only). */
  readonly teacherForcingRatio?: number;
  /** Global 2-norm of the gradient BEFORE clipping. */
  readonly gradNorm: number;
  readonly clipped: boolean;
}

/** One evaluation, after `step` optimizer steps. */
export interface EvaluationRecord {
  /** Optimizer steps completed when it was taken. */
  readonly step: number;
  /** Token-weighted mean training loss over the steps since the previous evaluation. */
  readonly trainLoss: number;
  readonly trainPerplexity: number;
  /** Corpus mean NLL per target token on the validation split (teacher forcing p=1, no dropout); absent without one. */
  readonly validLoss?: number;
  readonly validPerplexity?: number;
  /** The rate the next step will use (after any plateau cut made by this evaluation). */
  readonly learningRate: number;
}

export interface History {
  readonly steps: readonly StepRecord[];
  readonly evaluations: readonly EvaluationRecord[];
}

/** ||dL/dh_t|| per time step on the fixed diagnostic batch of a seq2seq run (top layer, norm over [B, H]). */
export interface Seq2SeqGradientFlow {
  /** Optimizer steps completed when it was measured (0 = before training). */
  readonly step: number;
  /** The diagnostic batch's loss (mean NLL per target token). */
  readonly loss: number;
  /** One norm per encoder step; zero before the truncation window when bptt.mode is 'truncated'. */
  readonly encoder: readonly number[];
  readonly decoder: readonly number[];
}

/** ||dL/dh_t|| per time step of the diagnostic window of a stream run, L the loss of its last step. */
export interface StreamGradientFlow {
  readonly step: number;
  readonly loss: number;
  readonly hidden: readonly number[];
}

/** Where a run stands at a checkpoint and what it returns. */
export interface TrainResult<Flow> {
  readonly history: History;
  /** Gradient flow through time, measured at diagnostics.every steps, before the first step and after the last. */
  readonly diagnostics: readonly Flow[];
  /** Optimizer steps taken. */
  readonly steps: number;
  readonly stoppedEarly: boolean;
  /** Steps completed at the evaluation with the lowest validation loss (the weights the model holds when
   * earlyStopping.restoreBestWeights is on); null without a validation split. */
  readonly bestStep: number | null;
  readonly bestValidLoss: number | null;
  /** Training target tokens per wall-clock second in this process (the one non-deterministic number). */
  readonly tokensPerSecond: number;
  /** How the steps ran, when not all as eager tfjs ops (native TensorFlow graphs). */
  readonly execution?: TrainExecution;
}

export interface TrainExecution {
  /** Steps run as compiled TensorFlow graphs (@bptt/models' GraphFunctionCache), and why tracing stopped if it did. */
  readonly nativeGraph: GraphFunctionStatus;
}
