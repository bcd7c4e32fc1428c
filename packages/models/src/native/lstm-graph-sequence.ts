/**
 * One LSTM layer over a whole sequence, written for training steps compiled into TensorFlow graphs (native/graph),
 * with backpropagation through time written out by hand as BlockLSTMGradV2 and PyTorch's nn.LSTM do it:
 *
 * - forward: the input projection of every step as one matmul; per step h U and the gate nonlinearities, keeping
 *   only what the backward reads (the five gate activations and the state before the step);
 * - backward: per step, on the recurrence, the gate gradient and dh = dz Uᵀ; the weight gradients
 *   ([x, h_prev]ᵀ dz, Σ dz) and the input gradient (dz Wᵀ) as matmuls over chunks of positions, which a graph runs
 *   as soon as a chunk's dz exist, beside the rest of the recurrence.
 *
 * Where the step-kernels addon offers them, the whole recurrence is one kernel each way instead, its hidden units split
 * over the CPU's cores (lstm-sequence-op.ts: BpttLstmSequence). Otherwise, step by step as below: a time step's
 * elementwise part (gates, cell update, padding carry; and its gradient) is one kernel each way where the addon is
 * built (step-kernels.ts: BpttLstmCell, BpttLstmCellGrad, and with BPTT_NATIVE_STEP_KERNELS=steps), else composed from
 * TensorFlow's ops (~15 forward, LSTMBlockCellGrad and ~8 more backward). In a graph each kernel costs the
 * executor a fixed few microseconds on the recurrence's critical path; measured in docs/native-tensorflow.md.
 *
 * Against tfjs autodiff over the step-by-step loop (nn/run-sequence.ts), which traced steps used before: no
 * recurrent-weight gradient matmul and addition per step, and no concatenating and splitting of the saved
 * activations and gate gradients per step. Bench, one run, larger configuration: peak RSS 559 against 623 MiB,
 * 20.5k against 19.9k tokens/s; reference configuration: 435 against 451 MiB, 55.0k against 53.4k. LSTMBlockCell
 * forward (the input projection inside the recurrence) was 10% slower on the larger configuration, and BlockLSTMV2
 * is slower than either in a graph (reference config, forward + backward: 30 ms against 17).
 *
 * Padding: a position whose [B, 1] step mask is 0 carries the state through unchanged (runSequence's semantics),
 * h_t = h_{t-1} + m_t (h'_t - h_{t-1}), and its gradient is split the same way.
 */
import * as tf from '@tensorflow/tfjs-core';
import { carryThroughPadding } from '../nn/run-sequence.ts';
import { requireNativeBackend } from './execute.ts';
import { lstmBlockCellGrad, prepareNativeLstmCell, type LstmBlockGates, type LstmWeights } from './lstm-block.ts';
import { layerGradients, projectInputs } from './lstm-layer-matmuls.ts';
import { sequenceKernelLstm } from './lstm-sequence-op.ts';
import { fusedLstmStep, fusedLstmStepGrad, nativeStepKernels } from './step-kernels.ts';

export interface GraphLstmOptions {
  /** Run from the last position to the first (the backward half of a bidirectional layer). */
  readonly reverse?: boolean;
  /** [B, 1] per position, 0 where the row is padding (state carried through); undefined = all real. */
  readonly stepMasks?: readonly (tf.Tensor2D | undefined)[];
}

export interface GraphLstmResult {
  /** [B, H] per position, in position order: the (carried) state h after that position. */
  readonly outputs: tf.Tensor2D[];
  readonly final: { readonly h: tf.Tensor2D; readonly c: tf.Tensor2D };
}

/** x [T, B, I] time-major, h0 and c0 [B, H], weights in @bptt/models' (PyTorch) layout. Needs `tensorflow`. */
export function graphLstmSequence(x: tf.Tensor3D, h0: tf.Tensor2D, c0: tf.Tensor2D, weights: LstmWeights, options: GraphLstmOptions = {}): GraphLstmResult {
  requireNativeBackend('graphLstmSequence', 'on other backends run the layer step by step (nn/run-sequence.ts)');
  const stepKernels = nativeStepKernels();
  if (stepKernels.sequence) return sequenceKernelLstm(x, h0, c0, weights, options);
  const [T, B, I] = x.shape;
  const H = h0.shape[1];
  const order = Array.from({ length: T }, (_, k) => (options.reverse === true ? T - 1 - k : k));
  const masks = options.stepMasks ?? [];
  const maskList = masks.filter((m): m is tf.Tensor2D => m !== undefined);
  const { w, b } = prepareNativeLstmCell(weights);
  const kernels = stepKernels.available ? FUSED_STEP : COMPOSED_STEP;

  const run = tf.customGrad((...args) => {
    const [xIn, h0In, c0In, wIn, bIn, save] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const forward = tf.tidy(() => runForward(kernels, xIn, h0In, c0In, wIn, bIn, order, masks));
    // The masks are saved too: the caller may dispose its own before the backward pass runs.
    save([xIn, wIn, ...forward.saved, ...maskList]);
    return {
      value: forward.packed,
      gradFunc: (dy, saved) => tf.tidy(() => backward(kernels, dy as tf.Tensor3D, saved, { T, B, I, H }, order, savedMasks(masks, saved.slice(2 + (2 + GATE_NAMES.length) * T)))),
    };
  });
  // One output tensor (customGrad's contract): rows 0..T-1 are the outputs, then the final h and c.
  const rows = tf.unstack(run(x, h0, c0, w, b)) as tf.Tensor2D[];
  return { outputs: rows.slice(0, T), final: { h: rows[T] as tf.Tensor2D, c: rows[T + 1] as tf.Tensor2D } };
}

const GATE_NAMES = ['i', 'f', 'o', 'ci', 'co'] as const;
/**
 * Positions per weight-gradient matmul (see the end of `backward`). Larger bench configuration, three interleaved
 * runs: 115-123 ms a step at 8, 127-134 at 4, 126-137 at 20 (one matmul after the whole recurrence: ~10% slower).
 */
const GRADIENT_CHUNK = 8;
const gateList = (gates: LstmBlockGates): tf.Tensor2D[] => GATE_NAMES.map((name) => gates[name]);

/**
 * The packed [T + 2, B, H] result, and what the backward reads: per position the h and c before it, then its gates.
 * The input projection of every step is one matmul; per step only h U and the gate nonlinearities remain, in
 * TensorFlow's gate order so that LSTMBlockCellGrad reads them as they are.
 */
function runForward(
  kernels: StepKernels,
  x: tf.Tensor3D,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  order: readonly number[],
  masks: readonly (tf.Tensor2D | undefined)[],
) {
  const [T, , I] = x.shape;
  const H = h0.shape[1];
  const projected = tf.unstack(projectInputs(x, w, b)) as tf.Tensor2D[];
  const U = tf.slice(w, [I, 0], [H, 4 * H]) as tf.Tensor2D;
  const hPrev = new Array<tf.Tensor2D>(T);
  const cPrev = new Array<tf.Tensor2D>(T);
  const gates = new Array<LstmBlockGates>(T);
  const outputs = new Array<tf.Tensor2D>(T);
  let h = h0;
  let c = c0;
  for (const t of order) {
    hPrev[t] = h;
    cPrev[t] = c;
    const step = kernels.forward(projected[t] as tf.Tensor2D, h, c, U, masks[t]);
    gates[t] = step.gates;
    h = step.h;
    c = step.c;
    outputs[t] = h;
  }
  return { packed: tf.stack([...outputs, h, c]) as tf.Tensor3D, saved: [...hPrev, ...cPrev, ...gates.flatMap(gateList)] };
}

/**
 * One time step's forward and backward, in TensorFlow's (i, ci, f, o) gate order so that the saved gates are what
 * LSTMBlockCellGrad reads. `mask` [B, 1] is 0 where the position is padding (state and gradient carried through),
 * undefined where every row is real.
 */
interface StepKernels {
  forward(xw: tf.Tensor2D, h: tf.Tensor2D, c: tf.Tensor2D, U: tf.Tensor2D, mask: tf.Tensor2D | undefined): { h: tf.Tensor2D; c: tf.Tensor2D; gates: LstmBlockGates };
  /** dh, dc: what reaches h and c from later positions; dy: from this position's output. */
  backward(
    gates: LstmBlockGates,
    cPrev: tf.Tensor2D,
    dh: tf.Tensor2D,
    dy: tf.Tensor2D,
    dc: tf.Tensor2D,
    U: tf.Tensor2D,
    mask: tf.Tensor2D | undefined,
  ): { dz: tf.Tensor2D; dhPrev: tf.Tensor2D; dcPrev: tf.Tensor2D };
}

/** TensorFlow's own ops: the gate math composed, LSTMBlockCellGrad backward, padding as nn/run-sequence.ts does it. */
const COMPOSED_STEP: StepKernels = {
  forward(xw, h, c, U, mask) {
    const [zi, zci, zf, zo] = tf.split(tf.add(xw, tf.matMul(h, U)), 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const i = tf.sigmoid(zi);
    const ci = tf.tanh(zci);
    const f = tf.sigmoid(zf);
    const o = tf.sigmoid(zo);
    const cNew: tf.Tensor2D = tf.add(tf.mul(f, c), tf.mul(i, ci));
    const co = tf.tanh(cNew);
    const next = { h: tf.mul(o, co) as tf.Tensor2D, c: cNew };
    const state = mask === undefined ? next : carryThroughPadding(next, { h, c }, mask);
    return { h: state.h, c: state.c as tf.Tensor2D, gates: { i, f, o, ci, co } };
  },
  backward(gates, cPrev, dhLater, dy, dc, U, mask) {
    const dh: tf.Tensor2D = tf.add(dhLater, dy);
    const dhCell: tf.Tensor2D = mask === undefined ? dh : tf.mul(mask, dh);
    const dcCell: tf.Tensor2D = mask === undefined ? dc : tf.mul(mask, dc);
    const { dcPrev, dicfo } = lstmBlockCellGrad(gates, cPrev, dcCell, dhCell);
    const dhPrev: tf.Tensor2D = tf.matMul(dicfo, U, false, true);
    if (mask === undefined) return { dz: dicfo, dhPrev, dcPrev };
    return { dz: dicfo, dhPrev: tf.add(dhPrev, tf.sub(dh, dhCell)) as tf.Tensor2D, dcPrev: tf.add(dcPrev, tf.sub(dc, dcCell)) as tf.Tensor2D };
  },
};

/** The step-kernels addon's BpttLstmCell and BpttLstmCellGrad: one kernel each, padding included. */
const FUSED_STEP: StepKernels = {
  forward(xw, h, c, U, mask) {
    return fusedLstmStep(xw, tf.matMul(h, U), c, h, mask ?? tf.ones([h.shape[0], 1]));
  },
  backward(gates, cPrev, dh, dy, dc, U, mask) {
    const { dicfo, dcPrev, dhRest } = fusedLstmStepGrad(gates, cPrev, dh, dy, dc, mask ?? tf.ones([dh.shape[0], 1]));
    return { dz: dicfo, dhPrev: tf.add(tf.matMul(dicfo, U, false, true), dhRest), dcPrev };
  },
};

/** The step masks with each defined one replaced by its saved copy (saved in order, undefined ones skipped). */
function savedMasks(masks: readonly (tf.Tensor2D | undefined)[], saved: readonly tf.Tensor[]): (tf.Tensor2D | undefined)[] {
  let next = 0;
  return masks.map((m) => (m === undefined ? undefined : (saved[next++] as tf.Tensor2D)));
}


function backward(
  kernels: StepKernels,
  dy: tf.Tensor3D,
  saved: tf.Tensor[],
  { T, B, I, H }: { T: number; B: number; I: number; H: number },
  order: readonly number[],
  masks: readonly (tf.Tensor2D | undefined)[],
): tf.Tensor[] {
  const [x, w] = saved as [tf.Tensor3D, tf.Tensor2D];
  const hPrev = saved.slice(2, 2 + T) as tf.Tensor2D[];
  const cPrev = saved.slice(2 + T, 2 + 2 * T) as tf.Tensor2D[];
  const gateAt = (t: number): LstmBlockGates => {
    const at = 2 + 2 * T + GATE_NAMES.length * t;
    const [i, f, o, ci, co] = saved.slice(at, at + GATE_NAMES.length) as tf.Tensor2D[];
    return { i: i!, f: f!, o: o!, ci: ci!, co: co! };
  };
  const dRows = tf.unstack(dy) as tf.Tensor2D[];
  const U: tf.Tensor2D = tf.slice(w, [I, 0], [H, 4 * H]);
  const dz = new Array<tf.Tensor2D>(T);
  let dh = dRows[T] as tf.Tensor2D;
  let dc = dRows[T + 1] as tf.Tensor2D;
  for (let k = T - 1; k >= 0; k--) {
    const t = order[k] as number;
    const step = kernels.backward(gateAt(t), cPrev[t] as tf.Tensor2D, dh, dRows[t] as tf.Tensor2D, dc, U, masks[t]);
    dz[t] = step.dz;
    dh = step.dhPrev;
    dc = step.dcPrev;
  }
  // The weight and input gradients, chunk by chunk of positions: in a graph a chunk's matmuls run (on the other
  // core) as soon as its gradients exist, beside the rest of the recurrence, instead of after all of it.
  const dwParts: tf.Tensor2D[] = [];
  const dxParts: tf.Tensor3D[] = [];
  const dbParts: tf.Tensor1D[] = [];
  for (let lo = 0; lo < T; lo += GRADIENT_CHUNK) {
    const n = Math.min(GRADIENT_CHUNK, T - lo);
    const rows = (positions: tf.Tensor[], width: number): tf.Tensor2D => tf.reshape(tf.stack(positions), [n * B, width]);
    const chunk = layerGradients(tf.reshape(tf.slice(x, [lo, 0, 0], [n, B, I]), [n * B, I]), rows(hPrev.slice(lo, lo + n), H), rows(dz.slice(lo, lo + n), 4 * H), w);
    dwParts.push(chunk.dw);
    dxParts.push(tf.reshape(chunk.dx, [n, B, I]));
    dbParts.push(chunk.db);
  }
  return [tf.concat(dxParts, 0), dh, dc, tf.addN(dwParts), tf.addN(dbParts)];
}
