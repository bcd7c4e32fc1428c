/**
 * Every stage, by the name used in `bptt stage <name>` and in the Nx targets. Loaded on demand, so that a data
 * stage does not pay for loading TensorFlow.js.
 */
import type { StageName } from '../declarations/layout.ts';
import type { AnyStage } from '../framework/stage.ts';

export const STAGES: Record<StageName, () => Promise<AnyStage>> = {
  synthesize: async () => (await import('./synthesize.ts')).synthesizeStage,
  tokenize: async () => (await import('./tokenize.ts')).tokenizeStage,
  train: async () => (await import('./train.ts')).trainStage,
  evaluate: async () => (await import('./evaluate.ts')).evaluateStage,
  report: async () => (await import('./report/index.ts')).reportStage,
};
