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
  /** BPTT_FUSED_RECURRENCE policy the run trained under (see @bptt/models' fusion-policy.ts). */
  readonly fusedRecurrence?: string;
  /** Native TensorFlow only: threads per kernel (TF_NUM_INTRAOP_THREADS), which can change the last bits. */
  readonly intraOpThreads?: number;
  /**
   * Native TensorFlow seq2seq runs only: how many of the steps this process trained ran as compiled TensorFlow
   * graphs (BPTT_NATIVE_GRAPH; @bptt/models' GraphFunctionCache) and why tracing stopped, if it did; and whether
   * recurrent time steps ran on the step-kernels addon's kernels (BPTT_NATIVE_STEP_KERNELS), or why not.
   */
  readonly nativeGraph?: {
    readonly policy: string;
    readonly graphSteps: number;
    readonly eagerSteps: number;
    readonly stoppedBecause?: string;
    readonly stepKernels?: string;
  };
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

/** One way of decoding the evaluation split, scored against the gold targets. */
export interface DecodingMetrics {
  /** Sequences equal to gold (fraction in [0, 1]). */
  readonly exactMatch: number;
  /** Correct gold positions / gold positions. */
  readonly tokenAccuracy: number;
  /** sacreBLEU corpus BLEU over detokenised strings (score 0-100), with its signature and formatted line. */
  readonly bleu: { readonly score: number; readonly signature: string; readonly formatted: string };
  /** Corpus character error rate over detokenised strings (total edits / total reference characters). */
  readonly cer: number | null;
  /** Corpus word error rate (whitespace words). */
  readonly wer: number | null;
  /** Corpus token error rate over target tokens (for phones: PER). */
  readonly tokenErrorRate: number | null;
  /** Mean Levenshtein distance per sequence, in target tokens. */
  readonly meanEditDistance: number;
}

export interface Seq2SeqEvaluation {
  readonly kind: 'seq2seq';
  readonly run: string;
  readonly backend: string;
  readonly split: 'valid' | 'test';
  readonly examples: number;
  /** Mean NLL per target token under teacher forcing (p=1), EOS included, padding excluded. */
  readonly loss: number;
  readonly perplexity: number;
  readonly decodings: {
    /** p=1: argmax at each step given the gold prefix. */
    readonly teacherForced: DecodingMetrics;
    /** p=0: greedy free-running decoding. */
    readonly greedy: DecodingMetrics;
    /** p=0: beam search. */
    readonly beam: DecodingMetrics;
  };
  readonly beam: { readonly width: number; readonly lengthPenalty: number };
  /** From @bptt/metrics analyzeExposureBias (teacher-forced vs greedy). */
  readonly exposureBias: {
    readonly perPosition: readonly {
      readonly position: number;
      readonly count: number;
      readonly teacherForcedErrorRate: number;
      readonly freeRunningErrorRate: number;
    }[];
    readonly firstError: {
      readonly teacherForced: { readonly histogram: readonly number[]; readonly noError: number; readonly sequences: number };
      readonly freeRunning: { readonly histogram: readonly number[]; readonly noError: number; readonly sequences: number };
    };
    readonly errorAccumulation: {
      readonly perPosition: readonly {
        readonly position: number;
        readonly cleanPrefix: { readonly count: number; readonly errors: number; readonly errorRate: number | null };
        readonly afterError: { readonly count: number; readonly errors: number; readonly errorRate: number | null };
      }[];
      readonly overall: {
        readonly cleanPrefix: { readonly count: number; readonly errors: number; readonly errorRate: number | null };
        readonly afterError: { readonly count: number; readonly errors: number; readonly errorRate: number | null };
      };
    };
  };
}

export interface StreamEvaluation {
  readonly kind: 'stream';
  readonly run: string;
  readonly backend: string;
  readonly split: 'valid' | 'test';
  /** Target tokens scored. */
  readonly tokens: number;
  readonly loss: number;
  readonly perplexity: number;
  /** Next-token (or tagged-token) accuracy. */
  readonly accuracy: number;
}

export interface DivergedEvaluation {
  readonly kind: 'diverged';
  readonly run: string;
  readonly diverged: { readonly step: number; readonly value: string };
}

export type EvaluationResult = Seq2SeqEvaluation | StreamEvaluation | DivergedEvaluation;

/** attention.json: a few examples' attention weights ([output step][source position]). */
export interface AttentionSample {
  readonly source: readonly string[];
  readonly output: readonly string[];
  readonly weights: readonly (readonly number[])[];
}

/** samples.json: a few decoded examples. */
export interface DecodedSample {
  readonly source: string;
  readonly gold: string;
  readonly greedy: string;
  readonly beam: string;
}
