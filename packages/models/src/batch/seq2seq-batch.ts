/**
 * Padded seq2seq batches (contract.ts `Seq2SeqBatch`) from encoded splits. Encoded sequences carry no BOS/EOS;
 * here the source gets EOS appended (so every source is non-empty and its end is marked, as fairseq does), the
 * decoder input is BOS + target and the decoder output is target + EOS. Padding is PAD (0) on the right.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Seq2SeqBatch } from '../contract.ts';
import { BOS_ID, EOS_ID, PAD_ID } from './special-tokens.ts';

/** The encoded form of a seq2seq split (what @bptt/data's tokenizeDataset produces). */
export interface EncodedSeq2SeqSplit {
  readonly source: readonly (readonly number[])[];
  readonly target: readonly (readonly number[])[];
}

export interface Seq2SeqBatchOptions {
  /**
   * Pads the source and decoder lengths up to a multiple of this (default 1: the longest row's). A compiled
   * training graph (native/graph) is built per batch shape, so fewer shapes mean fewer compilations; the extra
   * positions are masked like any other padding.
   */
  readonly lengthMultiple?: number;
}

export function makeSeq2SeqBatch(split: EncodedSeq2SeqSplit, indices: readonly number[], options: Seq2SeqBatchOptions = {}): Seq2SeqBatch {
  if (indices.length === 0) throw new RangeError('makeSeq2SeqBatch: indices is empty');
  const multiple = options.lengthMultiple ?? 1;
  if (!Number.isInteger(multiple) || multiple < 1) throw new RangeError(`makeSeq2SeqBatch: lengthMultiple must be a positive integer, got ${multiple}`);
  const roundUp = (n: number) => Math.ceil(n / multiple) * multiple;
  if (split.source.length !== split.target.length) {
    throw new Error(`makeSeq2SeqBatch: split has ${split.source.length} sources but ${split.target.length} targets`);
  }
  const sources = indices.map((i) => [...exampleAt(split.source, i, 'source'), EOS_ID]);
  const targets = indices.map((i) => exampleAt(split.target, i, 'target'));
  const S = roundUp(Math.max(...sources.map((s) => s.length)));
  const T = roundUp(Math.max(...targets.map((t) => t.length)) + 1);
  const B = indices.length;
  const source = new Int32Array(B * S);
  const sourceMask = new Float32Array(B * S);
  const targetIn = new Int32Array(B * T);
  const targetOut = new Int32Array(B * T);
  const targetMask = new Float32Array(B * T);
  sources.forEach((ids, b) => {
    ids.forEach((id, s) => {
      source[b * S + s] = id;
      sourceMask[b * S + s] = 1;
    });
  });
  targets.forEach((ids, b) => {
    targetIn[b * T] = BOS_ID;
    ids.forEach((id, t) => {
      targetIn[b * T + t + 1] = id;
      targetOut[b * T + t] = id;
    });
    targetOut[b * T + ids.length] = EOS_ID;
    for (let t = 0; t <= ids.length; t++) targetMask[b * T + t] = 1;
  });
  return {
    source: tf.tensor2d(source, [B, S], 'int32'),
    sourceMask: tf.tensor2d(sourceMask, [B, S], 'float32'),
    targetIn: tf.tensor2d(targetIn, [B, T], 'int32'),
    targetOut: tf.tensor2d(targetOut, [B, T], 'int32'),
    targetMask: tf.tensor2d(targetMask, [B, T], 'float32'),
  };
}

/** Only the source side (for decoding): [B, S] ids with EOS appended, and the mask. */
export function makeSourceBatch(sources: readonly (readonly number[])[]): { source: tf.Tensor2D; sourceMask: tf.Tensor2D } {
  if (sources.length === 0) throw new RangeError('makeSourceBatch: no sources');
  const rows = sources.map((s, i) => [...checkIds(s, `sources[${i}]`), EOS_ID]);
  const S = Math.max(...rows.map((r) => r.length));
  const ids = new Int32Array(rows.length * S).fill(PAD_ID);
  const mask = new Float32Array(rows.length * S);
  rows.forEach((r, b) => r.forEach((id, s) => ((ids[b * S + s] = id), (mask[b * S + s] = 1))));
  return { source: tf.tensor2d(ids, [rows.length, S], 'int32'), sourceMask: tf.tensor2d(mask, [rows.length, S], 'float32') };
}

export function disposeBatch(batch: Seq2SeqBatch): void {
  tf.dispose([batch.source, batch.sourceMask, batch.targetIn, batch.targetOut, batch.targetMask]);
}

function exampleAt(rows: readonly (readonly number[])[], index: number, side: string): readonly number[] {
  const row = rows[index];
  if (!Number.isInteger(index) || row === undefined) {
    throw new RangeError(`makeSeq2SeqBatch: index ${index} is outside the split (${rows.length} examples)`);
  }
  return checkIds(row, `${side}[${index}]`);
}

function checkIds(ids: readonly number[], where: string): readonly number[] {
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0) throw new RangeError(`${where}: token id ${id} is not a non-negative integer`);
  }
  return ids;
}
