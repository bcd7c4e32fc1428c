/**
 * Stream data for the trainer: the stream is cut into B parallel rows (pytorch word_language_model's `batchify`),
 * and each epoch walks the rows left to right in TBPTT windows.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { StreamChunk } from '@bptt/models';
import { TrainDataError } from './errors.ts';

/** Encoded stream split as produced by @bptt/data: aligned ids, `target[i]` is what to predict after `source[i]`. */
export interface StreamSplit {
  readonly source: readonly number[];
  readonly target: readonly number[];
}

/** B rows of equal length n: row b holds positions [b*n, (b+1)*n) of the stream (the tail that does not fit is dropped). */
export interface BatchifiedStream {
  readonly source: readonly (readonly number[])[];
  readonly target: readonly (readonly number[])[];
  /** n, the steps per row. */
  readonly length: number;
}

/** Targets equal to PAD are not scored (e.g. the waiting phase of delayed recall). */
const PAD = 0;

export function validateStreamSplit(split: StreamSplit, name: string): void {
  if (split.source.length !== split.target.length) {
    throw new TrainDataError(`data.${name}: source has ${split.source.length} tokens but target has ${split.target.length}`);
  }
  for (const field of ['source', 'target'] as const) {
    split[field].forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0) {
        throw new TrainDataError(`data.${name}.${field}[${i}]: token id ${JSON.stringify(id)} is not a non-negative integer`);
      }
    });
  }
}

export function batchifyStream(split: StreamSplit, rows: number, name: string): BatchifiedStream {
  const length = Math.floor(split.source.length / rows);
  if (length === 0) {
    throw new TrainDataError(
      `data.${name}: a stream of ${split.source.length} tokens cannot fill ${rows} rows (batch size); use a smaller batch`,
    );
  }
  const row = (ids: readonly number[], b: number): number[] => ids.slice(b * length, (b + 1) * length);
  return {
    source: Array.from({ length: rows }, (_, b) => row(split.source, b)),
    target: Array.from({ length: rows }, (_, b) => row(split.target, b)),
    length,
  };
}

/**
 * Columns [start, end) of the batchified stream as a chunk. The mask is 1 where the target is scored: not PAD and
 * at or after `lossStart` (earlier positions of a TBPTT window only carry gradient, they are not scored again).
 */
export function streamChunk(stream: BatchifiedStream, start: number, end: number, lossStart = start): StreamChunk {
  const B = stream.source.length;
  const K = end - start;
  const targets = stream.target.map((ids) => ids.slice(start, end));
  return {
    source: tf.tensor2d(stream.source.map((ids) => ids.slice(start, end)), [B, K], 'int32'),
    target: tf.tensor2d(targets, [B, K], 'int32'),
    mask: tf.tensor2d(
      targets.map((ids) => ids.map((id, k) => (start + k >= lossStart && id !== PAD ? 1 : 0))),
      [B, K],
      'float32',
    ),
  };
}

export function disposeChunk(chunk: StreamChunk): void {
  tf.dispose([chunk.source, chunk.target, chunk.mask]);
}

/**
 * The i-th TBPTT(k1, k2) update of an epoch over rows of length n (Sutskever 2013, section 2.8.6): after step
 * t = min((i+1)*k1, n), backpropagate the loss of steps [i*k1, t) through steps [max(0, t-k2), t).
 */
export interface TbpttWindow {
  /** First step of the gradient window (where the carried state enters as a constant). */
  readonly start: number;
  /** One past the last step. */
  readonly end: number;
  /** First scored step; [lossStart, end) are the k1 new steps. */
  readonly lossStart: number;
  /** Where the next window starts (its state is the one to carry), or undefined after the last window. */
  readonly nextStart: number | undefined;
}

export function tbpttWindowCount(length: number, k1: number): number {
  return Math.ceil(length / k1);
}

export function tbpttWindow(index: number, length: number, k1: number, k2: number): TbpttWindow {
  const count = tbpttWindowCount(length, k1);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`tbpttWindow: index ${index} outside [0, ${count})`);
  }
  const end = Math.min((index + 1) * k1, length);
  const nextEnd = index + 1 < count ? Math.min((index + 2) * k1, length) : undefined;
  return {
    start: Math.max(0, end - k2),
    end,
    lossStart: index * k1,
    nextStart: nextEnd === undefined ? undefined : Math.max(0, nextEnd - k2),
  };
}
