/**
 * The kernels registered for the wasm backend (src/backend/wasm-kernels.ts) against the reference `cpu` backend,
 * on random inputs, to 1e-5.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import { describe, expect, it } from 'vitest';
import { initBackend, makeSeq2SeqBatch, Seq2SeqModel } from '@bptt/models';
import { packsLessTransposed } from '../src/backend/wasm-kernels.ts';
import { randomIds } from './helpers.ts';

type Output = { shape: number[]; values: number[] }[];

/** Runs `fn` on cpu and on wasm with the same inputs and returns both results. */
async function onBoth(fn: () => tf.Tensor | tf.Tensor[]): Promise<[Output, Output]> {
  const results: Output[] = [];
  for (const backend of ['cpu', 'wasm'] as const) {
    await initBackend(backend);
    expect(tf.getBackend()).toBe(backend);
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    results.push(list.map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) })));
    tf.dispose(list);
  }
  return [results[0] as Output, results[1] as Output];
}

function expectClose([cpu, wasm]: [Output, Output], tolerance = 1e-5) {
  expect(wasm.length).toBe(cpu.length);
  cpu.forEach((c, i) => {
    const w = wasm[i] as Output[number];
    expect(w.shape).toEqual(c.shape);
    const worst = c.values.reduce((m, v, j) => Math.max(m, Math.abs(v - (w.values[j] as number)) / Math.max(1, Math.abs(v))), 0);
    expect(worst).toBeLessThanOrEqual(tolerance);
  });
}

const rng = createRng('wasm-kernels');
const random = (shape: number[]) => Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());

describe('wasm kernels equal the cpu backend', () => {
  it('BatchMatMul with every transpose flag, rank 2 and 3, with batch broadcasting', async () => {
    const cases: [number[], number[], boolean, boolean][] = [
      [[4, 5], [5, 6], false, false],
      [[5, 4], [5, 6], true, false],
      [[5, 6], [5, 4], true, false],
      [[4, 5], [6, 5], false, true],
      [[5, 4], [6, 5], true, true],
      [[3, 4, 5], [3, 5, 6], false, false],
      [[3, 5, 4], [3, 5, 6], true, false],
      [[3, 4, 5], [3, 6, 5], false, true],
      [[2, 5, 4], [1, 6, 5], true, true],
      [[64, 128], [512, 128], false, true],
      // Aᵀ B with the larger B: computed as (Bᵀ A)ᵀ
      [[40, 3], [40, 16], true, false],
      [[200, 8], [200, 64], true, false],
    ];
    expect(packsLessTransposed(5, 6, 4)).toBe(false);
    expect(packsLessTransposed(5, 4, 6)).toBe(true);
    expect(packsLessTransposed(40, 3, 16)).toBe(true);
    expect(packsLessTransposed(200, 8, 64)).toBe(true);
    expect(packsLessTransposed(1280, 128, 32)).toBe(false); // an output layer's weight gradient keeps the plain order
    for (const [aShape, bShape, ta, tb] of cases) {
      const a = random(aShape);
      const b = random(bShape);
      expectClose(await onBoth(() => tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), ta, tb)), 1e-5);
    }
  });

  it('Transpose: the SIMD kernel (float32, last two axes swapped, both multiples of 4) and the fallbacks', async () => {
    const cases: [number[], number[]][] = [
      [[8, 12], [1, 0]],
      [[128, 64], [1, 0]],
      [[3, 4, 8], [0, 2, 1]],
      [[2, 3, 8, 4], [0, 1, 3, 2]],
      // fallbacks: an axis not a multiple of 4, another permutation
      [[5, 6], [1, 0]],
      [[4, 8, 12], [1, 0, 2]],
      [[4, 8, 12], [2, 1, 0]],
    ];
    for (const [shape, perm] of cases) {
      const x = random(shape);
      expectClose(await onBoth(() => tf.transpose(tf.tensor(x, shape), perm)), 0);
    }
    const ints = Array.from({ length: 32 }, (_, i) => i);
    expectClose(await onBoth(() => tf.transpose(tf.tensor(ints, [4, 8], 'int32'))), 0);
  });

  it('UnsortedSegmentSum (the gradient of gather), rank 2 and 3', async () => {
    const x2 = random([6, 3]);
    const x3 = random([5, 2, 3]);
    expectClose(await onBoth(() => tf.unsortedSegmentSum(tf.tensor2d(x2, [6, 3]), tf.tensor1d([0, 2, 2, 5, 6, 0], 'int32'), 7)));
    expectClose(await onBoth(() => tf.unsortedSegmentSum(tf.tensor3d(x3, [5, 2, 3]), tf.tensor1d([1, 1, 1, 0, 3], 'int32'), 4)));
    // rows of a multiple of 4 values: the SIMD kernel (out-of-range ids dropped there too)
    const x4 = random([6, 8]);
    expectClose(await onBoth(() => tf.unsortedSegmentSum(tf.tensor2d(x4, [6, 8]), tf.tensor1d([0, 2, 2, -1, 6, 9], 'int32'), 7)));
    const x5 = random([5, 2, 2]);
    expectClose(await onBoth(() => tf.unsortedSegmentSum(tf.tensor3d(x5, [5, 2, 2]), tf.tensor1d([3, 0, 3, 3, 1], 'int32'), 4)));
  });

  it('Slice, SplitV and Unpack of float32 and int32 tensors of rank 1 to 5', async () => {
    const x = random([4, 5, 6]);
    const ints = Array.from({ length: 4 * 5 * 6 }, (_, i) => i);
    const x5 = random([2, 3, 2, 3, 2]);
    expectClose(
      await onBoth(() => {
        const t = tf.tensor3d(x, [4, 5, 6]);
        const n = tf.tensor3d(ints, [4, 5, 6], 'int32');
        return [
          tf.slice(t, [1, 0, 0], [2, 5, 6]),
          tf.slice(t, [1, 2, 3], [3, 2, 2]),
          tf.slice(t, [0, 1, 0], [4, 3, 6]),
          tf.slice(n, [2, 1, 1], [1, 4, 5]),
          tf.slice(tf.tensor1d(x.slice(0, 10)), [3], [5]),
          tf.slice(tf.tensor2d(x.slice(0, 20), [4, 5]), [1, 2], [2, 3]),
          tf.slice(tf.tensor(x5, [2, 3, 2, 3, 2]), [1, 1, 0, 1, 1], [1, 2, 2, 2, 1]),
          ...tf.split(t, [1, 3, 2], 2),
          ...tf.split(t, 5, 1),
          ...tf.split(n, [3, 1], 0),
          ...tf.unstack(t, 0),
          ...tf.unstack(t, 1),
          ...tf.unstack(n, 2),
        ];
      }),
      0,
    );
  });

  it('Identity shares the data: a clone outlives its source', async () => {
    await initBackend('wasm');
    const source = tf.tensor1d([1, 2, 3]);
    const copy = tf.clone(source);
    source.dispose();
    expect(Array.from(copy.dataSync())).toEqual([1, 2, 3]);
    copy.dispose();
  });

  it('embedding gradients (gather) work on wasm and equal cpu', async () => {
    const table = random([7, 4]);
    const weights = random([2, 3, 4]);
    expectClose(
      await onBoth(() =>
        tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor2d([[1, 3, 3], [6, 0, 1]], [2, 3], 'int32')), tf.tensor3d(weights, [2, 3, 4]))))(tf.tensor2d(table, [7, 4])),
      ),
    );
  });

  it('GatherV2 by rows: any axis, float32 and int32 tables, repeated and 2-D indices', async () => {
    const x = random([5, 4, 3]);
    const ints = Array.from({ length: 5 * 4 * 3 }, (_, i) => i - 7);
    expectClose(
      await onBoth(() => {
        const t = tf.tensor3d(x, [5, 4, 3]);
        const n = tf.tensor3d(ints, [5, 4, 3], 'int32');
        return [
          tf.gather(t, tf.tensor1d([4, 0, 0, 2], 'int32')),
          tf.gather(t, tf.tensor2d([[3, 1], [1, 0], [2, 2]], [3, 2], 'int32'), 1),
          tf.gather(t, tf.tensor1d([2, 0], 'int32'), 2),
          tf.gather(n, tf.tensor1d([1, 3], 'int32'), 1),
          tf.gather(tf.tensor1d(x.slice(0, 6)), tf.tensor1d([5, 5, 0], 'int32')),
        ];
      }),
      0,
    );
  });

  it('GatherV2 rejects an index outside the table, naming it', async () => {
    await initBackend('wasm');
    const table = tf.zeros([3, 2]);
    expect(() => tf.gather(table, tf.tensor1d([0, 3], 'int32'))).toThrow('GatherV2: the index value 3 is not in [0, 2]');
    expect(() => tf.gather(table, tf.tensor1d([-1], 'int32'))).toThrow('GatherV2: the index value -1 is not in [0, 2]');
    table.dispose();
  });

  it('Sum over leading axes (bias gradients), with and without keepDims; other reductions unchanged', async () => {
    const x = random([6, 5, 4]);
    expectClose(
      await onBoth(() => {
        const t = tf.tensor3d(x, [6, 5, 4]);
        return [tf.sum(t, 0), tf.sum(t, [0, 1]), tf.sum(t, [1, 0], true), tf.sum(t, 0, true), tf.sum(t, 2), tf.sum(t), tf.sum(t, [0, 2]), tf.sum(tf.tensor2d(x.slice(0, 20), [4, 5]), 0)];
      }),
      1e-6,
    );
  });

  it('a whole seq2seq model: loss and every gradient agree', async () => {
    const split = { source: randomIds(rng, 4, 4, 11, 3, 7), target: randomIds(rng, 4, 4, 11, 2, 6) };
    const model = new Seq2SeqModel({ config: { embeddingDim: 8, hiddenDim: 12, layers: 2, bidirectional: true, attention: 'additive' }, sourceVocabSize: 12, targetVocabSize: 12, seed: 1 });
    expectClose(
      await onBoth(() => {
        const batch = makeSeq2SeqBatch(split, [0, 1, 2, 3]);
        const { value, grads } = tf.variableGrads(() => model.forward(batch, { training: false, teacherForcing: { ratio: 1 } }).loss, [...model.trainableVariables]);
        return [value, ...model.trainableVariables.map((v) => grads[v.name] as tf.Tensor)];
      }),
      1e-4,
    );
    model.dispose();
  });
});
