/**
 * Stage 4: evaluate a trained run on its held-out split. Seq2seq runs are decoded three ways — teacher-forced
 * (p=1), greedy free-running (p=0) and beam search — and scored on loss, perplexity, exact match, BLEU and edit
 * distance, with the exposure-bias analysis of p=1 against p=0. Stream runs get loss, perplexity and accuracy.
 */
import { Effect } from 'effect';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { decode, stableStringify, type TokenizedDataset } from '@bptt/data';
import { perplexity } from '@bptt/metrics';
import {
  batchifyAlignedStream,
  beamSearch,
  disposeBatch,
  EOS_ID,
  evaluateSeq2Seq as seq2seqNll,
  greedyDecode,
  loadModel,
  makeSeq2SeqBatch,
  makeSourceBatch,
  predictTeacherForced,
  RecurrentLanguageModel,
  Seq2SeqModel,
  streamChunk,
  type DecodedSequence,
} from '@bptt/models';
import { TensorBackend } from '../framework/backend.ts';
import { InputError, StageFailure } from '../framework/errors.ts';
import type { OutputFiles } from '../framework/output.ts';
import { outputDirOf, StageContext } from '../framework/services.ts';
import type { StageDefinition } from '../framework/stage.ts';
import type { EvaluateConfig } from '../config/index.ts';
import { runConfigSchema, type RunConfig } from './shared/run-config.ts';
import { loadTokenized } from './shared/run-data.ts';
import {
  EVALUATE_FILES,
  TRAIN_FILES,
  type AttentionSample,
  type DecodedSample,
  type EvaluationResult,
  type StreamEvaluation,
  type TrainSummary,
} from './shared/run-files.ts';
import { scoreDecodings } from './shared/score.ts';

const SAMPLES = 8;

export const evaluateStage: StageDefinition<RunConfig> = {
  name: 'evaluate',
  kind: 'run',
  configSchema: runConfigSchema,
  seedOf: (config) => config.train.seed,
  run: (config) =>
    Effect.gen(function* () {
      const context = yield* StageContext;
      const trainDir = outputDirOf(context, context.location, 'train');
      const summary = yield* readJson<TrainSummary>(join(trainDir, TRAIN_FILES.summary));
      if (summary.diverged) {
        const result: EvaluationResult = { kind: 'diverged', run: context.location.name, diverged: summary.diverged };
        return { [EVALUATE_FILES.metrics]: stableStringify(result) } as OutputFiles;
      }
      const backend = yield* (yield* TensorBackend).ensure;
      const data = yield* loadTokenized(context, config);
      const model = yield* Effect.tryPromise({
        try: () => loadModel(join(trainDir, TRAIN_FILES.modelDir)),
        catch: (cause) => new InputError({ path: join(trainDir, TRAIN_FILES.modelDir), reason: `cannot load the model: ${String(cause)}` }),
      });
      return yield* Effect.try({
        try: () => {
          try {
            if (model instanceof Seq2SeqModel && data.kind === 'seq2seq') {
              return evaluateSeq2Seq(model, data, config.evaluate, context.location.name, backend.name);
            }
            if (model instanceof RecurrentLanguageModel && data.kind === 'stream') {
              return evaluateStreamRun(model, data, config.evaluate, context.location.name, backend.name);
            }
            throw new Error(`the saved model does not fit a ${data.kind} dataset`);
          } finally {
            model.dispose();
          }
        },
        catch: (cause) => new StageFailure({ stage: 'evaluate', reason: cause instanceof Error ? cause.message : String(cause), cause }),
      });
    }),
};

function readJson<T>(path: string) {
  return Effect.try({
    try: () => JSON.parse(readFileSync(path, 'utf8')) as T,
    catch: (cause) => new InputError({ path, reason: cause instanceof Error ? cause.message : String(cause) }),
  });
}

function evaluateSeq2Seq(
  model: Seq2SeqModel,
  data: Extract<TokenizedDataset, { kind: 'seq2seq' }>,
  config: EvaluateConfig,
  run: string,
  backend: string,
): OutputFiles {
  const full = data.encoded[config.split];
  const n = Math.min(full.source.length, config.maxExamples ?? full.source.length);
  const split = {
    source: full.source.slice(0, n),
    target: full.target.slice(0, n),
    ...(full.alternatives ? { alternatives: full.alternatives.slice(0, n) } : {}),
  };
  const maxLength = config.maxOutputLength ?? Math.max(...split.target.map((t) => t.length)) + 10;
  const batches = batchIndices(n, config.batchSize);
  const teacherForced = batches.flatMap((indices) => {
    const batch = makeSeq2SeqBatch(split, indices);
    try {
      return predictTeacherForced(model, batch).map((p) => p.predicted);
    } finally {
      disposeBatch(batch);
    }
  });
  const decodeSources = <T>(decodeBatch: (source: tf.Tensor2D, mask: tf.Tensor2D) => T[]): T[] =>
    batches.flatMap((indices) => {
      const { source, sourceMask } = makeSourceBatch(indices.map((i) => split.source[i] ?? []));
      try {
        return decodeBatch(source, sourceMask);
      } finally {
        tf.dispose([source, sourceMask]);
      }
    });
  const greedy = decodeSources((source, mask) => greedyDecode(model, source, mask, { maxLength }));
  const beam = decodeSources((source, mask) =>
    beamSearch(model, source, mask, { maxLength, width: config.beam.width, lengthPenalty: config.beam.lengthPenalty }).map((r) => r.best),
  );
  const nll = seq2seqNll(model, split, { batchSize: config.batchSize });
  const targetLevel = data.tokenizer.levels.target;
  const sourceLevel = data.tokenizer.levels.source;
  const scored = scoreDecodings(
    {
      gold: split.target,
      ...(split.alternatives ? { alternatives: split.alternatives } : {}),
      teacherForced,
      greedy: greedy.map(withFinalEos),
      beam: beam.map(withFinalEos),
    },
    { vocabulary: data.targetVocab, level: targetLevel },
  );
  const loss = nll.meanNll;
  const result: EvaluationResult = {
    kind: 'seq2seq',
    run,
    backend,
    split: config.split,
    examples: n,
    loss,
    perplexity: perplexity(loss),
    decodings: scored.decodings,
    beam: { width: config.beam.width, lengthPenalty: config.beam.lengthPenalty },
    exposureBias: scored.exposureBias,
  };
  const sourceText = (ids: readonly number[]) => decode(ids, data.sourceVocab, sourceLevel);
  const targetText = (ids: readonly number[]) => decode(ids, data.targetVocab, targetLevel);
  const samples: DecodedSample[] = split.source.slice(0, SAMPLES).map((source, i) => ({
    source: sourceText(source),
    gold: targetText(split.target[i] ?? []),
    greedy: targetText(greedy[i]?.tokens ?? []),
    beam: targetText(beam[i]?.tokens ?? []),
  }));
  const files: Record<string, string> = {
    [EVALUATE_FILES.metrics]: stableStringify(result),
    [EVALUATE_FILES.samples]: stableStringify(samples),
  };
  if (greedy[0]?.attention && config.attentionExamples > 0) {
    const attention: AttentionSample[] = split.source.slice(0, config.attentionExamples).map((source, i) => {
      const decoded = greedy[i] as DecodedSequence;
      // Rows: one per decoder step (EOS included when finished); columns: the source and its appended EOS.
      const output = decoded.finished ? [...decoded.tokens, EOS_ID] : decoded.tokens;
      return {
        source: [...source, EOS_ID].map((id: number) => data.sourceVocab.tokens[id] ?? '?'),
        output: output.map((id) => data.targetVocab.tokens[id] ?? '?'),
        weights: decoded.attention ?? [],
      };
    });
    files[EVALUATE_FILES.attention] = stableStringify(attention);
  }
  return files;
}

function batchIndices(count: number, batchSize: number): number[][] {
  const batches: number[][] = [];
  for (let start = 0; start < count; start += batchSize) {
    batches.push(Array.from({ length: Math.min(batchSize, count - start) }, (_, k) => start + k));
  }
  return batches;
}

/** Decoders return tokens without EOS; scoring compares with gold + EOS, so stopping on time counts. */
function withFinalEos(decoded: DecodedSequence): number[] {
  return decoded.finished ? [...decoded.tokens, EOS_ID] : decoded.tokens;
}

function evaluateStreamRun(
  model: RecurrentLanguageModel,
  data: Extract<TokenizedDataset, { kind: 'stream' }>,
  config: EvaluateConfig,
  run: string,
  backend: string,
): OutputFiles {
  const split = data.encoded[config.split];
  const stream = batchifyAlignedStream(split, Math.min(config.batchSize, split.source.length));
  let state = model.initialState(stream.source.length);
  let nllSum = 0;
  let tokens = 0;
  let correct = 0;
  for (let start = 0; start < stream.length; start += config.streamChunk) {
    const chunk = streamChunk(stream, start, config.streamChunk);
    const [nll, hits, count, ...next] = tf.tidy(() => {
      const result = model.run(chunk, state, { training: false });
      const mask = chunk.mask;
      const predicted = tf.argMax(result.logits, -1);
      const hit = tf.sum(tf.mul(tf.cast(tf.equal(predicted, chunk.target), 'float32'), mask));
      return [tf.sum(result.nllPerToken), hit, tf.sum(mask), ...result.finalState];
    });
    nllSum += (nll as tf.Tensor).dataSync()[0] as number;
    correct += (hits as tf.Tensor).dataSync()[0] as number;
    tokens += (count as tf.Tensor).dataSync()[0] as number;
    tf.dispose([nll, hits, count, chunk.source, chunk.target, chunk.mask] as tf.Tensor[]);
    tf.dispose(state as tf.Tensor[]);
    state = next as tf.Tensor2D[];
  }
  tf.dispose(state as tf.Tensor[]);
  const loss = nllSum / tokens;
  const result: StreamEvaluation = {
    kind: 'stream',
    run,
    backend,
    split: config.split,
    tokens,
    loss,
    perplexity: perplexity(loss),
    accuracy: correct / tokens,
  };
  return { [EVALUATE_FILES.metrics]: stableStringify(result) };
}
