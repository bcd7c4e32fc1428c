import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { clipGradients, globalGradNorm } from '../src/clipping.ts';
import { useTestBackend } from './tiny-models.ts';

beforeAll(useTestBackend);

// ||(3, 4, 12)|| = 13: the classic 3-4-5 / 5-12-13 pair, split across two tensors of different rank.
const grads = (): tf.Tensor[] => [tf.tensor1d([3, -4]), tf.tensor2d([[12]])];
const values = (ts: readonly tf.Tensor[]): number[][] => ts.map((t) => Array.from(t.dataSync()));

describe('clipGradients', () => {
  it('global norm is the 2-norm over every element of every gradient', () => {
    expect(globalGradNorm(grads())).toBe(13);
    expect(globalGradNorm([])).toBe(0);
  });

  it('norm mode scales by max / (norm + 1e-6) when that is below 1 and reports the pre-clip norm', () => {
    const result = clipGradients(grads(), { mode: 'norm', max: 6.5 });
    const coefficient = Math.fround(6.5 / Math.fround(13 + 1e-6));
    expect(result.norm).toBe(13);
    expect(result.clipped).toBe(true);
    const [a, b] = values(result.grads);
    expect(a?.[0]).toBeCloseTo(3 * coefficient, 6);
    expect(a?.[1]).toBeCloseTo(-4 * coefficient, 6);
    expect(b?.[0]).toBeCloseTo(12 * coefficient, 6);
    expect(globalGradNorm(result.grads)).toBeCloseTo(6.5, 5);
  });

  it('norm mode leaves gradients untouched when the norm is within max (coefficient >= 1)', () => {
    const result = clipGradients(grads(), { mode: 'norm', max: 14 });
    expect(result.clipped).toBe(false);
    expect(result.norm).toBe(13);
    expect(values(result.grads)).toEqual([[3, -4], [12]]);
  });

  it('norm mode at exactly max still clips by (max / (max + 1e-6)), as PyTorch does', () => {
    expect(clipGradients(grads(), { mode: 'norm', max: 13 }).clipped).toBe(true);
  });

  it('value mode clamps every element to [-max, max] and still reports the pre-clip norm', () => {
    const result = clipGradients(grads(), { mode: 'value', max: 3.5 });
    expect(values(result.grads)).toEqual([[3, -3.5], [3.5]]);
    expect(result.norm).toBe(13);
    expect(result.clipped).toBe(true);
    const loose = clipGradients(grads(), { mode: 'value', max: 12 });
    expect(loose.clipped).toBe(false);
    expect(values(loose.grads)).toEqual([[3, -4], [12]]);
  });

  it('none mode copies the gradients and reports the norm', () => {
    const result = clipGradients(grads(), { mode: 'none' });
    expect(result).toMatchObject({ norm: 13, clipped: false });
    expect(values(result.grads)).toEqual([[3, -4], [12]]);
  });
});
