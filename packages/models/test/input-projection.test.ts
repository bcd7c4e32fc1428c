/**
 * Folding an embedding lookup into the input projection (src/nn/input-projection.ts): on wasm, a layer whose input
 * is exactly a lookup over a vocabulary smaller than T·B is projected through the table, (table W_ih + b)[ids];
 * values and every gradient must equal the plain projection of the looked-up rows, and the matmuls must really be
 * over V rows. Anything applied to the lookup (dropout), a larger vocabulary, and the cpu backend keep the plain
 * projection.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import { describe, expect, it } from 'vitest';
import { initBackend, InitialisationSchema } from '@bptt/models';
import { Embedding } from '../src/nn/embedding.ts';
import { projectSequence } from '../src/nn/input-projection.ts';
import { Parameters } from '../src/nn/parameters.ts';
import { RecurrentCell } from '../src/nn/recurrent-cell.ts';
import { maxAbsDiff } from './recurrent-reference.ts';

const [T, B, E, H] = [5, 4, 6, 8];

function setup(vocab: number) {
  const params = new Parameters(createRng('input-projection'), InitialisationSchema.parse({}));
  const embedding = new Embedding(params, 'emb', vocab, E);
  const cell = new RecurrentCell(params, 'cell', 'lstm', E, H);
  const rng = createRng('ids');
  const ids = tf.tensor2d(Array.from({ length: T * B }, () => rng.int(0, vocab - 1)), [T, B], 'int32');
  const weights = [embedding.weight, cell.W_ih, cell.b_ih as tf.Variable];
  const dispose = () => tf.dispose([...weights, cell.W_hh, ids]);
  return { embedding, cell, ids, weights, dispose };
}

/** Loss and gradients of a weighted sum of the projection, and the row counts of the matmuls that ran. */
function run(cell: RecurrentCell, weights: tf.Variable[], project: () => tf.Tensor3D) {
  const readout = tf.randomUniform([T, B, 4 * H], -1, 1, 'float32', 7);
  let matMulRows: number[] = [];
  const result = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(project(), readout)) as tf.Scalar, weights);
    return { value, grads: weights.map((w) => grads[w.name] as tf.Tensor) };
  });
  return tf.profile(() => tf.tidy(() => project())).then((info) => {
    matMulRows = info.kernels.filter((k) => k.name === 'BatchMatMul').map((k) => (k.inputShapes[0] as number[]).at(-2) as number);
    readout.dispose();
    return { ...result, matMulRows };
  });
}

describe('input projection of an embedding lookup', () => {
  it('on wasm: folded through the table when V < T·B, with the plain projection\'s values and gradients', async () => {
    await initBackend('wasm');
    const { embedding, cell, ids, weights, dispose } = setup(7);
    const table = () => embedding.weight as tf.Tensor as tf.Tensor2D;
    const folded = await run(cell, weights, () => projectSequence(cell, Embedding.lookup(table(), ids) as tf.Tensor3D));
    // tf.gather's result carries no lookup record: the plain [T·B]-row projection
    const plain = await run(cell, weights, () => projectSequence(cell, tf.gather(table(), ids) as tf.Tensor as tf.Tensor3D));
    expect(folded.matMulRows).toEqual([7]);
    expect(plain.matMulRows).toEqual([T * B]);
    expect(Math.abs(folded.value.dataSync()[0]! - plain.value.dataSync()[0]!)).toBeLessThan(1e-4);
    folded.grads.forEach((g, i) => expect(maxAbsDiff(g, plain.grads[i] as tf.Tensor)).toBeLessThan(1e-5));
    tf.dispose([folded.value, plain.value, ...folded.grads, ...plain.grads]);
    dispose();
  });

  it('keeps the plain projection for a vocabulary of T·B or more, for a lookup with anything applied, and on cpu', async () => {
    await initBackend('wasm');
    const large = setup(T * B);
    const table = large.embedding.weight as tf.Tensor as tf.Tensor2D;
    expect((await run(large.cell, large.weights, () => projectSequence(large.cell, Embedding.lookup(table, large.ids) as tf.Tensor3D))).matMulRows).toEqual([T * B]);
    large.dispose();
    const small = setup(7);
    const smallTable = small.embedding.weight as tf.Tensor as tf.Tensor2D;
    const scaled = () => tf.mul(Embedding.lookup(smallTable, small.ids), 2) as tf.Tensor3D;
    expect((await run(small.cell, small.weights, () => projectSequence(small.cell, scaled()))).matMulRows).toEqual([T * B]);
    await initBackend('cpu');
    expect((await run(small.cell, small.weights, () => projectSequence(small.cell, Embedding.lookup(smallTable, small.ids) as tf.Tensor3D))).matMulRows).toEqual([T * B]);
    small.dispose();
  });
});
