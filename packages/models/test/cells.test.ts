import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { gruStep, lstmStep } from '@bptt/models';
import { useTestBackend } from './helpers.ts';

// Reference steps in float64 JavaScript, written from the PyTorch documentation of nn.LSTM / nn.GRU
// (gate order i, f, g, o and r, z, n; weights here are [in, G·H], i.e. PyTorch's transposed).
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
function affine(x: number[], W: number[][], b: number[]): number[] {
  return b.map((bias, j) => bias + x.reduce((acc, xi, i) => acc + xi * (W[i]?.[j] as number), 0));
}
function randomMatrix(rows: number, cols: number, seed: string): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal() * 0.5));
}

beforeAll(async () => {
  await useTestBackend();
});

describe('LSTM and GRU steps follow PyTorch', () => {
  const B = 3;
  const I = 4;
  const H = 5;
  const x = randomMatrix(B, I, 'x');
  const h = randomMatrix(B, H, 'h');
  const c = randomMatrix(B, H, 'c');

  it('LSTM: i, f, g, o gates, c′ = f⊙c + i⊙g, h′ = o⊙tanh(c′)', () => {
    const Wih = randomMatrix(I, 4 * H, 'Wih');
    const Whh = randomMatrix(H, 4 * H, 'Whh');
    const b = randomMatrix(1, 4 * H, 'b')[0] as number[];
    const out = tf.tidy(() => {
      const xProj = tf.add(tf.matMul(tf.tensor2d(x), tf.tensor2d(Wih)), tf.tensor1d(b)) as tf.Tensor2D;
      const withTranspose = lstmStep(xProj, tf.tensor2d(h), tf.tensor2d(c), tf.tensor2d(Whh), tf.transpose(tf.tensor2d(Whh)));
      const plain = lstmStep(xProj, tf.tensor2d(h), tf.tensor2d(c), tf.tensor2d(Whh));
      return { h: withTranspose.h.arraySync(), c: withTranspose.c.arraySync(), hPlain: plain.h.arraySync() };
    });
    for (let n = 0; n < B; n++) {
      const gates = affine(x[n] as number[], Wih, affine(h[n] as number[], Whh, b));
      for (let j = 0; j < H; j++) {
        const i = sigmoid(gates[j] as number);
        const f = sigmoid(gates[H + j] as number);
        const g = Math.tanh(gates[2 * H + j] as number);
        const o = sigmoid(gates[3 * H + j] as number);
        const cNext = f * (c[n]?.[j] as number) + i * g;
        expect(out.c[n]?.[j]).toBeCloseTo(cNext, 5);
        expect(out.h[n]?.[j]).toBeCloseTo(o * Math.tanh(cNext), 5);
        expect(out.hPlain[n]?.[j]).toBeCloseTo(o * Math.tanh(cNext), 5);
      }
    }
  });

  it('GRU: r multiplies (W_hn h + b_hn), h′ = (1 - z)⊙n + z⊙h', () => {
    const Wih = randomMatrix(I, 3 * H, 'Wih');
    const Whh = randomMatrix(H, 3 * H, 'Whh');
    const bih = randomMatrix(1, 3 * H, 'bih')[0] as number[];
    const bhh = randomMatrix(1, 3 * H, 'bhh')[0] as number[];
    const out = tf.tidy(() => {
      const xProj = tf.add(tf.matMul(tf.tensor2d(x), tf.tensor2d(Wih)), tf.tensor1d(bih)) as tf.Tensor2D;
      return gruStep(xProj, tf.tensor2d(h), tf.tensor2d(h), tf.tensor2d(Whh), tf.tensor1d(bhh), tf.transpose(tf.tensor2d(Whh))).arraySync();
    });
    for (let n = 0; n < B; n++) {
      const xi = affine(x[n] as number[], Wih, bih);
      const hh = affine(h[n] as number[], Whh, bhh);
      for (let j = 0; j < H; j++) {
        const r = sigmoid((xi[j] as number) + (hh[j] as number));
        const z = sigmoid((xi[H + j] as number) + (hh[H + j] as number));
        const nGate = Math.tanh((xi[2 * H + j] as number) + r * (hh[2 * H + j] as number));
        expect(out[n]?.[j]).toBeCloseTo((1 - z) * nGate + z * (h[n]?.[j] as number), 5);
      }
    }
  });

  it('the recurrent matmul with a precomputed transpose has the same gradients as plain matMul', () => {
    const rng = createRng('rm');
    const hT = tf.tensor2d(randomMatrix(B, H, 'h2'));
    const W = tf.tensor2d(randomMatrix(H, 4 * H, 'W2'));
    const xProj = tf.tensor2d(randomMatrix(B, 4 * H, 'xp'));
    const cT = tf.tensor2d(c);
    const weights = tf.tensor2d(Array.from({ length: B }, () => Array.from({ length: H }, () => rng.normal())));
    const loss = (useTranspose: boolean) => (hIn: tf.Tensor, WIn: tf.Tensor) =>
      tf.sum(tf.mul(lstmStep(xProj, hIn as tf.Tensor2D, cT, WIn as tf.Tensor2D, useTranspose ? tf.transpose(WIn as tf.Tensor2D) : undefined).h, weights));
    const [dhA, dWA] = tf.grads(loss(true))([hT, W]);
    const [dhB, dWB] = tf.grads(loss(false))([hT, W]);
    const maxDiff = (a: tf.Tensor | undefined, b: tf.Tensor | undefined) => tf.tidy(() => tf.max(tf.abs(tf.sub(a as tf.Tensor, b as tf.Tensor))).dataSync()[0] as number);
    expect(maxDiff(dhA, dhB)).toBeLessThan(1e-6);
    expect(maxDiff(dWA, dWB)).toBeLessThan(1e-6);
    expect(tf.tidy(() => tf.sum(tf.abs(dWA as tf.Tensor)).dataSync()[0] as number)).toBeGreaterThan(0.1);
  });
});
