/**
 * The random streams of one optimizer step. They derive from (seed, step) alone, never from a stream that runs
 * through the whole training, so a run resumed at step s draws exactly what the uninterrupted run drew at step s.
 */
import { createRng, type Rng } from '@bptt/data';

export interface StepRngs {
  /** Coins for the per-token teacher-forcing flips. */
  readonly teacherForcing: Rng;
  /** Dropout masks. */
  readonly dropout: Rng;
}

export function stepRngs(seed: number, step: number): StepRngs {
  return {
    teacherForcing: createRng(`${seed}:step:${step}:teacher-forcing`),
    dropout: createRng(`${seed}:step:${step}:dropout`),
  };
}
