/**
 * A checkpoint holds everything a run needs to continue as if it had never stopped: weights, optimizer moments,
 * schedule and early-stopping memory, history, and (streams) the recurrent state carried between windows.
 * Randomness is not stored: it is derived from (seed, step). Stores are injected; the trainer never touches files.
 */
import type { History } from './history.ts';
import type { OptimizerState } from './optimizers.ts';
import type { PlateauState } from './schedules.ts';
import type { SerializedTensor } from './tensors.ts';

export const CHECKPOINT_FORMAT = 'bptt-train-checkpoint/1';

export interface BestSoFar {
  /** Steps completed at the evaluation with the lowest validation loss. */
  readonly step: number;
  readonly validLoss: number;
  /** The weights at that evaluation (kept only when earlyStopping.restoreBestWeights is on). */
  readonly weights?: readonly SerializedTensor[];
}

/** What makes two runs the same run. */
export interface RunFingerprint {
  /** The parsed training config, less the fields that do not change the numbers (checkpointEvery). */
  readonly config: Readonly<Record<string, unknown>>;
  /** A hash of the training and validation token ids. */
  readonly data: string;
  /** Shapes of the trainable variables, in order. */
  readonly shapes: readonly (readonly number[])[];
}

export interface Checkpoint<Flow = unknown> {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly task: 'seq2seq' | 'stream';
  /** Identifies the run; a checkpoint from another run is refused, not half-loaded. */
  readonly fingerprint: RunFingerprint;
  /** Optimizer steps completed. */
  readonly step: number;
  /** The run has ended (all steps, or stopped early); `weights` are then the weights it returned. */
  readonly done: boolean;
  readonly stoppedEarly: boolean;
  /** In trainableVariables order. */
  readonly weights: readonly SerializedTensor[];
  readonly optimizer: OptimizerState;
  readonly plateau?: PlateauState;
  readonly best: BestSoFar | null;
  /** Evaluations since the best one (early-stopping patience counter). */
  readonly evaluationsWithoutImprovement: number;
  /** Training NLL and tokens since the last evaluation, so the next evaluation's trainLoss is the same. */
  readonly pendingTrainLoss: { readonly nllSum: number; readonly tokens: number };
  readonly history: History;
  readonly diagnostics: readonly Flow[];
  /** Streams: the recurrent state at the start of the next TBPTT window (one tensor per state entry). */
  readonly carriedState?: readonly SerializedTensor[];
}

/** Where checkpoints live; the lead's pipelines provide a file-backed one. */
export interface CheckpointStore {
  /** The latest checkpoint, or undefined for a fresh run. */
  load(): Promise<Checkpoint | undefined>;
  /** Replaces the latest checkpoint. */
  save(checkpoint: Checkpoint): Promise<void>;
}

/**
 * Keeps checkpoints in memory (tests, notebooks). Saved checkpoints are deep-copied through JSON, which is also
 * what a file-backed store does, so a test that resumes from it exercises the same round trip.
 */
export class InMemoryCheckpointStore implements CheckpointStore {
  private latest: string | undefined;
  /** Steps at which checkpoints were saved, in order. */
  readonly savedSteps: number[] = [];

  async load(): Promise<Checkpoint | undefined> {
    return this.latest === undefined ? undefined : (JSON.parse(this.latest) as Checkpoint);
  }

  async save(checkpoint: Checkpoint): Promise<void> {
    this.latest = JSON.stringify(checkpoint);
    this.savedSteps.push(checkpoint.step);
  }
}
