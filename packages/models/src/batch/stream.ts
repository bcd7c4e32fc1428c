/**
 * Streams for language modelling and delayed recall, as in pytorch/examples word_language_model:
 * `batchify` cuts the token stream into B parallel rows (dropping the tail that does not fill a row), and
 * training walks over the rows in chunks of K columns, carrying the state from chunk to chunk.
 * Rows are batch-major here ([B, N]); PyTorch's batchify returns the transpose.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { StreamChunk } from '../contract.ts';

/** An aligned stream split (source[t] predicts target[t]); for LM, target[t] = source[t+1]. */
export interface EncodedStreamSplit {
  readonly source: readonly number[];
  readonly target: readonly number[];
}

/** Both sides cut into B rows of equal length N = floor(length / B). */
export interface BatchifiedStream {
  readonly source: readonly Int32Array[];
  readonly target: readonly Int32Array[];
  /** Columns per row. */
  readonly length: number;
}

/** ids -> B rows of floor(n / B) ids: row b holds ids[b·N, (b+1)·N). */
export function batchifyStream(ids: readonly number[], batchSize: number): Int32Array[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchifyStream: batchSize must be a positive integer, got ${batchSize}`);
  const N = Math.floor(ids.length / batchSize);
  if (N === 0) throw new RangeError(`batchifyStream: ${ids.length} tokens cannot fill ${batchSize} rows`);
  return Array.from({ length: batchSize }, (_, b) => Int32Array.from(ids.slice(b * N, (b + 1) * N)));
}

export function batchifyAlignedStream(split: EncodedStreamSplit, batchSize: number): BatchifiedStream {
  if (split.source.length !== split.target.length) {
    throw new Error(`batchifyAlignedStream: source has ${split.source.length} tokens but target has ${split.target.length}`);
  }
  const source = batchifyStream(split.source, batchSize);
  return { source, target: batchifyStream(split.target, batchSize), length: (source[0] as Int32Array).length };
}

/** Columns [start, start + length) of every row (the last chunk may be shorter), mask all ones. */
export function streamChunk(stream: BatchifiedStream, start: number, length: number): StreamChunk {
  if (!Number.isInteger(start) || start < 0 || start >= stream.length) {
    throw new RangeError(`streamChunk: start ${start} is outside [0, ${stream.length})`);
  }
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`streamChunk: length must be a positive integer, got ${length}`);
  const K = Math.min(length, stream.length - start);
  const B = stream.source.length;
  const source = new Int32Array(B * K);
  const target = new Int32Array(B * K);
  for (let b = 0; b < B; b++) {
    source.set((stream.source[b] as Int32Array).subarray(start, start + K), b * K);
    target.set((stream.target[b] as Int32Array).subarray(start, start + K), b * K);
  }
  return {
    source: tf.tensor2d(source, [B, K], 'int32'),
    target: tf.tensor2d(target, [B, K], 'int32'),
    mask: tf.ones([B, K]) as tf.Tensor2D,
  };
}

/** Chunk start positions covering the stream: 0, K, 2K, … (pytorch's `range(0, N - 1, bptt)`). */
export function chunkStarts(stream: BatchifiedStream, length: number): number[] {
  const starts: number[] = [];
  for (let s = 0; s < stream.length; s += length) starts.push(s);
  return starts;
}
