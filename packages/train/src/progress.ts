/** Progress reporting: what a progress bar needs after every optimizer step. */
import type { EvaluationRecord, TrainExecution } from './history.ts';

export interface ProgressEvent {
  /** Optimizer steps completed. */
  readonly step: number;
  readonly totalSteps: number;
  readonly epoch: number;
  /** This step's training loss. */
  readonly loss: number;
  readonly learningRate: number;
  /** Training target tokens per second in this process so far. */
  readonly tokensPerSecond: number;
  /** Estimated seconds to the last step, from the mean wall time per step so far (evaluations included). */
  readonly etaSeconds: number;
  /** Present when this step ended with an evaluation. */
  readonly evaluation?: EvaluationRecord;
  /** How the steps so far ran, when not all as eager tfjs ops (see TrainResult.execution). */
  readonly execution?: TrainExecution;
}

export type OnProgress = (event: ProgressEvent) => void;

/** Milliseconds from an arbitrary origin; injected so tests can drive time. */
export type Clock = () => number;

/** Wall-clock throughput of the steps run in this process (resumed steps are not counted). */
export class Throughput {
  private trainMs = 0;
  private tokens = 0;
  private steps = 0;
  private readonly startedAt: number;

  constructor(private readonly clock: Clock) {
    this.startedAt = clock();
  }

  /** Times one training step (forward, backward, update) that trained `tokens` target tokens. */
  recordStep(startedAt: number, tokens: number): void {
    this.trainMs += this.clock() - startedAt;
    this.tokens += tokens;
    this.steps += 1;
  }

  tokensPerSecond(): number {
    return this.trainMs > 0 ? (this.tokens * 1000) / this.trainMs : 0;
  }

  etaSeconds(stepsLeft: number): number {
    if (this.steps === 0) return 0;
    return (((this.clock() - this.startedAt) / this.steps) * stepsLeft) / 1000;
  }
}
