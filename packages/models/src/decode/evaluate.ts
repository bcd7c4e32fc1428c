/**
 * Negative log-likelihood on a whole split, in evaluation mode (no dropout, teacher forcing p = 1), for loss and
 * perplexity: exact corpus-level sums, plus per-example values for seq2seq.
 */
import * as tf from '@tensorflow/tfjs-core';
import { makeSeq2SeqBatch, type EncodedSeq2SeqSplit } from '../batch/seq2seq-batch.ts';
import { batchifyAlignedStream, chunkStarts, streamChunk, type EncodedStreamSplit } from '../batch/stream.ts';
import type { RecurrentState, Seq2SeqBatch } from '../contract.ts';
import type { RecurrentLanguageModel } from '../lm/model.ts';
import type { Seq2SeqModel } from '../seq2seq/model.ts';
import { scoped } from './tensor-scope.ts';

export interface NllSummary {
  readonly nllSum: number;
  readonly tokenCount: number;
  /** nllSum / tokenCount (nats per token). */
  readonly meanNll: number;
  readonly perplexity: number;
}

export interface ExampleNll {
  /** Summed NLL over the example's target tokens (EOS included). */
  readonly nll: number;
  readonly tokens: number;
}

/** Per-example NLL of one batch (evaluation mode). */
export function batchNll(model: Seq2SeqModel, batch: Seq2SeqBatch): ExampleNll[] {
  const perExample = scoped(() => tf.sum(model.run(batch, { training: false, teacherForcing: { ratio: 1 } }).nllPerToken, 1));
  const tokens = scoped(() => tf.sum(batch.targetMask, 1));
  const nll = perExample.dataSync();
  const counts = tokens.dataSync();
  tf.dispose([perExample, tokens]);
  return Array.from(nll, (value, b) => ({ nll: value, tokens: Math.round(counts[b] as number) }));
}

export function evaluateSeq2Seq(model: Seq2SeqModel, split: EncodedSeq2SeqSplit, options: { readonly batchSize: number }): NllSummary & { readonly perExample: ExampleNll[] } {
  checkBatchSize(options.batchSize);
  const perExample: ExampleNll[] = [];
  for (let start = 0; start < split.source.length; start += options.batchSize) {
    const indices = Array.from({ length: Math.min(options.batchSize, split.source.length - start) }, (_, i) => start + i);
    const batch = makeSeq2SeqBatch(split, indices);
    perExample.push(...batchNll(model, batch));
    tf.dispose(Object.values(batch));
  }
  return { ...summarise(perExample.reduce((a, e) => a + e.nll, 0), perExample.reduce((a, e) => a + e.tokens, 0)), perExample };
}

/** Stream NLL: B parallel rows walked in chunks of `chunkLength`, the state carried across chunks. */
export function evaluateStream(model: RecurrentLanguageModel, split: EncodedStreamSplit, options: { readonly batchSize: number; readonly chunkLength: number }): NllSummary {
  checkBatchSize(options.batchSize);
  const stream = batchifyAlignedStream(split, options.batchSize);
  let state: RecurrentState = model.initialState(options.batchSize);
  let nllSum = 0;
  let tokenCount = 0;
  for (const start of chunkStarts(stream, options.chunkLength)) {
    const chunk = streamChunk(stream, start, options.chunkLength);
    const result = scoped(() => {
      const r = model.forward(chunk, state, { training: false });
      return { nllSum: r.nllSum, finalState: [...r.finalState], tokenCount: r.tokenCount };
    });
    nllSum += result.nllSum.dataSync()[0] as number;
    tokenCount += result.tokenCount;
    tf.dispose([...state, result.nllSum, ...Object.values(chunk)]);
    state = result.finalState;
  }
  tf.dispose([...state]);
  return summarise(nllSum, tokenCount);
}

function summarise(nllSum: number, tokenCount: number): NllSummary {
  const meanNll = tokenCount === 0 ? 0 : nllSum / tokenCount;
  return { nllSum, tokenCount, meanNll, perplexity: Math.exp(meanNll) };
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
}
