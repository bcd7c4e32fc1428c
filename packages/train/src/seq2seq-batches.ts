/**
 * Seq2seq data for the trainer: validation of encoded splits, the per-epoch shuffled batch order (a pure function
 * of seed and epoch, so a resumed run sees the same batches), and padded batches in the contract's layout.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import type { Seq2SeqBatch } from '@bptt/models';
import { TrainDataError } from './errors.ts';

/** Encoded seq2seq split as produced by @bptt/data: token ids, no BOS/EOS. */
export interface Seq2SeqSplit {
  readonly source: readonly (readonly number[])[];
  readonly target: readonly (readonly number[])[];
}

const PAD = 0;
const BOS = 1;
const EOS = 2;

/** Throws a TrainDataError naming the split, the field, the example and the value that is wrong. */
export function validateSeq2SeqSplit(split: Seq2SeqSplit, name: string): void {
  if (split.source.length !== split.target.length) {
    throw new TrainDataError(
      `data.${name}: source has ${split.source.length} sequences but target has ${split.target.length}`,
    );
  }
  if (split.source.length === 0) throw new TrainDataError(`data.${name}: the split is empty`);
  for (const field of ['source', 'target'] as const) {
    split[field].forEach((sequence, i) => {
      if (field === 'source' && sequence.length === 0) {
        throw new TrainDataError(`data.${name}.source[${i}]: empty source sequence`);
      }
      sequence.forEach((id, j) => {
        if (!Number.isInteger(id) || id < 0) {
          throw new TrainDataError(`data.${name}.${field}[${i}][${j}]: token id ${JSON.stringify(id)} is not a non-negative integer`);
        }
      });
    });
  }
}

/** The example order of `epoch`: a fresh seeded shuffle every epoch, the same on every run with this seed. */
export function epochOrder(exampleCount: number, seed: number, epoch: number): number[] {
  return createRng(`${seed}:epoch:${epoch}`).shuffle(Array.from({ length: exampleCount }, (_, i) => i));
}

/** Batches per epoch; the last batch of an epoch may be smaller (nothing is dropped). */
export function seq2seqStepsPerEpoch(exampleCount: number, batchSize: number): number {
  return Math.ceil(exampleCount / batchSize);
}

/**
 * Pads `indices` of `split` into a batch: source as is, decoder input BOS + target, decoder output target + EOS.
 * The caller disposes the tensors (tf.dispose(Object.values(batch))).
 */
export function makeSeq2SeqBatch(split: Seq2SeqSplit, indices: readonly number[]): Seq2SeqBatch {
  const sources = indices.map((i) => split.source[i] as readonly number[]);
  const targets = indices.map((i) => split.target[i] as readonly number[]);
  const S = Math.max(...sources.map((s) => s.length));
  const T = Math.max(...targets.map((t) => t.length)) + 1;
  const pad = (ids: readonly number[], length: number): number[] => [...ids, ...Array<number>(length - ids.length).fill(PAD)];
  const ones = (real: number, length: number): number[] => Array.from({ length }, (_, i) => (i < real ? 1 : 0));
  const B = indices.length;
  return {
    source: tf.tensor2d(sources.map((s) => pad(s, S)), [B, S], 'int32'),
    sourceMask: tf.tensor2d(sources.map((s) => ones(s.length, S)), [B, S], 'float32'),
    targetIn: tf.tensor2d(targets.map((t) => pad([BOS, ...t], T)), [B, T], 'int32'),
    targetOut: tf.tensor2d(targets.map((t) => pad([...t, EOS], T)), [B, T], 'int32'),
    targetMask: tf.tensor2d(targets.map((t) => ones(t.length + 1, T)), [B, T], 'float32'),
  };
}

export function disposeBatch(batch: Seq2SeqBatch): void {
  tf.dispose([batch.source, batch.sourceMask, batch.targetIn, batch.targetOut, batch.targetMask]);
}
