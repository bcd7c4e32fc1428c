/** Stage 2: build vocabularies on the training split and encode every split. */
import { Effect } from 'effect';
import { datasetFromFiles, tokenizeDataset, tokenizedToFiles } from '@bptt/data';
import { DatasetDeclarationSchema, type DatasetDeclaration } from '../config/index.ts';
import { InputError, StageFailure } from '../framework/errors.ts';
import { outputDirOf, StageContext } from '../framework/services.ts';
import type { StageDefinition } from '../framework/stage.ts';

export const tokenizeStage: StageDefinition<DatasetDeclaration> = {
  name: 'tokenize',
  kind: 'dataset',
  configSchema: DatasetDeclarationSchema,
  seedOf: (config) => config.synthesize.seed,
  run: (config) =>
    Effect.gen(function* () {
      const context = yield* StageContext;
      const inputDir = outputDirOf(context, context.location, 'synthesize');
      const dataset = yield* Effect.try({
        try: () => datasetFromFiles(inputDir),
        catch: (cause) => new InputError({ path: inputDir, reason: cause instanceof Error ? cause.message : String(cause) }),
      });
      return yield* Effect.try({
        try: () => tokenizedToFiles(tokenizeDataset(dataset, config.tokenize)),
        catch: (cause) => new StageFailure({ stage: 'tokenize', reason: cause instanceof Error ? cause.message : String(cause), cause }),
      });
    }),
};
