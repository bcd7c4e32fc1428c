/**
 * The copy-free wasm Slice / Unpack / SplitV kernels give exactly what the cpu backend's (independent) kernels
 * give, for contiguous and strided boxes, every axis, ranks 1 to 5, float32 and int32.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { createRng } from '@bptt/data';
import { registerWasmSliceFix } from '../src/fused/index.ts';

const SHAPES = [[7], [4, 6], [3, 4, 5], [2, 3, 4, 5], [2, 2, 3, 2, 3]];

/** Runs `op` on the cpu backend and on the wasm backend, on the same values, and returns both results' values. */
async function onBothBackends(values: number[], shape: number[], dtype: 'float32' | 'int32', op: (x: tf.Tensor) => tf.Tensor | tf.Tensor[]) {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const x = tf.tensor(values, shape, dtype);
    const out = op(x);
    const list = Array.isArray(out) ? out : [out];
    return list.map((t) => ({ shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync()) }));
  };
  return { cpu: await run('cpu'), wasm: await run('wasm') };
}

describe('copy-free wasm Slice, Unpack and SplitV', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    registerWasmSliceFix();
    registerWasmSliceFix(); // idempotent
  });

  test.each(SHAPES)('slice boxes of shape %j match the cpu backend', async (...shape) => {
    const rng = createRng(`slice:${shape.join('x')}`);
    const size = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: size }, (_, i) => i + 0.5);
    for (let trial = 0; trial < 12; trial++) {
      const begin = shape.map((d) => rng.int(0, d - 1));
      const box = shape.map((d, a) => rng.int(trial % 3 === 0 ? d - (begin[a] as number) : 1, d - (begin[a] as number)));
      for (const dtype of ['float32', 'int32'] as const) {
        const { cpu, wasm } = await onBothBackends(values, shape, dtype, (x) => tf.slice(x, begin, box));
        expect(wasm, `begin ${begin} size ${box} ${dtype}`).toEqual(cpu);
      }
    }
  });

  test.each(SHAPES)('unstack on every axis of shape %j matches the cpu backend', async (...shape) => {
    const values = Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i - 3);
    for (let axis = 0; axis < shape.length; axis++) {
      const { cpu, wasm } = await onBothBackends(values, shape, 'float32', (x) => tf.unstack(x, axis));
      expect(wasm, `axis ${axis}`).toEqual(cpu);
      expect(wasm.length).toBe(shape[axis]);
    }
  });

  test('split into equal parts and into given sizes matches the cpu backend', async () => {
    const shape = [4, 6, 6];
    const values = Array.from({ length: 144 }, (_, i) => (i * 7) % 13);
    for (const [splits, axis] of [[2, 0], [3, 1], [[1, 2, 3], 2], [[4, 2], -1]] as const) {
      const { cpu, wasm } = await onBothBackends(values, shape, 'int32', (x) => tf.split(x, splits as number | number[], axis));
      expect(wasm, `split ${JSON.stringify(splits)} on axis ${axis}`).toEqual(cpu);
    }
  });

  test('the gradient through unstack and split still flows (their gradients are Pack and Concat)', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d([[1, 2, 3, 4], [5, 6, 7, 8]]);
    const g = tf.grad((t: tf.Tensor) => {
      const [a, b] = tf.unstack(t) as [tf.Tensor, tf.Tensor];
      const [c, d] = tf.split(a, [1, 3]) as [tf.Tensor, tf.Tensor];
      return tf.add(tf.add(tf.sum(tf.mul(c, 2)), tf.sum(tf.mul(d, 3))), tf.sum(tf.mul(b, b)));
    })(x);
    expect(Array.from(g.dataSync())).toEqual([2, 3, 3, 3, 10, 12, 14, 16]);
  });
});
