/**
 * TensorFlow's fused recurrent kernels (through tfjs-node) against the unrolled references: LSTMBlockCell,
 * BlockLSTMV2 and GRUBlockCell with their gradients, and the fused gate kernels' path on the
 * `tensorflow` backend. Skipped, with the reason, where tfjs-node does not load (see docs/native-tensorflow.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-backend-cpu';
import { gruGates, lstmGates } from '../src/fused/index.ts';
import {
  nativeGruBlockCell,
  nativeLstmCell,
  nativeLstmSequence,
  prepareNativeGruCell,
  prepareNativeLstmCell,
  setNativeStepKernels,
  tryLoadNativeTensorflow,
} from '../src/native/index.ts';
import { releaseFreedHeap } from '../src/native/load-pages.ts';
import {
  expectSameValueAndGrads,
  randomTensor,
  referenceGruStep,
  referenceLstmStep,
  referenceResetBeforeGruStep,
} from './recurrent-reference.ts';

// Before loading: the loader fills in its default when the variable is unset.
const presetThreads = process.env['TF_NUM_INTRAOP_THREADS'];
const status = tryLoadNativeTensorflow();
const PAGE_RELEASE_ADDON = path.join(import.meta.dirname, '..', 'native', 'page-release', 'build', 'Release', 'page_release.node');

/** Resident MiB of a library's read-only, non-executable mappings (the ones page-release gives back). */
function readOnlyResidentMiB(library: string): number {
  let kib = 0;
  let counting = false;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head !== null) counting = head[1] === 'r--p' && (head[2] ?? '').includes(library);
    else if (counting && line.startsWith('Rss:')) kib += Number(/(\d+)/.exec(line)?.[1] ?? 0);
  }
  return kib / 1024;
}
if (!status.available) {
  // Said once, plainly, so a skipped suite is never mistaken for a passing one.
  console.warn(`native-kernels.test.ts skipped: ${status.reason}`);
}

const B = 3;
const I = 6;
const H = 4;
const T = 4;
const CASES = [{ carried: false }, { carried: true }] as const;

describe.skipIf(!status.available)('TensorFlow fused kernels (tfjs-node)', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('tensorflow')).toBe(true);
  });

  test('releaseFreedHeap gives freed tensor memory back to the system when the page-release addon is built', () => {
    expect(releaseFreedHeap({ BPTT_NATIVE_PAGE_RELEASE: 'off' })).toBe(false);
    // 16 MiB of [64, 256] float32 tensors made and freed by TensorFlow: free pages for malloc_trim to return.
    const made = Array.from({ length: 256 }, (_, k) => tf.fill([64, 256], k));
    tf.dispose(made);
    expect(releaseFreedHeap()).toBe(existsSync(PAGE_RELEASE_ADDON) && process.platform === 'linux');
  });

  function lstmInputs(carried: boolean) {
    return {
      xs: Array.from({ length: T }, (_, t) => randomTensor(`native.x${t}`, [B, I], 1)),
      kernel: randomTensor('native.W_ih', [I, 4 * H]),
      recurrentKernel: randomTensor('native.W_hh', [H, 4 * H]),
      bias: randomTensor('native.b', [4 * H]),
      h0: carried ? randomTensor('native.h0', [B, H], 1) : tf.zeros([B, H]),
      c0: carried ? randomTensor('native.c0', [B, H], 1) : tf.zeros([B, H]),
      hWeights: Array.from({ length: T }, (_, t) => randomTensor(`native.rh${t}`, [B, H], 1)),
      cWeight: randomTensor('native.rc', [B, H], 1),
    };
  }

  /** Loss over an unrolled run: Σ_t <h_t, R_t> + <c_T, S>, with `step` the cell under test. */
  function unrolledLstmLoss(
    inputs: ReturnType<typeof lstmInputs>,
    step: (x: tf.Tensor2D, h: tf.Tensor2D, c: tf.Tensor2D, W_ih: tf.Tensor2D, W_hh: tf.Tensor2D, b: tf.Tensor1D) => { h: tf.Tensor2D; c: tf.Tensor2D },
  ) {
    return (W_ih: tf.Tensor, W_hh: tf.Tensor, b: tf.Tensor, h0: tf.Tensor, c0: tf.Tensor, ...xs: tf.Tensor[]): tf.Scalar => {
      let h = h0 as tf.Tensor2D;
      let c = c0 as tf.Tensor2D;
      let loss = tf.scalar(0);
      for (let t = 0; t < T; t++) {
        ({ h, c } = step(xs[t] as tf.Tensor2D, h, c, W_ih as tf.Tensor2D, W_hh as tf.Tensor2D, b as tf.Tensor1D));
        loss = tf.add(loss, tf.sum(tf.mul(h, inputs.hWeights[t] as tf.Tensor)));
      }
      return tf.add(loss, tf.sum(tf.mul(c, inputs.cWeight))) as tf.Scalar;
    };
  }

  const LSTM_NAMES = ['kernel', 'recurrentKernel', 'bias', 'h0', 'c0', ...Array.from({ length: T }, (_, t) => `x${t}`)];

  test.each(CASES)('nativeLstmCell (LSTMBlockCell) matches nn.LSTMCell (carried state: $carried)', ({ carried }) => {
    const inputs = lstmInputs(carried);
    const fused = unrolledLstmLoss(inputs, (x, h, c, W_ih, W_hh, b) =>
      // Prepared inside the step only to keep the test short; a model prepares once per forward pass.
      nativeLstmCell(x, h, c, prepareNativeLstmCell({ kernel: W_ih, recurrentKernel: W_hh, bias: b })),
    );
    const reference = unrolledLstmLoss(inputs, referenceLstmStep);
    const args = [inputs.kernel, inputs.recurrentKernel, inputs.bias, inputs.h0, inputs.c0, ...inputs.xs];
    expectSameValueAndGrads(fused, reference, args, LSTM_NAMES);
  });

  // 'auto': the step-kernels addon's kernels (BpttLstmGates, BpttGruGates and their gradients) where it is built;
  // 'off': the composed ops (for the LSTM's gradient, LSTMBlockCellGrad).
  const GATE_CASES = CASES.flatMap((c) => (['auto', 'off'] as const).map((stepKernels) => ({ ...c, stepKernels })));

  test.each(GATE_CASES)('lstmGates on the tensorflow backend matches nn.LSTMCell (carried state: $carried, step kernels: $stepKernels)', ({ carried, stepKernels }) => {
    setNativeStepKernels(stepKernels);
    try {
      const inputs = lstmInputs(carried);
      const fused = unrolledLstmLoss(inputs, (x, h, c, W_ih, W_hh, b) => lstmGates(tf.add(tf.matMul(x, W_ih), b), tf.matMul(h, W_hh), c));
      const reference = unrolledLstmLoss(inputs, referenceLstmStep);
      const args = [inputs.kernel, inputs.recurrentKernel, inputs.bias, inputs.h0, inputs.c0, ...inputs.xs];
      expectSameValueAndGrads(fused, reference, args, LSTM_NAMES);
    } finally {
      setNativeStepKernels('auto');
    }
  });

  test.each(CASES)('nativeLstmSequence (BlockLSTMV2) matches nn.LSTM unrolled (carried state: $carried)', ({ carried }) => {
    const inputs = lstmInputs(carried);
    const fused = (W_ih: tf.Tensor, W_hh: tf.Tensor, b: tf.Tensor, h0: tf.Tensor, c0: tf.Tensor, ...xs: tf.Tensor[]): tf.Scalar => {
      const weights = { kernel: W_ih as tf.Tensor2D, recurrentKernel: W_hh as tf.Tensor2D, bias: b as tf.Tensor1D };
      const { h, c } = nativeLstmSequence(tf.stack(xs) as tf.Tensor3D, h0 as tf.Tensor2D, c0 as tf.Tensor2D, weights);
      expect(h.shape).toEqual([T, B, H]);
      expect(c.shape).toEqual([T, B, H]);
      const hLoss = tf.sum(tf.mul(h, tf.stack(inputs.hWeights)));
      const cLast = tf.squeeze(tf.slice(c, [T - 1, 0, 0], [1, B, H]), [0]);
      return tf.add(hLoss, tf.sum(tf.mul(cLast, inputs.cWeight))) as tf.Scalar;
    };
    const reference = unrolledLstmLoss(inputs, referenceLstmStep);
    const args = [inputs.kernel, inputs.recurrentKernel, inputs.bias, inputs.h0, inputs.c0, ...inputs.xs];
    expectSameValueAndGrads(fused, reference, args, LSTM_NAMES);
  });

  test('nativeLstmSequence also carries gradient from every step of c (truncated-BPTT restarts read them)', () => {
    const inputs = lstmInputs(true);
    const cWeights = Array.from({ length: T }, (_, t) => randomTensor(`native.rcs${t}`, [B, H], 1));
    const fused = (W_ih: tf.Tensor, W_hh: tf.Tensor, b: tf.Tensor, h0: tf.Tensor, c0: tf.Tensor, ...xs: tf.Tensor[]): tf.Scalar => {
      const weights = { kernel: W_ih as tf.Tensor2D, recurrentKernel: W_hh as tf.Tensor2D, bias: b as tf.Tensor1D };
      const { c } = nativeLstmSequence(tf.stack(xs) as tf.Tensor3D, h0 as tf.Tensor2D, c0 as tf.Tensor2D, weights);
      return tf.sum(tf.mul(c, tf.stack(cWeights)));
    };
    const reference = (W_ih: tf.Tensor, W_hh: tf.Tensor, b: tf.Tensor, h0: tf.Tensor, c0: tf.Tensor, ...xs: tf.Tensor[]): tf.Scalar => {
      let h = h0 as tf.Tensor2D;
      let c = c0 as tf.Tensor2D;
      let loss = tf.scalar(0);
      for (let t = 0; t < T; t++) {
        ({ h, c } = referenceLstmStep(xs[t] as tf.Tensor2D, h, c, W_ih as tf.Tensor2D, W_hh as tf.Tensor2D, b as tf.Tensor1D));
        loss = tf.add(loss, tf.sum(tf.mul(c, cWeights[t] as tf.Tensor)));
      }
      return loss;
    };
    const args = [inputs.kernel, inputs.recurrentKernel, inputs.bias, inputs.h0, inputs.c0, ...inputs.xs];
    // x at the last step reaches c_T only through i, f, g (not o), so every argument still has a gradient.
    expectSameValueAndGrads(fused, reference, args, LSTM_NAMES);
  });

  function gruInputs(carried: boolean) {
    return {
      xs: Array.from({ length: T }, (_, t) => randomTensor(`native.gru.x${t}`, [B, I], 1)),
      kernel: randomTensor('native.gru.W_ih', [I, 3 * H]),
      recurrentKernel: randomTensor('native.gru.W_hh', [H, 3 * H]),
      bias: randomTensor('native.gru.b', [3 * H]),
      biasHh: randomTensor('native.gru.b_hh', [3 * H]),
      h0: carried ? randomTensor('native.gru.h0', [B, H], 1) : tf.zeros([B, H]),
      hWeights: Array.from({ length: T }, (_, t) => randomTensor(`native.gru.rh${t}`, [B, H], 1)),
    };
  }

  function unrolledGruLoss(inputs: ReturnType<typeof gruInputs>, step: (x: tf.Tensor2D, h: tf.Tensor2D, weights: tf.Tensor[]) => tf.Tensor2D) {
    return (h0: tf.Tensor, ...rest: tf.Tensor[]): tf.Scalar => {
      const xs = rest.slice(0, T);
      const weights = rest.slice(T);
      let h = h0 as tf.Tensor2D;
      let loss = tf.scalar(0);
      for (let t = 0; t < T; t++) {
        h = step(xs[t] as tf.Tensor2D, h, weights);
        loss = tf.add(loss, tf.sum(tf.mul(h, inputs.hWeights[t] as tf.Tensor)));
      }
      return loss;
    };
  }

  test.each(CASES)('nativeGruBlockCell (GRUBlockCell) matches a reset-before GRU (carried state: $carried)', ({ carried }) => {
    const inputs = gruInputs(carried);
    const fused = unrolledGruLoss(inputs, (x, h, [W_ih, W_hh, b]) =>
      nativeGruBlockCell(x, h, prepareNativeGruCell({ kernel: W_ih as tf.Tensor2D, recurrentKernel: W_hh as tf.Tensor2D, bias: b as tf.Tensor1D })),
    );
    const reference = unrolledGruLoss(inputs, (x, h, [W_ih, W_hh, b]) =>
      referenceResetBeforeGruStep(x, h, W_ih as tf.Tensor2D, W_hh as tf.Tensor2D, b as tf.Tensor1D),
    );
    const args = [inputs.h0, ...inputs.xs, inputs.kernel, inputs.recurrentKernel, inputs.bias];
    const names = ['h0', ...inputs.xs.map((_, t) => `x${t}`), 'kernel', 'recurrentKernel', 'bias'];
    expectSameValueAndGrads(fused, reference, args, names);
  });

  test.each(GATE_CASES)('gruGates on the tensorflow backend matches nn.GRUCell (carried state: $carried, step kernels: $stepKernels)', ({ carried, stepKernels }) => {
    setNativeStepKernels(stepKernels);
    try {
      const inputs = gruInputs(carried);
      const fused = unrolledGruLoss(inputs, (x, h, [W_ih, W_hh, b_ih, b_hh]) =>
        gruGates(tf.add(tf.matMul(x, W_ih as tf.Tensor2D), b_ih as tf.Tensor), tf.add(tf.matMul(h, W_hh as tf.Tensor2D), b_hh as tf.Tensor), h),
      );
      const reference = unrolledGruLoss(inputs, (x, h, [W_ih, W_hh, b_ih, b_hh]) =>
        referenceGruStep(x, h, W_ih as tf.Tensor2D, W_hh as tf.Tensor2D, b_ih as tf.Tensor1D, b_hh as tf.Tensor1D),
      );
      const args = [inputs.h0, ...inputs.xs, inputs.kernel, inputs.recurrentKernel, inputs.bias, inputs.biasHh];
      const names = ['h0', ...inputs.xs.map((_, t) => `x${t}`), 'W_ih', 'W_hh', 'b_ih', 'b_hh'];
      expectSameValueAndGrads(fused, reference, args, names);
    } finally {
      setNativeStepKernels('auto');
    }
  });

  test('the fused native ops leak no tensors in a training step', () => {
    const inputs = lstmInputs(true);
    const step = () => {
      const x = tf.stack(inputs.xs) as tf.Tensor3D;
      const weights = { kernel: inputs.kernel as tf.Tensor2D, recurrentKernel: inputs.recurrentKernel as tf.Tensor2D, bias: inputs.bias as tf.Tensor1D };
      const { grads, value } = tf.variableGrads(() => {
        const { h } = nativeLstmSequence(x, inputs.h0 as tf.Tensor2D, inputs.c0 as tf.Tensor2D, weights);
        const prepared = prepareNativeLstmCell(weights);
        const next = nativeLstmCell(inputs.xs[0] as tf.Tensor2D, inputs.h0 as tf.Tensor2D, inputs.c0 as tf.Tensor2D, prepared);
        return tf.add(tf.sum(h), tf.sum(next.c)) as tf.Scalar;
      }, [v]);
      tf.dispose([grads[v.name] as tf.Tensor, value, x]);
    };
    const v = tf.variable(inputs.kernel);
    inputs.kernel = v;
    step(); // first use may create lasting state inside tfjs (kernel setup); count from the second
    const before = tf.memory().numTensors;
    step();
    step();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the native loader and the native ops without the tensorflow backend', () => {
  test('tryLoadNativeTensorflow reports either a libtensorflow version or an actionable reason, and caches it', () => {
    const again = tryLoadNativeTensorflow();
    expect(again).toBe(status);
    if (again.available) {
      expect(again.tensorflowVersion).toMatch(/^\d+\.\d+\.\d+/);
      expect(again.tfjsNodeVersion).toBe('4.22.0');
      expect(again.intraOpThreads).toBe(presetThreads === undefined || presetThreads === '' ? 1 : Number(presetThreads));
      expect(process.env['TF_NUM_INTRAOP_THREADS']).toBe(String(again.intraOpThreads));
      if (existsSync(PAGE_RELEASE_ADDON)) {
        // native:install built the page-release addon: the symbol tables libtensorflow's loading read are given back.
        expect(again.loadPages).toMatchObject({ released: true });
        expect(again.loadPages.detail).toMatch(/^read-only pages of libtensorflow reclaimed after load \(\d+ mappings, \d+ MiB advised\)$/);
        // Measured without the release: ~120 MiB of these pages resident after load; the kernels run since
        // have touched only a little of them again.
        expect(readOnlyResidentMiB('libtensorflow')).toBeLessThan(40);
      } else {
        expect(again.loadPages.detail).toMatch(/page-release addon is not built|not on Linux|BPTT_NATIVE_PAGE_RELEASE=off/);
      }
    } else {
      expect(again.reason).toMatch(/native:install/);
    }
  });

  test('a native op on another backend fails with a message that names the fused alternative', async () => {
    expect(await tf.setBackend('cpu')).toBe(true);
    const x = tf.zeros([2, 2, 3]) as tf.Tensor3D;
    const state = tf.zeros([2, 4]) as tf.Tensor2D;
    const weights = { kernel: tf.zeros([3, 16]) as tf.Tensor2D, recurrentKernel: tf.zeros([4, 16]) as tf.Tensor2D, bias: tf.zeros([16]) as tf.Tensor1D };
    expect(() => nativeLstmSequence(x, state, state, weights)).toThrow(
      "nativeLstmSequence runs TensorFlow's own kernel and needs the active backend to be 'tensorflow', not 'cpu'; on other backends use lstmSequence",
    );
    expect(() => nativeGruBlockCell(tf.zeros([2, 3]) as tf.Tensor2D, state, {} as never)).toThrow("not 'cpu'");
  });
});
