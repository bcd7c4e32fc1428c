/** What one benchmark case reports (run-case.ts writes it, main.ts and report.ts read it). */
import type { BackendName } from '@bptt/models';
import type { BenchConfig } from './configs.ts';
import type { StepProfile } from './measure.ts';

/** How the recurrence of bench-seq2seq.ts is computed (see there). */
export const RECURRENT_PATHS = ['unrolled', 'fused-cell', 'fused-sequence'] as const;
export type RecurrentPath = (typeof RECURRENT_PATHS)[number];

/**
 * `product` is @bptt/models' Seq2SeqModel as shipped (teacher-forced LSTM: fused sequence kernels on the native
 * backend); `product-stepwise` is the same model with BPTT_FUSED_RECURRENCE=off, the per-step path that sampling
 * decoders (p < 1) and additive attention run; the others are bench-seq2seq.ts.
 */
export const BENCH_PATHS = ['product', 'product-stepwise', ...RECURRENT_PATHS] as const;
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

