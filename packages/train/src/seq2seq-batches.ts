/**
 * Seq2seq data for the trainer: validation of encoded splits and the per-epoch shuffled batch order (a pure
 * function of seed and epoch, so a resumed run sees the same batches). Batches themselves are built by
 * @bptt/models' makeSeq2SeqBatch, the same layout the model is evaluated and decoded with.
 */
import { createRng } from '@bptt/data';
import { TrainDataError } from './errors.ts';

/** Encoded seq2seq split as produced by @bptt/data: token ids, no BOS/EOS. */
export interface Seq2SeqSplit {
  readonly source: readonly (readonly number[])[];
  readonly target: readonly (readonly number[])[];
}

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
      sequence.forEach((id, j) => {
        if (!Number.isInteger(id) || id < 0) {
          const where = `data.${name}.${field}[${i}][${j}]`;
          throw new TrainDataError(`${where}: token id ${JSON.stringify(id)} is not a non-negative integer`);
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
