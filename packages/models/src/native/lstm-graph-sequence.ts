/**
 * One LSTM layer over a whole sequence, written for training steps compiled into TensorFlow graphs (native/graph),
 * with backpropagation through time written out by hand as BlockLSTMGradV2 and PyTorch's nn.LSTM do it:
 *
 * - forward: the input projection of every step as one matmul; per step h U and the gate nonlinearities, keeping
 *   only what the backward reads (the five gate activations and the state before the step);
 * - backward: per step, on the recurrence, TensorFlow's LSTMBlockCellGrad and dh = dz Uᵀ; the weight gradients
 *   ([x, h_prev]ᵀ dz, Σ dz) and the input gradient (dz Wᵀ) as matmuls over chunks of positions, which a graph runs
 *   as soon as a chunk's dz exist, beside the rest of the recurrence.
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
  const [T, B, I] = x.shape;
  const H = h0.shape[1];
  const order = Array.from({ length: T }, (_, k) => (options.reverse === true ? T - 1 - k : k));
  const masks = options.stepMasks ?? [];
  const maskList = masks.filter((m): m is tf.Tensor2D => m !== undefined);
  const { w, b } = prepareNativeLstmCell(weights);

  const run = tf.customGrad((...args) => {
    const [xIn, h0In, c0In, wIn, bIn, save] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    const forward = tf.tidy(() => runForward(xIn, h0In, c0In, wIn, bIn, order, masks));
    // The masks are saved too: the caller may dispose its own before the backward pass runs.
    save([xIn, wIn, ...forward.saved, ...maskList]);
    return {
      value: forward.packed,
      gradFunc: (dy, saved) => tf.tidy(() => backward(dy as tf.Tensor3D, saved, { T, B, I, H }, order, savedMasks(masks, saved.slice(2 + (2 + GATE_NAMES.length) * T)))),
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
function runForward(x: tf.Tensor3D, h0: tf.Tensor2D, c0: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, order: readonly number[], masks: readonly (tf.Tensor2D | undefined)[]) {
  const [T, B, I] = x.shape;
  const H = h0.shape[1];
  const projected = tf.unstack(tf.reshape(tf.add(tf.matMul(tf.reshape(x, [T * B, I]), tf.slice(w, [0, 0], [I, 4 * H])), b), [T, B, 4 * H])) as tf.Tensor2D[];
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
    const step = lstmStepIcfo(projected[t] as tf.Tensor2D, h, c, U);
    gates[t] = step.gates;
    const real = masks[t];
    const state = real === undefined ? step : carryThroughPadding(step, { h, c }, real);
    h = state.h;
    c = state.c as tf.Tensor2D;
    outputs[t] = h;
  }
  return { packed: tf.stack([...outputs, h, c]) as tf.Tensor3D, saved: [...hPrev, ...cPrev, ...gates.flatMap(gateList)] };
}

/** One step from its input projection, gate blocks in TF's (i, ci, f, o) order. */
function lstmStepIcfo(xProj: tf.Tensor2D, h: tf.Tensor2D, c: tf.Tensor2D, U: tf.Tensor2D): { h: tf.Tensor2D; c: tf.Tensor2D; gates: LstmBlockGates } {
  const [zi, zci, zf, zo] = tf.split(tf.add(xProj, tf.matMul(h, U)), 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const i = tf.sigmoid(zi);
  const ci = tf.tanh(zci);
  const f = tf.sigmoid(zf);
  const o = tf.sigmoid(zo);
  const cNew: tf.Tensor2D = tf.add(tf.mul(f, c), tf.mul(i, ci));
  const co = tf.tanh(cNew);
  return { h: tf.mul(o, co), c: cNew, gates: { i, f, o, ci, co } };
}

/** The step masks with each defined one replaced by its saved copy (saved in order, undefined ones skipped). */
function savedMasks(masks: readonly (tf.Tensor2D | undefined)[], saved: readonly tf.Tensor[]): (tf.Tensor2D | undefined)[] {
  let next = 0;
  return masks.map((m) => (m === undefined ? undefined : (saved[next++] as tf.Tensor2D)));
}


function backward(
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
    dh = tf.add(dh, dRows[t] as tf.Tensor2D);
    const real = masks[t];
    const dhCell: tf.Tensor2D = real === undefined ? dh : tf.mul(real, dh);
    const dcCell: tf.Tensor2D = real === undefined ? dc : tf.mul(real, dc);
    const { dcPrev, dicfo } = lstmBlockCellGrad(gateAt(t), cPrev[t] as tf.Tensor2D, dcCell, dhCell);
    dz[t] = dicfo;
    const dhPrev: tf.Tensor2D = tf.matMul(dicfo, U, false, true);
    dh = real === undefined ? dhPrev : (tf.add(dhPrev, tf.sub(dh, dhCell)) as tf.Tensor2D);
    dc = real === undefined ? dcPrev : (tf.add(dcPrev, tf.sub(dc, dcCell)) as tf.Tensor2D);
  }
  // The weight and input gradients, chunk by chunk of positions: in a graph a chunk's matmuls run (on the other
  // core) as soon as its gradients exist, beside the rest of the recurrence, instead of after all of it.
  const W = tf.slice(w, [0, 0], [I, 4 * H]);
  const dwParts: tf.Tensor2D[] = [];
  const dxParts: tf.Tensor3D[] = [];
  const dbParts: tf.Tensor1D[] = [];
  for (let lo = 0; lo < T; lo += GRADIENT_CHUNK) {
    const n = Math.min(GRADIENT_CHUNK, T - lo);
    const dzRows = tf.reshape(tf.stack(dz.slice(lo, lo + n)), [n * B, 4 * H]);
    const inputRows = tf.concat([tf.reshape(tf.slice(x, [lo, 0, 0], [n, B, I]), [n * B, I]), tf.reshape(tf.stack(hPrev.slice(lo, lo + n)), [n * B, H])], 1);
    dwParts.push(tf.matMul(inputRows, dzRows, true, false));
    dxParts.push(tf.reshape(tf.matMul(dzRows, W, false, true), [n, B, I]));
    dbParts.push(tf.sum(dzRows, 0));
  }
  return [tf.concat(dxParts, 0), dh, dc, tf.addN(dwParts), tf.addN(dbParts)];
}
