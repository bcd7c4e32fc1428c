import type { History } from './history.ts';

/**
 * Failures a caller can act on, as tagged classes (`_tag`), so an Effect pipeline can match them by tag and a plain
 * caller with `instanceof`.
 */

/** A loss or gradient norm that is NaN or infinite: the run stops before the broken update reaches the weights. */
export class DivergenceError extends Error {
  readonly _tag = 'DivergenceError' as const;
  constructor(
    /** 0-based optimizer step whose loss or gradient diverged (no update of this step was applied). */
    readonly step: number,
    readonly quantity: 'loss' | 'gradNorm' | 'validLoss',
    readonly value: number,
    /** What the run recorded before it diverged: the explosion is what a run without clipping exists to show. */
    readonly history?: History,
  ) {
    super(`training diverged at step ${step}: ${quantity} is ${value}`);
    this.name = 'DivergenceError';
  }
}

/** A configuration that does not parse, or that does not fit the data it is given. */
export class TrainConfigError extends Error {
  readonly _tag = 'TrainConfigError' as const;
  constructor(
    /** Where the configuration came from (a file path, or '<inline>'). */
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super(`invalid training config in ${source}:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'TrainConfigError';
  }
}

/** Training data that cannot be batched (ragged splits, empty sequences, non-integer ids...). */
export class TrainDataError extends Error {
  readonly _tag = 'TrainDataError' as const;
  constructor(message: string) {
    super(message);
    this.name = 'TrainDataError';
  }
}

/** A checkpoint that does not belong to this run (other config, other model shapes, other task). */
export class CheckpointMismatchError extends Error {
  readonly _tag = 'CheckpointMismatchError' as const;
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointMismatchError';
  }
}
