import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { batchifyAlignedStream, batchifyStream, BOS_ID, chunkStarts, EOS_ID, makeSeq2SeqBatch, makeSourceBatch, streamChunk } from '@bptt/models';
import { useTestBackend } from './helpers.ts';

beforeAll(async () => {
  await useTestBackend();
});
let created: tf.Tensor[] = [];
afterEach(() => {
  tf.dispose(created);
  created = [];
});
const keep = <T extends object>(x: T): T => {
  created.push(...(Object.values(x).filter((v) => v instanceof tf.Tensor) as tf.Tensor[]));
  return x;
};

describe('makeSeq2SeqBatch', () => {
  it('appends EOS to sources, frames targets with BOS/EOS, pads with 0 and masks', () => {
    const split = { source: [[5, 6, 7], [8], [9, 9]], target: [[10, 11], [12, 13, 14], []] };
    const batch = keep(makeSeq2SeqBatch(split, [1, 0, 2]));
    expect(batch.source.arraySync()).toEqual([[8, EOS_ID, 0, 0], [5, 6, 7, EOS_ID], [9, 9, EOS_ID, 0]]);
    expect(batch.sourceMask.arraySync()).toEqual([[1, 1, 0, 0], [1, 1, 1, 1], [1, 1, 1, 0]]);
    expect(batch.targetIn.arraySync()).toEqual([[BOS_ID, 12, 13, 14], [BOS_ID, 10, 11, 0], [BOS_ID, 0, 0, 0]]);
    expect(batch.targetOut.arraySync()).toEqual([[12, 13, 14, EOS_ID], [10, 11, EOS_ID, 0], [EOS_ID, 0, 0, 0]]);
    expect(batch.targetMask.arraySync()).toEqual([[1, 1, 1, 1], [1, 1, 1, 0], [1, 0, 0, 0]]);
    expect([batch.source.dtype, batch.targetIn.dtype, batch.targetOut.dtype, batch.sourceMask.dtype]).toEqual(['int32', 'int32', 'int32', 'float32']);
  });

  it('lengthMultiple rounds both lengths up, the extra positions padded and masked', () => {
    const split = { source: [[5, 6, 7], [8]], target: [[10, 11], [12]] };
    const batch = keep(makeSeq2SeqBatch(split, [0, 1], { lengthMultiple: 3 }));
    expect(batch.source.arraySync()).toEqual([[5, 6, 7, EOS_ID, 0, 0], [8, EOS_ID, 0, 0, 0, 0]]);
    expect(batch.sourceMask.arraySync()).toEqual([[1, 1, 1, 1, 0, 0], [1, 1, 0, 0, 0, 0]]);
    expect(batch.targetIn.arraySync()).toEqual([[BOS_ID, 10, 11], [BOS_ID, 12, 0]]);
    expect(batch.targetMask.arraySync()).toEqual([[1, 1, 1], [1, 1, 0]]);
    expect(() => makeSeq2SeqBatch(split, [0], { lengthMultiple: 0 })).toThrow('makeSeq2SeqBatch: lengthMultiple must be a positive integer, got 0');
  });

  it('rejects bad indices and ids with a message naming them', () => {
    const split = { source: [[5], [6]], target: [[7], [8]] };
    expect(() => makeSeq2SeqBatch(split, [2])).toThrow('makeSeq2SeqBatch: index 2 is outside the split (2 examples)');
    expect(() => makeSeq2SeqBatch({ source: [[5, -1]], target: [[7]] }, [0])).toThrow('source[0]: token id -1 is not a non-negative integer');
    expect(() => makeSeq2SeqBatch(split, [])).toThrow(/indices is empty/);
    expect(keep(makeSourceBatch([[4], [4, 5]])).source.arraySync()).toEqual([[4, EOS_ID, 0], [4, 5, EOS_ID]]);
  });
});

describe('streams (word_language_model batchify)', () => {
  it('batchify cuts the stream into B rows and drops the tail', () => {
    const ids = [...Array(11).keys()];
    expect(batchifyStream(ids, 3).map((r) => Array.from(r))).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
    expect(() => batchifyStream([1, 2], 3)).toThrow(/2 tokens cannot fill 3 rows/);
  });

  it('streamChunk takes the same columns of every row; the last chunk may be shorter', () => {
    const stream = batchifyAlignedStream({ source: [...Array(10).keys()], target: [...Array(10).keys()].map((i) => i + 100) }, 2);
    expect(stream.length).toBe(5);
    expect(chunkStarts(stream, 2)).toEqual([0, 2, 4]);
    const first = keep(streamChunk(stream, 0, 2));
    expect(first.source.arraySync()).toEqual([[0, 1], [5, 6]]);
    expect(first.target.arraySync()).toEqual([[100, 101], [105, 106]]);
    const last = keep(streamChunk(stream, 4, 2));
    expect(last.source.arraySync()).toEqual([[4], [9]]);
    expect(last.mask.arraySync()).toEqual([[1], [1]]);
    expect(() => streamChunk(stream, 5, 2)).toThrow(/start 5 is outside \[0, 5\)/);
  });
});
