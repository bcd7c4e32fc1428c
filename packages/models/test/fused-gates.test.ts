/**
 * The fused gate kernels against an unrolled reference written here in plain tfjs ops (PyTorch's nn.LSTMCell and
 * nn.GRUCell equations): forward states and every gradient, over a few time steps so the gradient has to flow
 * back through time, from a zero state and from a carried (random) state.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { gruGates, lstmGates, lstmSequence, MEMORY_BACKENDS } from '../src/fused/index.ts';
import { expectSameValueAndGrads, maxAbsDiff, randomTensor, referenceGruStep, referenceLstmStep, TOLERANCE } from './recurrent-reference.ts';

const B = 3;
const I = 5;
const H = 4;
const T = 4;

interface Case {
  readonly carried: boolean;
}

const CASES: readonly Case[] = [{ carried: false }, { carried: true }];

/**
 * Widths for the LSTM and GRU tests: on wasm, H = 4 and H = 20 run the SIMD step kernels (one group of four units
 * per row; four groups at once plus one), H = 6 their JavaScript fallbacks (H not a multiple of 4).
 */
const LSTM_CASES: readonly (Case & { readonly H: number })[] = [
  { carried: false, H: 4 },
  { carried: true, H: 4 },
  { carried: true, H: 20 },
  { carried: true, H: 6 },
];

describe.each(MEMORY_BACKENDS)('fused gate kernels on %s', (backendName) => {
  beforeAll(async () => {
    expect(await tf.setBackend(backendName)).toBe(true);
  });

  test.each(LSTM_CASES)('lstmGates matches nn.LSTMCell unrolled over time (carried state: $carried, H = $H)', ({ carried, H }) => {
    const xs = Array.from({ length: T }, (_, t) => randomTensor(`lstm.x${t}`, [B, I], 1));
    const W_ih = randomTensor('lstm.W_ih', [I, 4 * H]);
    const W_hh = randomTensor('lstm.W_hh', [H, 4 * H]);
    const b = randomTensor('lstm.b', [4 * H]);
    const h0 = carried ? randomTensor('lstm.h0', [B, H], 1) : tf.zeros([B, H]);
    const c0 = carried ? randomTensor('lstm.c0', [B, H], 1) : tf.zeros([B, H]);
    // Weighted sums make every step's h and the final c matter to the loss with distinct weights.
    const hWeights = Array.from({ length: T }, (_, t) => randomTensor(`lstm.rh${t}`, [B, H], 1));
    const cWeight = randomTensor('lstm.rc', [B, H], 1);

    const run = (fused: boolean) => (W_ihV: tf.Tensor, W_hhV: tf.Tensor, bV: tf.Tensor, h0V: tf.Tensor, c0V: tf.Tensor, ...xsV: tf.Tensor[]) => {
      let h = h0V as tf.Tensor2D;
      let c = c0V as tf.Tensor2D;
      let loss = tf.scalar(0);
      for (let t = 0; t < T; t++) {
        const x = xsV[t] as tf.Tensor2D;
        const next = fused
          ? lstmGates(tf.add(tf.matMul(x, W_ihV as tf.Tensor2D), bV), tf.matMul(h, W_hhV as tf.Tensor2D), c)
          : referenceLstmStep(x, h, c, W_ihV as tf.Tensor2D, W_hhV as tf.Tensor2D, bV as tf.Tensor1D);
        h = next.h;
        c = next.c;
        loss = tf.add(loss, tf.sum(tf.mul(h, hWeights[t] as tf.Tensor)));
      }
      return tf.add(loss, tf.sum(tf.mul(c, cWeight))) as tf.Scalar;
    };
    const names = ['W_ih', 'W_hh', 'b', 'h0', 'c0', ...xs.map((_, t) => `x${t}`)];
    expectSameValueAndGrads(run(true), run(false), [W_ih, W_hh, b, h0, c0, ...xs], names);
  });

  test.each(LSTM_CASES)('lstmSequence matches nn.LSTM unrolled, with every step of h and c in the loss (carried state: $carried, H = $H)', ({ carried, H }) => {
    const xs = Array.from({ length: T }, (_, t) => randomTensor(`seq.x${t}`, [B, I], 1));
    const W_ih = randomTensor('seq.W_ih', [I, 4 * H]);
    const W_hh = randomTensor('seq.W_hh', [H, 4 * H]);
    const b = randomTensor('seq.b', [4 * H]);
    const h0 = carried ? randomTensor('seq.h0', [B, H], 1) : tf.zeros([B, H]);
    const c0 = carried ? randomTensor('seq.c0', [B, H], 1) : tf.zeros([B, H]);
    const hWeights = randomTensor('seq.rh', [T, B, H], 1);
    const cWeights = randomTensor('seq.rc', [T, B, H], 1);

    const fused = (W_ihV: tf.Tensor, W_hhV: tf.Tensor, bV: tf.Tensor, h0V: tf.Tensor, c0V: tf.Tensor, ...xsV: tf.Tensor[]): tf.Scalar => {
      // One matmul for every step's input projection, as a model would do it.
      const xProj = tf.reshape(tf.add(tf.matMul(tf.concat(xsV, 0) as tf.Tensor2D, W_ihV as tf.Tensor2D), bV), [T, B, 4 * H]) as tf.Tensor3D;
      const { h, c } = lstmSequence(xProj, h0V as tf.Tensor2D, c0V as tf.Tensor2D, W_hhV as tf.Tensor2D);
      return tf.add(tf.sum(tf.mul(h, hWeights)), tf.sum(tf.mul(c, cWeights))) as tf.Scalar;
    };
    const reference = (W_ihV: tf.Tensor, W_hhV: tf.Tensor, bV: tf.Tensor, h0V: tf.Tensor, c0V: tf.Tensor, ...xsV: tf.Tensor[]): tf.Scalar => {
      let h = h0V as tf.Tensor2D;
      let c = c0V as tf.Tensor2D;
      const hs: tf.Tensor[] = [];
      const cs: tf.Tensor[] = [];
      for (let t = 0; t < T; t++) {
        ({ h, c } = referenceLstmStep(xsV[t] as tf.Tensor2D, h, c, W_ihV as tf.Tensor2D, W_hhV as tf.Tensor2D, bV as tf.Tensor1D));
        hs.push(h);
        cs.push(c);
      }
      return tf.add(tf.sum(tf.mul(tf.stack(hs), hWeights)), tf.sum(tf.mul(tf.stack(cs), cWeights))) as tf.Scalar;
    };
    const names = ['W_ih', 'W_hh', 'b', 'h0', 'c0', ...xs.map((_, t) => `x${t}`)];
    expectSameValueAndGrads(fused, reference, [W_ih, W_hh, b, h0, c0, ...xs], names);
  });

  test.each([4, 6])('lstmSequence leaks no tensors, nor backend buffers, over a training step (H = %i)', (H) => {
    const xProj = randomTensor('leak.x', [T, B, 4 * H]) as tf.Tensor3D;
    const W = tf.variable(randomTensor('leak.W', [H, 4 * H]));
    const h0 = tf.zeros([B, H]) as tf.Tensor2D;
    const step = () => {
      const { value, grads } = tf.variableGrads(() => {
        const { h, c } = lstmSequence(xProj, h0, h0, W as tf.Tensor2D);
        return tf.add(tf.sum(h), tf.sum(c)) as tf.Scalar;
      }, [W]);
      tf.dispose([value, grads[W.name] as tf.Tensor]);
    };
    step();
    const before = { tensors: tf.memory().numTensors, buffers: tf.backend().numDataIds() };
    step();
    step();
    expect(tf.memory().numTensors).toBe(before.tensors);
    // On wasm the sequence kernels allocate below the engine, which does not count those buffers: ask the backend.
    expect(tf.backend().numDataIds()).toBe(before.buffers);
    W.dispose();
  });

  test('a sequence kernel that fails half-way leaves no backend buffers behind', () => {
    // Below the engine (wasm), the kernel owns what it allocates until it returns; make its third matmul throw.
    const original = tf.getKernel(tf.BatchMatMul, backendName);
    if (original === undefined) throw new Error(`no BatchMatMul kernel on ${backendName}`);
    const xProj = randomTensor('fail.x', [T, B, 4 * H]) as tf.Tensor3D;
    const W = randomTensor('fail.W', [H, 4 * H]) as tf.Tensor2D;
    const h0 = tf.zeros([B, H]) as tf.Tensor2D;
    tf.dispose(lstmSequence(xProj, h0, h0, W)); // warm: first-call allocations are not the kernel's
    const before = { tensors: tf.memory().numTensors, buffers: tf.backend().numDataIds() };
    let calls = 0;
    tf.unregisterKernel(tf.BatchMatMul, backendName);
    tf.registerKernel({
      ...original,
      kernelFunc: (args) => {
        calls += 1;
        if (calls === 3) throw new Error('injected matmul failure');
        return original.kernelFunc(args);
      },
    });
    try {
      expect(() => lstmSequence(xProj, h0, h0, W)).toThrow('injected matmul failure');
    } finally {
      tf.unregisterKernel(tf.BatchMatMul, backendName);
      tf.registerKernel(original);
    }
    expect(calls).toBe(3);
    expect(tf.memory().numTensors).toBe(before.tensors);
    // The backend's own count: buffers allocated below the engine are not in tf.memory().
    expect(tf.backend().numDataIds()).toBe(before.buffers);
    tf.dispose([xProj, W, h0]);
  });

  test('lstmGates returns the same states as the reference step, and runs as one kernel', () => {
    const x = randomTensor('one.x', [B, I], 1) as tf.Tensor2D;
    const h = randomTensor('one.h', [B, H], 1) as tf.Tensor2D;
    const c = randomTensor('one.c', [B, H], 1) as tf.Tensor2D;
    const W_ih = randomTensor('one.W_ih', [I, 4 * H]) as tf.Tensor2D;
    const W_hh = randomTensor('one.W_hh', [H, 4 * H]) as tf.Tensor2D;
    const b = randomTensor('one.b', [4 * H]) as tf.Tensor1D;
    const xProj = tf.add(tf.matMul(x, W_ih), b) as tf.Tensor2D;
    const hProj = tf.matMul(h, W_hh) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const fused = lstmGates(xProj, hProj, c);
    // Exactly h and c survive: the saved gate activations are released when no gradient is being recorded.
    expect(tf.memory().numTensors - before).toBe(2);
    const reference = referenceLstmStep(x, h, c, W_ih, W_hh, b);
    expect(maxAbsDiff(fused.h, reference.h)).toBeLessThan(TOLERANCE);
    expect(maxAbsDiff(fused.c, reference.c)).toBeLessThan(TOLERANCE);
  });

  test.each(LSTM_CASES)('gruGates matches nn.GRUCell unrolled over time (carried state: $carried, H = $H)', ({ carried, H }) => {
    const xs = Array.from({ length: T }, (_, t) => randomTensor(`gru.x${t}`, [B, I], 1));
    const W_ih = randomTensor('gru.W_ih', [I, 3 * H]);
    const W_hh = randomTensor('gru.W_hh', [H, 3 * H]);
    const b_ih = randomTensor('gru.b_ih', [3 * H]);
    const b_hh = randomTensor('gru.b_hh', [3 * H]);
    const h0 = carried ? randomTensor('gru.h0', [B, H], 1) : tf.zeros([B, H]);
    const hWeights = Array.from({ length: T }, (_, t) => randomTensor(`gru.rh${t}`, [B, H], 1));

    const run = (fused: boolean) => (W_ihV: tf.Tensor, W_hhV: tf.Tensor, b_ihV: tf.Tensor, b_hhV: tf.Tensor, h0V: tf.Tensor, ...xsV: tf.Tensor[]) => {
      let h = h0V as tf.Tensor2D;
      let loss = tf.scalar(0);
      for (let t = 0; t < T; t++) {
        const x = xsV[t] as tf.Tensor2D;
        h = fused
          ? gruGates(tf.add(tf.matMul(x, W_ihV as tf.Tensor2D), b_ihV), tf.add(tf.matMul(h, W_hhV as tf.Tensor2D), b_hhV), h)
          : referenceGruStep(x, h, W_ihV as tf.Tensor2D, W_hhV as tf.Tensor2D, b_ihV as tf.Tensor1D, b_hhV as tf.Tensor1D);
        loss = tf.add(loss, tf.sum(tf.mul(h, hWeights[t] as tf.Tensor)));
      }
      return loss as tf.Scalar;
    };
    const names = ['W_ih', 'W_hh', 'b_ih', 'b_hh', 'h0', ...xs.map((_, t) => `x${t}`)];
    expectSameValueAndGrads(run(true), run(false), [W_ih, W_hh, b_ih, b_hh, h0, ...xs], names);
  });

  test('inputs that are not float32 are refused, naming the kernel', () => {
    const c = tf.zeros([B, H]) as tf.Tensor2D;
    const ints = tf.zeros([B, 4 * H], 'int32') as tf.Tensor2D;
    expect(() => lstmGates(ints, tf.zeros([B, 4 * H]) as tf.Tensor2D, c)).toThrow('BpttLstmGates: inputs must be float32, got int32');
    if (backendName === 'wasm') {
      expect(() => lstmSequence(tf.zeros([T, B, 4 * H], 'int32') as tf.Tensor3D, c, c, tf.zeros([H, 4 * H]) as tf.Tensor2D)).toThrow(
        'BpttLstmSequence: xProj must be float32, got int32',
      );
    }
  });

  test('bad shapes are refused with the offending shape in the message', () => {
    const c = tf.zeros([B, H]) as tf.Tensor2D;
    const wrong = tf.zeros([B, 3 * H]) as tf.Tensor2D;
    const right = tf.zeros([B, 4 * H]) as tf.Tensor2D;
    expect(() => lstmGates(wrong, right, c)).toThrow(`BpttLstmGates: xProj must be [${B}, ${4 * H}] (c is [${B}, ${H}]), got [${B}, ${3 * H}]`);
    expect(() => gruGates(right, wrong, c)).toThrow(`BpttGruGates: xProj must be [${B}, ${3 * H}] (h is [${B}, ${H}]), got [${B}, ${4 * H}]`);
  });
});
