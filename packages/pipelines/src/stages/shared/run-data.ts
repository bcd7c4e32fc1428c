/** Loading a run's inputs: the tokenized dataset, and building the model its config describes. */
import { Effect } from 'effect';
import { readTokenizedDir, type TokenizedDataset } from '@bptt/data';
import { RecurrentLanguageModel, Seq2SeqModel } from '@bptt/models';
import { InputError } from '../../framework/errors.ts';
import { outputDirOf, type StageContextShape } from '../../framework/services.ts';
import type { RunConfig } from './run-config.ts';

export const loadTokenized = (context: StageContextShape, config: RunConfig) =>
  Effect.try({
    try: (): TokenizedDataset => readTokenizedDir(outputDirOf(context, config.datasetLocation, 'tokenize')),
    catch: (cause) =>
      new InputError({ path: outputDirOf(context, config.datasetLocation, 'tokenize'), reason: cause instanceof Error ? cause.message : String(cause) }),
  });

export type RunModel = Seq2SeqModel | RecurrentLanguageModel;

/** A freshly initialised model for the run (weights seeded by the training seed). */
export function buildModel(config: RunConfig, data: TokenizedDataset): RunModel {
  if (config.kind === 'seq2seq') {
    if (data.kind !== 'seq2seq') throw new Error('a seq2seq run needs a seq2seq dataset');
    return new Seq2SeqModel({
      config: config.model,
      sourceVocabSize: data.sourceVocab.tokens.length,
      targetVocabSize: data.targetVocab.tokens.length,
      seed: config.train.seed,
    });
  }
  if (data.kind !== 'stream') throw new Error('a stream run needs a stream dataset');
  return new RecurrentLanguageModel({
    config: config.model,
    inputVocabSize: data.sourceVocab.tokens.length,
    outputVocabSize: data.targetVocab.tokens.length,
    seed: config.train.seed,
  });
}
