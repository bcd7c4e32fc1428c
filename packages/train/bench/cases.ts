/** What one benchmark case reports (run-case.ts writes it, main.ts and report.ts read it). */
import type { BackendName } from '@bptt/models';
import type { BenchConfig } from './configs.ts';
import type { StepProfile } from './measure.ts';

/** How the recurrence of bench-seq2seq.ts is computed (see there). */
export const RECURRENT_PATHS = ['unrolled', 'fused-cell', 'fused-sequence'] as const;
export type RecurrentPath = (typeof RECURRENT_PATHS)[number];

/**
 * `product` is @bptt/models' Seq2SeqModel trained as shipped: on the native backend each step is one compiled
 * TensorFlow graph (BPTT_NATIVE_GRAPH=auto) whose recurrence runs step by step; elsewhere fused sequence kernels.
 * `product-eager` is the same with BPTT_NATIVE_GRAPH=off (native only: op by op, TensorFlow's BlockLSTMV2 for the
 * recurrence). `product-steps` is the product with BPTT_NATIVE_STEP_KERNELS=steps (native only: graph steps whose
 * LSTM layers run step by step on the addon's step kernels instead of its whole-sequence kernels);
 * `product-composed` with BPTT_NATIVE_STEP_KERNELS=off (LSTM time steps composed from TensorFlow's own ops).
 * `product-stepwise` is the product with BPTT_FUSED_RECURRENCE=off, the per-step path that sampling
 * decoders (p < 1) and additive attention run (on native still a graph for p = 1). The others are bench-seq2seq.ts.
 */
export const BENCH_PATHS = ['product', 'product-eager', 'product-steps', 'product-composed', 'product-stepwise', ...RECURRENT_PATHS] as const;
/** Paths that differ from `product` on native TensorFlow only. */
export const NATIVE_ONLY_PATHS: readonly BenchPath[] = ['product-eager', 'product-steps', 'product-composed'];
export type BenchPath = (typeof BENCH_PATHS)[number];

export interface CaseResult {
  readonly backend: BackendName;
  readonly backendDetail: string;
  readonly config: BenchConfig;
  readonly path: BenchPath;
  /** `product`: @bptt/models' Seq2SeqModel as shipped; the others: bench-seq2seq.ts with that recurrent path. */
  readonly model: string;
  readonly warmup: number;
  readonly stepMs: readonly number[];
  readonly medianMs: number;
  /** Process CPU time per step (all threads): robust to other load for single-threaded backends (wasm, cpu). */
  readonly medianCpuMs: number;
  readonly tokensPerSecond: number;
  readonly firstLoss: number;
  readonly lastLoss: number;
  /** Peak resident set of the process after this path ran, in MiB. */
  readonly peakRssMiB: number;
  /** 'path' when the process ran only this path; otherwise the peak is shared with the paths before it. */
  readonly rssScope: 'path' | 'process';
  readonly levers: Levers;
  /** How trainSeq2Seq ran the steps when not all eagerly: compiled TensorFlow graphs (native, product paths). */
  readonly execution?: { readonly graphSteps: number; readonly eagerSteps: number; readonly disabledBecause?: string };
  /** Kernels of one step run eagerly (the graph steps' kernels are TensorFlow's, inside one session run). */
  readonly profile: StepProfile;
}

export interface Levers {
  readonly fusedGates: boolean;
  readonly inputProjection: string;
  readonly kernelsPerTimeStep: number;
  readonly matMulsPerStep: number;
  readonly transposedMatMulsPerStep: number;
  /** Matmuls over all B·T rows at once (input projections, output layer, and their gradients). */
  readonly matMulsOverAllTimeSteps: number;
  readonly syncsPerStep: number;
}

