/**
 * The fused Adam kernel (src/fused/adam-update.ts) against Adam written out in tfjs ops on the same backend: equal
 * bit for bit, on cpu (the composite) and on wasm (the SIMD pass where the size is a multiple of 4, the composite
 * elsewhere), over several updates with the bias corrections of each.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import { describe, expect, it } from 'vitest';
import { adamUpdate, initBackend, type AdamUpdateScalars } from '@bptt/models';

const rng = createRng('adam-update');

/** The update as @bptt/train wrote it before the kernel existed (torch.optim.Adam's order of operations). */
function writtenOut(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: AdamUpdateScalars): tf.Tensor[] {
  return tf.tidy(() => {
    const mi = tf.add(tf.mul(m, s.beta1), tf.mul(g, 1 - s.beta1));
    const vi = tf.add(tf.mul(v, s.beta2), tf.mul(tf.square(g), 1 - s.beta2));
    const denom = tf.add(tf.div(tf.sqrt(vi), s.sqrtBiasCorrection2), s.eps);
    return [tf.sub(w, tf.mul(tf.div(mi, denom), s.stepSize)), mi, vi];
  });
}

describe.each(['cpu', 'wasm'] as const)('adamUpdate on %s', (backend) => {
  it.each([[[8]], [[3, 4]], [[64, 20]], [[5]], [[3, 7]]])('equals Adam written out in tfjs ops, bit for bit, over 4 updates (shape %j)', async (shape) => {
    await initBackend(backend);
    const n = shape.reduce((a, b) => a * b, 1);
    const random = (scale: number) => tf.tensor(Array.from({ length: n }, () => rng.normal() * scale), shape);
    let fused = [random(1), tf.zeros(shape), tf.zeros(shape)];
    let reference = fused.map((t) => t.clone());
    const [beta1, beta2, lr, eps] = [0.9, 0.999, 3e-3, 1e-8];
    for (let t = 1; t <= 4; t++) {
      const g = random(t === 3 ? 1e-6 : 2); // one step with tiny gradients, where eps matters
      const s = { beta1, beta2, eps, sqrtBiasCorrection2: Math.sqrt(1 - beta2 ** t), stepSize: lr / (1 - beta1 ** t) };
      const next = adamUpdate(fused[0] as tf.Tensor, g, fused[1] as tf.Tensor, fused[2] as tf.Tensor, s);
      const expected = writtenOut(reference[0] as tf.Tensor, g, reference[1] as tf.Tensor, reference[2] as tf.Tensor, s);
      tf.dispose([...fused, ...reference, g]);
      [fused, reference] = [next, expected];
      fused.forEach((f, i) => expect(f.dataSync()).toEqual((reference[i] as tf.Tensor).dataSync()));
    }
    // And it moved: the parameter is not where it started.
    expect((fused[1] as tf.Tensor).dataSync().some((x) => x !== 0)).toBe(true);
    tf.dispose([...fused, ...reference]);
  });

  it('refuses moments whose shape is not the parameter\'s', async () => {
    await initBackend(backend);
    const s = { beta1: 0.9, beta2: 0.999, eps: 1e-8, sqrtBiasCorrection2: 1, stepSize: 1 };
    expect(() => adamUpdate(tf.zeros([4]), tf.zeros([4]), tf.zeros([2, 2]), tf.zeros([4]), s)).toThrow('BpttAdamUpdate: m has shape [2, 2], the parameter [4]');
  });
});
