/**
 * The step-kernels addon's TensorFlow ops (packages/models/native/step-kernels, src/native/step-kernels.ts):
 * BpttLstmCell against the gate math composed from TensorFlow's own ops and the padding carry of
 * nn/run-sequence.ts, BpttLstmCellGrad against LSTMBlockCellGrad with the same carry, BpttLstmGates(Grad) and
 * BpttGruGates(Grad) against the cpu backend's kernels and as the fused gate ops' one kernel each way,
 * BpttLstmSequence(Grad) against BpttLstmCell(Grad) step after step (and, in C, on 1 to 3 threads), the accuracy
 * of the addon's own sigmoid and tanh against float64, and its shape errors. graphLstmSequence with and without these kernels is
 * tested against the unrolled reference in native-graph-lstm.test.ts. Skipped, with the reason, where tfjs-node
 * does not load or the addon is not built (`npm run native:install` builds it; CI does).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { GRU_GATES, GRU_GATES_GRAD, gruGates, gruGatesBackward, gruGatesForward } from '../src/fused/gru-gates.ts';
import { LSTM_GATES, LSTM_GATES_GRAD, lstmGates, lstmGatesBackward, lstmGatesForward } from '../src/fused/lstm-gates.ts';
import {
  fusedLstmStep,
  fusedLstmStepGrad,
  nativeStepKernels,
  nativeKernelBackend,
  setNativeStepKernels,
  traceNativeFunction,
  tryLoadNativeTensorflow,
} from '../src/native/index.ts';
import { lstmBlockCellGrad } from '../src/native/lstm-block.ts';
import { gruSequence, gruSequenceGrad, lstmSequence, lstmSequenceGrad, nativeSequenceThreadsFromEnv } from '../src/native/step-kernels.ts';
import { carryThroughPadding } from '../src/nn/run-sequence.ts';
import { maxAbsDiff, randomTensor } from './recurrent-reference.ts';

const status = tryLoadNativeTensorflow();
const ADDON = path.join(import.meta.dirname, '..', 'native', 'step-kernels', 'build', 'Release', 'step_kernels.node');
const built = existsSync(ADDON) && process.platform === 'linux';
if (!status.available) console.warn(`native-step-kernels.test.ts skipped: ${status.reason}`);
else if (!built) console.warn('native-step-kernels.test.ts: the step-kernels addon is not built; only its absence is checked');

const B = 3;
const H = 5;
/** Row 0 real, row 1 padding, row 2 a fractional mask (not used by padding, but defined by the formula). */
const MASK = [1, 0, 0.5];

test('BPTT_NATIVE_SEQUENCE_THREADS is a whole number from 1 to 8, or unset; anything else is refused, naming the variable and value', () => {
  const read = (value: string | undefined) => nativeSequenceThreadsFromEnv(value === undefined ? {} : { BPTT_NATIVE_SEQUENCE_THREADS: value });
  expect(read(undefined)).toBeUndefined();
  expect(read('')).toBeUndefined();
  expect(read('1')).toBe(1);
  expect(read('8')).toBe(8);
  for (const bad of ['0', '9', '2.5', 'two', ' 2', '-1']) expect(() => read(bad), bad).toThrow(`BPTT_NATIVE_SEQUENCE_THREADS: expected a whole number from 1 to 8, got "${bad}"`);
});

describe.skipIf(!status.available)('lstm step kernels (step-kernels addon)', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('tensorflow')).toBe(true);
  });

  test('are available exactly when the addon is built, and BPTT_NATIVE_STEP_KERNELS=off turns them off', () => {
    expect(nativeStepKernels().available, nativeStepKernels().detail).toBe(built);
    setNativeStepKernels('off');
    try {
      expect(nativeStepKernels()).toEqual({ available: false, sequence: false, detail: 'skipped (BPTT_NATIVE_STEP_KERNELS=off)' });
    } finally {
      setNativeStepKernels('auto');
    }
  });

  describe.skipIf(!built)('with the addon built', () => {
    test('sigmoid and tanh match float64 within 2e-7 from -40 to 40, tanh relatively within 1e-6 near 0', () => {
      // Every gate column gets the same pre-activation; c_prev = 0, so c = i ci and co = tanh(i ci).
      const grid = [...Array.from({ length: 801 }, (_, k) => -40 + k * 0.1), 1e-30, -1e-8, 1e-4, 0.0624999, 0.0625, 0.0625001, 0.3, -87, 89, 200];
      const columns = grid.length;
      const z = tf.tensor2d([grid], [1, columns]);
      const xw = tf.concat([z, z, z, z], 1) as tf.Tensor2D;
      const zeros = tf.zeros([1, columns]) as tf.Tensor2D;
      const step = fusedLstmStep(xw, tf.zeros([1, 4 * columns]) as tf.Tensor2D, zeros, zeros, tf.ones([1, 1]) as tf.Tensor2D);
      const i = step.gates.i.dataSync();
      const ci = step.gates.ci.dataSync();
      grid.forEach((x, k) => {
        const sigmoid = 1 / (1 + Math.exp(-x));
        expect(Math.abs((i[k] as number) - sigmoid), `sigmoid(${x})`).toBeLessThan(2e-7);
        expect(Math.abs((ci[k] as number) - Math.tanh(x)), `tanh(${x})`).toBeLessThan(2e-7);
        if (Math.abs(x) < 1) expect(Math.abs((ci[k] as number) - Math.tanh(x)), `tanh(${x}) relative`).toBeLessThanOrEqual(1e-6 * Math.abs(x));
      });
    });

    test('BpttLstmCell equals the composed gate math and run-sequence\'s padding carry; exact where the mask is 1 or 0', () => {
      const xw = randomTensor('step-kernels.xw', [B, 4 * H], 3) as tf.Tensor2D;
      const hu = randomTensor('step-kernels.hu', [B, 4 * H], 3) as tf.Tensor2D;
      const cPrev = randomTensor('step-kernels.c', [B, H], 2) as tf.Tensor2D;
      const hPrev = randomTensor('step-kernels.h', [B, H], 1) as tf.Tensor2D;
      const mask = tf.tensor2d(MASK, [B, 1]);
      const got = fusedLstmStep(xw, hu, cPrev, hPrev, mask);
      const [zi, zci, zf, zo] = tf.split(tf.add(xw, hu), 4, 1) as tf.Tensor2D[];
      const i = tf.sigmoid(zi!);
      const ci = tf.tanh(zci!);
      const f = tf.sigmoid(zf!);
      const o = tf.sigmoid(zo!);
      const c: tf.Tensor2D = tf.add(tf.mul(f, cPrev), tf.mul(i, ci));
      const co = tf.tanh(c);
      const h: tf.Tensor2D = tf.mul(o, co);
      const want = { i, ci, f, o, co };
      for (const name of ['i', 'ci', 'f', 'o', 'co'] as const) expect(maxAbsDiff(got.gates[name], want[name]), name).toBeLessThan(1e-6);
      const carried = carryThroughPadding({ h, c }, { h: hPrev, c: cPrev }, mask);
      expect(maxAbsDiff(got.h, carried.h)).toBeLessThan(1e-6);
      expect(maxAbsDiff(got.c, carried.c!)).toBeLessThan(1e-6);
      const row = (x: tf.Tensor2D, r: number) => Array.from(x.dataSync().slice(r * H, (r + 1) * H));
      // Mask 1: the new state itself (no h_prev + 1 (h' - h_prev) rounding); mask 0: the previous state, bit for bit.
      expect(row(got.c, 0)).toEqual(row(tf.add(tf.mul(got.gates.f, cPrev), tf.mul(got.gates.i, got.gates.ci)), 0));
      expect(row(got.h, 0)).toEqual(row(tf.mul(got.gates.o, got.gates.co), 0));
      expect(row(got.c, 1)).toEqual(row(cPrev, 1));
      expect(row(got.h, 1)).toEqual(row(hPrev, 1));
    });

    test('BpttLstmCellGrad equals LSTMBlockCellGrad with the padding carry composed around it', () => {
      const step = fusedLstmStep(
        randomTensor('step-kernels.gxw', [B, 4 * H], 2) as tf.Tensor2D,
        randomTensor('step-kernels.ghu', [B, 4 * H], 2) as tf.Tensor2D,
        randomTensor('step-kernels.gc', [B, H], 2) as tf.Tensor2D,
        randomTensor('step-kernels.gh', [B, H], 1) as tf.Tensor2D,
        tf.ones([B, 1]) as tf.Tensor2D,
      );
      const cPrev = randomTensor('step-kernels.gc', [B, H], 2) as tf.Tensor2D;
      const dhLater = randomTensor('step-kernels.dh', [B, H], 1) as tf.Tensor2D;
      const dy = randomTensor('step-kernels.dy', [B, H], 1) as tf.Tensor2D;
      const dc = randomTensor('step-kernels.dc', [B, H], 1) as tf.Tensor2D;
      const mask = tf.tensor2d(MASK, [B, 1]);
      const got = fusedLstmStepGrad(step.gates, cPrev, dhLater, dy, dc, mask);
      const dh: tf.Tensor2D = tf.add(dhLater, dy);
      const dhCell: tf.Tensor2D = tf.mul(mask, dh);
      const dcCell: tf.Tensor2D = tf.mul(mask, dc);
      const want = lstmBlockCellGrad(step.gates, cPrev, dcCell, dhCell);
      expect(got.dicfo.shape).toEqual([B, 4 * H]);
      expect(maxAbsDiff(got.dicfo, want.dicfo)).toBeLessThan(1e-6);
      expect(maxAbsDiff(got.dcPrev, tf.add(want.dcPrev, tf.sub(dc, dcCell)))).toBeLessThan(1e-6);
      expect(maxAbsDiff(got.dhRest, tf.sub(dh, dhCell))).toBeLessThan(1e-6);
      // A padded row passes its gradients through untouched and sends none into the gates.
      const row = (x: tf.Tensor2D, r: number, width = H) => Array.from(x.dataSync().slice(r * width, (r + 1) * width));
      expect(row(got.dicfo, 1, 4 * H).every((v) => v === 0)).toBe(true); // +0 or -0
      expect(row(got.dcPrev, 1)).toEqual(row(dc, 1));
      expect(row(got.dhRest, 1)).toEqual(row(dh, 1));
    });

    test('BpttLstmGates and BpttLstmGatesGrad (the fused gate op\'s tensorflow kernels) equal the cpu kernel\'s float64 math', () => {
      const xProj = randomTensor('step-kernels.xp', [B, 4 * H], 3) as tf.Tensor2D;
      const hProj = randomTensor('step-kernels.hp', [B, 4 * H], 3) as tf.Tensor2D;
      const c = randomTensor('step-kernels.c', [B, H], 2) as tf.Tensor2D;
      const [h, cNew, saved] = tf.engine().runKernel(LSTM_GATES, { xProj, hProj, c }) as tf.Tensor2D[];
      const want = { h: new Float32Array(B * H), c: new Float32Array(B * H), saved: new Float32Array(B * 5 * H) };
      lstmGatesForward(B, H, xProj.dataSync() as Float32Array, hProj.dataSync() as Float32Array, c.dataSync() as Float32Array, want.h, want.c, want.saved);
      expect(maxAbsDiff(h!, tf.tensor2d(want.h, [B, H]))).toBeLessThan(1e-6);
      expect(maxAbsDiff(cNew!, tf.tensor2d(want.c, [B, H]))).toBeLessThan(1e-6);
      expect(maxAbsDiff(saved!, tf.tensor2d(want.saved, [B, 5 * H]))).toBeLessThan(1e-6);
      const dh = randomTensor('step-kernels.gdh', [B, H], 1) as tf.Tensor2D;
      const dcNew = randomTensor('step-kernels.gdc', [B, H], 1) as tf.Tensor2D;
      const [dz, dc] = tf.engine().runKernel(LSTM_GATES_GRAD, { saved: saved!, c, dh, dcNew }) as tf.Tensor2D[];
      const wantGrad = { dz: new Float32Array(B * 4 * H), dc: new Float32Array(B * H) };
      lstmGatesBackward(B, H, saved!.dataSync() as Float32Array, c.dataSync() as Float32Array, dh.dataSync() as Float32Array, dcNew.dataSync() as Float32Array, wantGrad.dz, wantGrad.dc);
      expect(maxAbsDiff(dz!, tf.tensor2d(wantGrad.dz, [B, 4 * H]))).toBeLessThan(1e-6);
      expect(maxAbsDiff(dc!, tf.tensor2d(wantGrad.dc, [B, H]))).toBeLessThan(1e-6);
    });

    test('BpttGruGates and BpttGruGatesGrad (the fused GRU op\'s tensorflow kernels) equal the cpu kernel\'s float64 math', () => {
      const xProj = randomTensor('step-kernels.gru.xp', [B, 3 * H], 3) as tf.Tensor2D;
      const hProj = randomTensor('step-kernels.gru.hp', [B, 3 * H], 3) as tf.Tensor2D;
      const h = randomTensor('step-kernels.gru.h', [B, H], 1) as tf.Tensor2D;
      const [hNew, gates] = tf.engine().runKernel(GRU_GATES, { xProj, hProj, h }) as tf.Tensor2D[];
      const want = { h: new Float32Array(B * H), gates: new Float32Array(B * 3 * H) };
      gruGatesForward(B, H, xProj.dataSync() as Float32Array, hProj.dataSync() as Float32Array, h.dataSync() as Float32Array, want.h, want.gates);
      expect(maxAbsDiff(hNew!, tf.tensor2d(want.h, [B, H]))).toBeLessThan(1e-6);
      expect(maxAbsDiff(gates!, tf.tensor2d(want.gates, [B, 3 * H]))).toBeLessThan(1e-6);
      const dhNew = randomTensor('step-kernels.gru.dh', [B, H], 1) as tf.Tensor2D;
      const [dxProj, dhProj, dh] = tf.engine().runKernel(GRU_GATES_GRAD, { gates: gates!, hProj, h, dhNew }) as tf.Tensor2D[];
      const wantGrad = { dxProj: new Float32Array(B * 3 * H), dhProj: new Float32Array(B * 3 * H), dh: new Float32Array(B * H) };
      gruGatesBackward(B, H, gates!.dataSync() as Float32Array, hProj.dataSync() as Float32Array, h.dataSync() as Float32Array, dhNew.dataSync() as Float32Array, wantGrad.dxProj, wantGrad.dhProj, wantGrad.dh);
      expect(maxAbsDiff(dxProj!, tf.tensor2d(wantGrad.dxProj, [B, 3 * H]))).toBeLessThan(1e-6);
      expect(maxAbsDiff(dhProj!, tf.tensor2d(wantGrad.dhProj, [B, 3 * H]))).toBeLessThan(1e-6);
      expect(maxAbsDiff(dh!, tf.tensor2d(wantGrad.dh, [B, H]))).toBeLessThan(1e-6);
    });

    /** The ops of a traced forward + backward of `step` under a step-kernels setting, counted by type. */
    function tracedOps(choice: 'auto' | 'off', inputs: tf.Tensor[], step: (...xs: tf.Tensor[]) => tf.Scalar): Map<string, number> {
      setNativeStepKernels(choice);
      try {
        const { trace } = traceNativeFunction(nativeKernelBackend('test'), inputs, () => {
          const { value, grads } = tf.valueAndGrads(step)(inputs);
          return [value, ...grads];
        });
        if (!trace.ok) throw new Error(`not traced: ${trace.reason}`);
        const counts = new Map<string, number>();
        for (const node of trace.graph.nodes) counts.set(node.op, (counts.get(node.op) ?? 0) + 1);
        return counts;
      } finally {
        setNativeStepKernels('auto');
      }
    }

    test('a step of the step-by-step recurrence runs as one kernel each way (traced: BpttLstmGates, BpttGruGates and their gradients)', () => {
      const lstmInputs = [randomTensor('step-kernels.txp', [B, 4 * H]), randomTensor('step-kernels.th', [B, H]), randomTensor('step-kernels.tc', [B, H]), randomTensor('step-kernels.tu', [H, 4 * H])];
      const lstmStep = (xProj: tf.Tensor, h: tf.Tensor, c: tf.Tensor, U: tf.Tensor): tf.Scalar => {
        const next = lstmGates(xProj as tf.Tensor2D, tf.matMul(h, U) as tf.Tensor2D, c as tf.Tensor2D);
        return tf.add(tf.sum(next.h), tf.sum(next.c)) as tf.Scalar;
      };
      const fused = tracedOps('auto', lstmInputs, lstmStep as (...xs: tf.Tensor[]) => tf.Scalar);
      expect(fused.get('BpttLstmGates')).toBe(1);
      expect(fused.get('BpttLstmGatesGrad')).toBe(1);
      expect(fused.get('Sigmoid')).toBeUndefined();
      expect(fused.get('LSTMBlockCellGrad')).toBeUndefined();
      const composed = tracedOps('off', lstmInputs, lstmStep as (...xs: tf.Tensor[]) => tf.Scalar);
      expect(composed.get('BpttLstmGates')).toBeUndefined();
      expect(composed.get('Sigmoid')).toBe(3);
      expect(composed.get('LSTMBlockCellGrad')).toBe(1);

      const gruInputs = [randomTensor('step-kernels.gxp', [B, 3 * H]), randomTensor('step-kernels.gth', [B, H]), randomTensor('step-kernels.gtu', [H, 3 * H])];
      const gruStep = (xProj: tf.Tensor, h: tf.Tensor, U: tf.Tensor): tf.Scalar =>
        tf.sum(gruGates(xProj as tf.Tensor2D, tf.matMul(h, U) as tf.Tensor2D, h as tf.Tensor2D)) as tf.Scalar;
      const gru = tracedOps('auto', gruInputs, gruStep as (...xs: tf.Tensor[]) => tf.Scalar);
      expect(gru.get('BpttGruGates')).toBe(1);
      expect(gru.get('BpttGruGatesGrad')).toBe(1);
      expect(gru.get('Sigmoid')).toBeUndefined();
      const gruComposed = tracedOps('off', gruInputs, gruStep as (...xs: tf.Tensor[]) => tf.Scalar);
      expect(gruComposed.get('BpttGruGates')).toBeUndefined();
      expect(gruComposed.get('Sigmoid')).toBe(2);
    });

    test('a wrongly shaped input is refused with the op, the input and the shape it needs', () => {
      const x = tf.zeros([B, 4 * H]) as tf.Tensor2D;
      const s = tf.zeros([B, H]) as tf.Tensor2D;
      expect(() => fusedLstmStep(x, x, s, s, tf.ones([B, 2]) as tf.Tensor2D)).toThrow(/BpttLstmCell: input 4 must be float32 \[3, 1\]/);
      expect(() => fusedLstmStep(x, tf.zeros([B, 4 * H + 1]) as tf.Tensor2D, s, s, tf.ones([B, 1]) as tf.Tensor2D)).toThrow(/BpttLstmCell: input 1 must be float32 \[3, 20\]/);
      const g = { i: s, ci: s, f: s, o: s, co: s };
      expect(() => fusedLstmStepGrad(g, s, s, s, tf.zeros([B + 1, H]) as tf.Tensor2D, tf.ones([B, 1]) as tf.Tensor2D)).toThrow(/BpttLstmCellGrad: input 8 must be float32 \[3, 5\]/);
    });

    describe('BpttLstmSequence, BpttGruSequence and their gradients (a layer\'s whole recurrence, units split over threads)', () => {
      // 67 units: split 48 + 19 over two threads, neither a multiple of the matmul's blocks; rows of lengths 1 to 5.
      const T = 5;
      const SB = 4;
      const SH = 67;
      const LENGTHS = [5, 3, 1, 4];
      const hasFma = /^flags\s*:.*\bfma\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
      const maskAt = (t: number) => tf.tensor2d(LENGTHS.map((n) => (t < n ? 1 : 0)), [SB, 1]);
      const inputs = () => ({
        xw: randomTensor('sequence.xw', [T, SB, 4 * SH], 2) as tf.Tensor3D,
        u: randomTensor('sequence.u', [SH, 4 * SH], 0.3) as tf.Tensor2D,
        h0: randomTensor('sequence.h0', [SB, SH], 0.8) as tf.Tensor2D,
        c0: randomTensor('sequence.c0', [SB, SH], 1.5) as tf.Tensor2D,
        masks: tf.stack(Array.from({ length: T }, (_, t) => maskAt(t))) as tf.Tensor3D,
      });

      test('are offered exactly where the CPU has FMA, and not with BPTT_NATIVE_STEP_KERNELS=steps', () => {
        expect(nativeStepKernels().sequence, nativeStepKernels().detail).toBe(hasFma);
        setNativeStepKernels('steps');
        try {
          expect(nativeStepKernels().available).toBe(true);
          expect(nativeStepKernels().sequence).toBe(false);
        } finally {
          setNativeStepKernels('auto');
        }
      });

      test.skipIf(!hasFma)('equal BpttLstmCell and BpttLstmCellGrad step after step with TensorFlow\'s matmuls, padding included', () => {
        const { xw, u, h0, c0, masks } = inputs();
        const dy = randomTensor('sequence.dy', [T, SB, SH], 1) as tf.Tensor3D;
        const dhT = randomTensor('sequence.dh', [SB, SH], 1) as tf.Tensor2D;
        const dcT = randomTensor('sequence.dc', [SB, SH], 1) as tf.Tensor2D;
        const whole = lstmSequence(xw, u, h0, c0, masks);
        const wholeGrad = lstmSequenceGrad(whole, c0, u, dy, dhT, dcT, masks);
        // The reference: one BpttLstmCell per position, forward; one BpttLstmCellGrad and dz Uᵀ per position, backward.
        const xs = tf.unstack(xw) as tf.Tensor2D[];
        const steps = [];
        let h = h0;
        let c = c0;
        for (let t = 0; t < T; t++) {
          const step = fusedLstmStep(xs[t]!, tf.matMul(h, u), c, h, maskAt(t));
          steps.push({ ...step, cPrev: c });
          h = step.h;
          c = step.c;
        }
        const at = (x: tf.Tensor3D, t: number) => tf.squeeze(tf.slice(x, [t, 0, 0], [1, -1, -1]), [0]);
        steps.forEach((step, t) => {
          const { i, ci, f, o, co } = step.gates;
          expect(maxAbsDiff(at(whole.h, t), step.h), `h at ${t}`).toBeLessThan(1e-5);
          expect(maxAbsDiff(at(whole.c, t), step.c), `c at ${t}`).toBeLessThan(1e-5);
          expect(maxAbsDiff(at(whole.gates, t), tf.concat([i, ci, f, o, co], 1)), `gates at ${t}`).toBeLessThan(1e-5);
        });
        // Padded rows carry their state exactly: row 2 (length 1) keeps its position-0 state to the end.
        expect(maxAbsDiff(tf.slice(at(whole.h, T - 1), [2, 0], [1, SH]), tf.slice(at(whole.h, 0), [2, 0], [1, SH]))).toBe(0);
        let dh = dhT;
        let dc = dcT;
        const dys = tf.unstack(dy) as tf.Tensor2D[];
        for (let t = T - 1; t >= 0; t--) {
          const step = steps[t]!;
          const grad = fusedLstmStepGrad(step.gates, step.cPrev, dh, dys[t]!, dc, maskAt(t));
          expect(maxAbsDiff(at(wholeGrad.dz, t), grad.dicfo), `dz at ${t}`).toBeLessThan(1e-5);
          dh = tf.add(tf.matMul(grad.dicfo, u, false, true), grad.dhRest);
          dc = grad.dcPrev;
        }
        expect(maxAbsDiff(wholeGrad.dh0, dh)).toBeLessThan(1e-5);
        expect(maxAbsDiff(wholeGrad.dc0, dc)).toBeLessThan(1e-5);
        // Not vacuous: the gradients reaching the initial state are not small.
        expect(tf.max(tf.abs(dh)).dataSync()[0]).toBeGreaterThan(0.1);
      });

      test.skipIf(!hasFma)('a wrongly shaped input is refused with the op, the input and the shape it needs', () => {
        const { xw, u, h0, c0, masks } = inputs();
        expect(() => lstmSequence(xw, tf.zeros([SH, 4 * SH + 1]) as tf.Tensor2D, h0, c0, masks)).toThrow(/BpttLstmSequence: input 1 \(u\) must be float32 \[67, 268\]/);
        expect(() => lstmSequence(xw, u, h0, c0, tf.ones([T, SB, 2]) as tf.Tensor3D)).toThrow(/BpttLstmSequence: input 4 \(mask\) must be float32 \[5, 4, 1\]/);
        expect(() => lstmSequence(tf.zeros([SB, 4 * SH]) as unknown as tf.Tensor3D, u, h0, c0, masks)).toThrow(/BpttLstmSequence: input 0 \(xw\) must be rank 3, got rank 2/);
        const whole = lstmSequence(xw, u, h0, c0, masks);
        expect(() => lstmSequenceGrad(whole, c0, u, tf.zeros([T, SB, SH + 1]) as tf.Tensor3D, h0, c0, masks)).toThrow(/BpttLstmSequenceGrad: input 4 \(dy\) must be float32 \[5, 4, 67\]/);
      });

      describe('BpttGruSequence and BpttGruSequenceGrad', () => {
        const gruInputs = () => ({
          xp: randomTensor('gru-sequence.xp', [T, SB, 3 * SH], 2) as tf.Tensor3D,
          w: randomTensor('gru-sequence.w', [SH, 3 * SH], 0.3) as tf.Tensor2D,
          b: randomTensor('gru-sequence.b', [3 * SH], 0.5) as tf.Tensor1D,
          h0: randomTensor('gru-sequence.h0', [SB, SH], 0.8) as tf.Tensor2D,
          masks: tf.stack(Array.from({ length: T }, (_, t) => maskAt(t))) as tf.Tensor3D,
        });

        test.skipIf(!hasFma)('equal BpttGruGates and BpttGruGatesGrad step after step with TensorFlow\'s matmuls, padding included', () => {
          const { xp, w, b, h0, masks } = gruInputs();
          const dy = randomTensor('gru-sequence.dy', [T, SB, SH], 1) as tf.Tensor3D;
          const dhT = randomTensor('gru-sequence.dh', [SB, SH], 1) as tf.Tensor2D;
          const whole = gruSequence(xp, w, b, h0, masks);
          const wholeGrad = gruSequenceGrad(whole, h0, w, dy, dhT, masks);
          // The reference: h W_hh + b_hh, one BpttGruGates and run-sequence's carry per position; backward one
          // BpttGruGatesGrad on the gradient reaching the cell, and dhp W_hhᵀ plus the direct and carried parts.
          const backend = nativeKernelBackend('test');
          const xs = tf.unstack(xp) as tf.Tensor2D[];
          const steps: { hp: tf.Tensor2D; gates: tf.Tensor2D; hPrev: tf.Tensor2D }[] = [];
          const at = (x: tf.Tensor3D, t: number) => tf.squeeze(tf.slice(x, [t, 0, 0], [1, -1, -1]), [0]);
          let h = h0;
          for (let t = 0; t < T; t++) {
            const hp = tf.add(tf.matMul(h, w), b) as tf.Tensor2D;
            const [hNew, gates] = backend.executeMultipleOutputs('BpttGruGates', [], [xs[t]!, hp, h], 2) as tf.Tensor2D[];
            const carried = carryThroughPadding({ h: hNew! }, { h }, maskAt(t)).h;
            expect(maxAbsDiff(at(whole.h, t), carried), `h at ${t}`).toBeLessThan(1e-5);
            expect(maxAbsDiff(at(whole.saved, t), tf.concat([gates!, tf.slice(hp, [0, 2 * SH], [SB, SH])], 1)), `saved at ${t}`).toBeLessThan(1e-5);
            steps.push({ hp, gates: gates!, hPrev: h });
            h = carried;
          }
          // Padded rows carry their state exactly: row 2 (length 1) keeps its position-0 state to the end.
          expect(maxAbsDiff(tf.slice(at(whole.h, T - 1), [2, 0], [1, SH]), tf.slice(at(whole.h, 0), [2, 0], [1, SH]))).toBe(0);
          let dh = dhT;
          const dys = tf.unstack(dy) as tf.Tensor2D[];
          for (let t = T - 1; t >= 0; t--) {
            const step = steps[t]!;
            const total = tf.add(dh, dys[t]!);
            const cell = tf.mul(total, maskAt(t));
            const [dxp, dhp, direct] = backend.executeMultipleOutputs('BpttGruGatesGrad', [], [step.gates, step.hp, step.hPrev, cell], 3) as tf.Tensor2D[];
            expect(maxAbsDiff(at(wholeGrad.dxp, t), dxp!), `dxp at ${t}`).toBeLessThan(1e-5);
            expect(maxAbsDiff(at(wholeGrad.dhp, t), dhp!), `dhp at ${t}`).toBeLessThan(1e-5);
            dh = tf.add(tf.add(tf.matMul(dhp!, w, false, true), direct!), tf.sub(total, cell)) as tf.Tensor2D;
          }
          expect(maxAbsDiff(wholeGrad.dh0, dh)).toBeLessThan(1e-5);
          // Not vacuous: the gradients reaching the initial state are not small.
          expect(tf.max(tf.abs(dh)).dataSync()[0]).toBeGreaterThan(0.1);
        });

        test.skipIf(!hasFma)('a wrongly shaped input is refused with the op, the input and the shape it needs', () => {
          const { xp, w, b, h0, masks } = gruInputs();
          expect(() => gruSequence(xp, w, tf.zeros([3 * SH + 1]) as tf.Tensor1D, h0, masks)).toThrow(/BpttGruSequence: input 2 \(bh\) must be float32 \[201\]/);
          expect(() => gruSequence(xp, tf.zeros([SH, 4 * SH]) as tf.Tensor2D, b, h0, masks)).toThrow(/BpttGruSequence: input 1 \(u\) must be float32 \[67, 201\]/);
          const whole = gruSequence(xp, w, b, h0, masks);
          expect(() => gruSequenceGrad(whole, h0, w, tf.zeros([T, SB, SH + 1]) as tf.Tensor3D, h0, masks)).toThrow(/BpttGruSequenceGrad: input 4 \(dy\) must be float32 \[5, 4, 67\]/);
        });
      });
    });
  });
});

/**
 * The addon's loops run in one of three instruction-set variants (target_clones), chosen by the machine; built with
 * -ffp-contract=off they must round alike, so results do not depend on the CPU. Needs a C compiler, Node's headers
 * and x86-64 (skipped, saying so, elsewhere); independent of TensorFlow.
 */
const NODE_HEADERS = path.join(path.dirname(process.execPath), '..', 'include', 'node');
const canCompile =
  process.arch === 'x64' && process.platform === 'linux' && existsSync(path.join(NODE_HEADERS, 'node_api.h')) && spawnSync('cc', ['--version']).status === 0;
/** The addon's compiler flags as binding.gyp gives them (warnings aside), so the checks build what ships. */
const addonFlags = (kernels: string): string[] =>
  (JSON.parse(readFileSync(path.join(kernels, 'binding.gyp'), 'utf8')) as { targets: { cflags: string[] }[] }).targets[0]!.cflags.filter((flag) => !flag.startsWith('-W'));
if (!canCompile) console.warn('native-step-kernels.test.ts: no cc, Node headers or x86-64 here; the instruction-set check is skipped');

describe.skipIf(!canCompile)('step kernels on every instruction set', () => {
  test('SSE2, AVX2 and AVX-512 builds of every row kernel give the same bytes (and a contracted FMA build does not)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bptt-isa-'));
    try {
      const source = path.join(import.meta.dirname, 'fixtures', 'step-kernels-isa.c');
      const kernels = path.join(import.meta.dirname, '..', 'native', 'step-kernels');
      const outputs = new Map<string, Buffer>();
      // Only the instruction sets this CPU runs (the CI machine has all of them).
      const flagsOfCpu = new Set((/^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '').trim().split(/\s+/));
      const variants = [
        ['sse2', [], true],
        ['avx2', ['-mavx2'], flagsOfCpu.has('avx2')],
        ['avx512', ['-mavx512f'], flagsOfCpu.has('avx512f')],
        ['fma', ['-mavx2', '-mfma', '-ffp-contract=fast'], flagsOfCpu.has('avx2') && flagsOfCpu.has('fma')],
      ] as const;
      for (const [name, flags] of variants.filter(([, , runs]) => runs)) {
        const binary = path.join(dir, name);
        // The addon's flags, with the instruction set pinned instead of cloned (a later -ffp-contract wins).
        execFileSync('cc', [...addonFlags(kernels), ...flags, '-DVECTOR_CLONES=', `-I${NODE_HEADERS}`, `-I${kernels}`, source, '-o', binary, '-ldl', '-lm']);
        outputs.set(name, execFileSync(binary));
      }
      const sse2 = outputs.get('sse2')!;
      expect(sse2.length).toBe(4 * (62 + 6) * 67);
      for (const name of ['avx2', 'avx512'] as const) if (outputs.has(name)) expect(outputs.get(name)!.equals(sse2), name).toBe(true);
      // The check can fail: fused multiply-adds round differently.
      if (outputs.has('fma')) expect(outputs.get('fma')!.equals(sse2)).toBe(false);
      expect(addonFlags(kernels)).toContain('-ffp-contract=off');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the sequence kernels\' matmul variants give the same bytes, and so do 1, 2 and 3 threads for LSTM and GRU (a matmul summing in another order does not)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bptt-sequence-'));
    try {
      const binary = path.join(dir, 'check');
      const kernels = path.join(import.meta.dirname, '..', 'native', 'step-kernels');
      const source = path.join(import.meta.dirname, 'fixtures', 'sequence-kernels-check.c');
      execFileSync('cc', [...addonFlags(kernels), `-I${NODE_HEADERS}`, `-I${kernels}`, source, '-o', binary, '-ldl', '-lm']);
      // Three threads on any machine: the team's size follows BPTT_NATIVE_SEQUENCE_THREADS.
      const lines = execFileSync(binary, { env: { ...process.env, BPTT_NATIVE_SEQUENCE_THREADS: '3' } }).toString().trim().split('\n');
      expect(lines).toContain('gemm control (k reversed): DIFFERENT');
      // The threads really shared the work (a worker that wakes late skips a job the caller has finished).
      expect(lines).toContain('workers joined, 2 threads: yes');
      expect(lines).toContain('workers joined, 3 threads: yes');
      // A woken worker is not queued behind the caller on its CPU while another CPU idles, nor kept off it after.
      expect(lines).toContain(`workers woken off the caller's CPU: ${availableParallelism() > 1 ? 'yes' : 'one CPU'}`);
      const checks = lines.filter((line) => !line.startsWith('gemm control') && !line.startsWith('workers'));
      for (const line of checks) expect(line).toMatch(/: same$/);
      // Both thread counts, forward and backward, three outputs each; plus one line per matmul variant this CPU runs.
      expect(checks.filter((line) => line.startsWith('sequence'))).toHaveLength(12);
      // And the GRU's: two thread counts, two outputs forward and three backward.
      expect(checks.filter((line) => line.startsWith('gru sequence'))).toHaveLength(10);
      // One line per matmul variant the CPU runs and row count (eight, leaving every remainder of the register
      // blocks): every x86-64 CPU with FMA has AVX2.
      if (/^flags\s*:.*\bfma\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'))) expect(checks.filter((line) => line.startsWith('gemm avx2'))).toHaveLength(8);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
