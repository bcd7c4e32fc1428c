/** The files a run's stages write, and their shapes: the contract between train, evaluate and report. */
export const TRAIN_FILES = {
  /** TrainSummary. */
  summary: 'summary.json',
  /** @bptt/train History: per-step loss, gradient norm (pre-clip), learning rate, teacher-forcing ratio; evaluations. */
  history: 'history.json',
  /** Gradient flow through time (||dL/dh_t|| per step t) at the diagnostic steps. */
  diagnostics: 'diagnostics.json',
  /** Wall-clock time and throughput: the one non-deterministic file of a run. */
  timing: 'timing.json',
  /** The trained model in the TensorFlow.js format (model.json + weights), with its config and vocab sizes. */
  modelDir: 'model',
} as const;

export interface TrainSummary {
  readonly run: string;
  readonly kind: 'seq2seq' | 'stream';
  readonly backend: string;
  readonly seed: number;
  readonly parameters: number;
  readonly steps: number;
  readonly stoppedEarly?: boolean;
  readonly bestStep?: number | null;
  readonly bestValidLoss?: number | null;
  /** Present when the loss diverged and the run declared onDivergence: 'record'. */
  readonly diverged?: { readonly step: number; readonly value: string };
}

export interface TrainTiming {
  readonly backend: unknown;
  readonly wallSeconds: number;
  readonly tokensPerSecond: number | null;
}

export const EVALUATE_FILES = {
  /** EvaluationResult. */
  metrics: 'metrics.json',
  /** A few decoded examples (source, gold, greedy, beam) for the report. */
  samples: 'samples.json',
  /** Attention weights of a few examples, for heatmaps. */
  attention: 'attention.json',
} as const;
