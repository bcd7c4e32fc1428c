/**
 * One recurrent time step as one TensorFlow kernel forward and one backward: the ops that the step-kernels addon
 * (packages/models/native/step-kernels, built by `npm run native:install`) registers into the libtensorflow
 * tfjs-node loaded; the math is in the addon's comment.
 *
 * - BpttLstmCell / BpttLstmCellGrad (TensorFlow's gate order, padding carry inside): graphLstmSequence's steps.
 *   A traced training step then has 2 kernels per time step forward instead of ~17 (gate split, nonlinearities,
 *   cell update, padding carry) and 3 backward instead of ~9; in a TensorFlow graph every kernel costs the
 *   executor's fixed few microseconds on the recurrence's critical path.
 * - BpttLstmGates / BpttLstmGatesGrad (PyTorch's gate order): the `tensorflow` kernels of the fused LSTM gate op
 *   (fused/lstm-gates.ts) that the step-by-step recurrence runs (sampling decoders, attention, dropout on h, probes),
 *   op by op or in a graph: 1 kernel each way instead of ~10 forward and LSTMBlockCellGrad with 3 more backward.
 * - BpttGruGates / BpttGruGatesGrad: the same for the fused GRU gate op (fused/gru-gates.ts), which every GRU layer
 *   runs: 1 kernel each way instead of ~12 and ~20.
 * - BpttAdamUpdate: one Adam update of one parameter in one pass (fused/adam-update.ts's kernels on `tensorflow`,
 *   eager and in a traced step) instead of 13 kernels, equal to them bit for bit.
 * - BpttLstmSequence / BpttLstmSequenceGrad: a whole LSTM layer's recurrence as one kernel each way, each time step's
 *   hidden units in chunks that a team of threads shares (graphLstmSequence's layers where the CPU has FMA;
 *   lstm_sequence.c says why and how). Results do not depend on the thread count (BPTT_NATIVE_SEQUENCE_THREADS).
 * - BpttGruSequence / BpttGruSequenceGrad: the same for GRU layers in graph steps (gru-sequence-op.ts).
 *
 * Optional like the page-release addon: not built, not Linux, or a libtensorflow without the kernel C API, and
 * every user composes the step from TensorFlow's own ops as before, with the reason recorded.
 * `BPTT_NATIVE_STEP_KERNELS=off` chooses that path, `steps` the step kernels without the sequence kernels (results
 * differ in the last bits between the three: the addon's sigmoid and tanh are its own, accurate to about 1e-7, and
 * its matmuls sum in their own order; the variable is hashed into the pipelines' training stages).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorInfoMap } from '@tensorflow/tfjs-core';
import { envChoice } from '../env-choice.ts';
import { ADAM_UPDATE, ADAM_UPDATE_SCALAR_TENSORS, adamUpdateComposite, type AdamUpdateScalars } from '../fused/adam-update.ts';
import { checkGruForwardInputs, GRU_GATES, GRU_GATES_GRAD, gruGatesComposite, gruGatesGradComposite } from '../fused/gru-gates.ts';
import { checkLstmForwardInputs, LSTM_GATES, LSTM_GATES_GRAD, lstmGatesComposite } from '../fused/lstm-gates.ts';
import { registerKernelOnce } from '../fused/register.ts';
import { nativeKernelBackend } from './execute.ts';
import { NATIVE_BACKEND_NAME } from './load.ts';
import { lstmGatesGradNative, type LstmBlockGates } from './lstm-block.ts';
import { loadOptionalAddon } from './optional-addon.ts';

export const NATIVE_STEP_KERNELS_VARIABLE = 'BPTT_NATIVE_STEP_KERNELS';
export const NATIVE_STEP_KERNELS_CHOICES = ['auto', 'steps', 'off'] as const;
/** Threads of the whole-sequence kernels' team, read by the addon (unset: one per CPU this process may use). */
export const NATIVE_SEQUENCE_THREADS_VARIABLE = 'BPTT_NATIVE_SEQUENCE_THREADS';
/** The addon's MAX_THREADS (lstm_sequence.c). */
const MAX_SEQUENCE_THREADS = 8;

export interface NativeStepKernelsStatus {
  readonly available: boolean;
  /** Whether LSTM and GRU layers of graph steps run as BpttLstmSequence and BpttGruSequence (needs FMA; off with `steps`). */
  readonly sequence: boolean;
  /** What was registered, or why not. */
  readonly detail: string;
}

interface StepKernelsAddon {
  register(): { registered: boolean; sequence: boolean; detail: string };
}

let registration: NativeStepKernelsStatus | undefined;

/** Registers the kernels once per process (TensorFlow's op registry is global); later calls return the outcome. */
function registerOnce(): NativeStepKernelsStatus {
  if (registration !== undefined) return registration;
  const loaded = loadOptionalAddon<StepKernelsAddon>('step-kernels', 'step_kernels');
  if (loaded.addon === undefined) {
    registration = { available: false, sequence: false, detail: loaded.detail };
    return registration;
  }
  // The addon looks for the libtensorflow tfjs-node loaded; until then there is nothing to register into.
  if (tf.findBackend(NATIVE_BACKEND_NAME) == null) return { available: false, sequence: false, detail: `needs the '${NATIVE_BACKEND_NAME}' backend loaded` };
  nativeSequenceThreadsFromEnv();
  const { registered, sequence, detail } = loaded.addon.register();
  registration = { available: registered, sequence: registered && sequence, detail };
  return registration;
}

export type NativeStepKernelsChoice = (typeof NATIVE_STEP_KERNELS_CHOICES)[number];

let choice: NativeStepKernelsChoice | undefined;

export function nativeStepKernelsFromEnv(env: NodeJS.ProcessEnv = process.env): NativeStepKernelsChoice {
  return envChoice(env, NATIVE_STEP_KERNELS_VARIABLE, NATIVE_STEP_KERNELS_CHOICES, 'auto');
}

/**
 * BPTT_NATIVE_SEQUENCE_THREADS as the addon will read it, checked before the addon does (which would fall back to
 * one thread per CPU on anything but a number): unset or empty gives undefined.
 */
export function nativeSequenceThreadsFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = env[NATIVE_SEQUENCE_THREADS_VARIABLE];
  if (value === undefined || value === '') return undefined;
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_SEQUENCE_THREADS || !/^\d+$/.test(value)) {
    throw new Error(`${NATIVE_SEQUENCE_THREADS_VARIABLE}: expected a whole number from 1 to ${MAX_SEQUENCE_THREADS}, got "${value}"`);
  }
  return threads;
}

/** Overrides BPTT_NATIVE_STEP_KERNELS for this process (tests, the bench). */
export function setNativeStepKernels(next: NativeStepKernelsChoice): void {
  choice = next;
}

/** Whether recurrent time steps run on the addon's kernels here (they need the `tensorflow` backend). */
export function nativeStepKernels(): NativeStepKernelsStatus {
  choice ??= nativeStepKernelsFromEnv();
  if (choice === 'off') return { available: false, sequence: false, detail: `skipped (${NATIVE_STEP_KERNELS_VARIABLE}=off)` };
  if (process.platform !== 'linux') return { available: false, sequence: false, detail: `not on Linux (${process.platform})` };
  const registered = registerOnce();
  if (choice === 'steps' && registered.sequence) return { ...registered, sequence: false, detail: `${registered.detail}; sequence kernels not used (${NATIVE_STEP_KERNELS_VARIABLE}=steps)` };
  return registered;
}

export interface FusedLstmStep {
  readonly gates: LstmBlockGates;
  /** The state after the step, carried through where `mask` is 0. */
  readonly c: tf.Tensor2D;
  readonly h: tf.Tensor2D;
}

/**
 * xw: the step's input projection plus bias, hu: h_prev U, both [B, 4H] in TensorFlow's (i, ci, f, o) gate order;
 * mask [B, 1]: 1 for a real position, 0 for padding (state carried through).
 */
export function fusedLstmStep(xw: tf.Tensor2D, hu: tf.Tensor2D, cPrev: tf.Tensor2D, hPrev: tf.Tensor2D, mask: tf.Tensor2D): FusedLstmStep {
  const backend = nativeKernelBackend('BpttLstmCell');
  const [i, ci, f, o, co, c, h] = backend.executeMultipleOutputs('BpttLstmCell', [], [xw, hu, cPrev, hPrev, mask], 7) as tf.Tensor2D[];
  return { gates: { i: i!, ci: ci!, f: f!, o: o!, co: co! }, c: c!, h: h! };
}

export interface FusedLstmStepGrad {
  /** dL/dz [B, 4H] in (i, ci, f, o) order. */
  readonly dicfo: tf.Tensor2D;
  /** dL/dc_prev, padding's carry included. */
  readonly dcPrev: tf.Tensor2D;
  /** The part of dL/dh_prev that padding carries past the step; dL/dh_prev = dicfo Uᵀ + dhRest. */
  readonly dhRest: tf.Tensor2D;
}

/** dh: the gradient reaching h from later steps, dy: from this step's output; dc: reaching c from later steps. */
export function fusedLstmStepGrad(
  gates: LstmBlockGates,
  cPrev: tf.Tensor2D,
  dh: tf.Tensor2D,
  dy: tf.Tensor2D,
  dc: tf.Tensor2D,
  mask: tf.Tensor2D,
): FusedLstmStepGrad {
  const backend = nativeKernelBackend('BpttLstmCellGrad');
  const { i, ci, f, o, co } = gates;
  const [dicfo, dcPrev, dhRest] = backend.executeMultipleOutputs('BpttLstmCellGrad', [], [i, ci, f, o, co, cPrev, dh, dy, dc, mask], 3) as tf.Tensor2D[];
  return { dicfo: dicfo!, dcPrev: dcPrev!, dhRest: dhRest! };
}

export interface LstmSequenceForward {
  /** [T, B, H] each: the state after each position, in the order the op ran them. */
  readonly h: tf.Tensor3D;
  readonly c: tf.Tensor3D;
  /** [T, B, 5H]: each position's (i, ci, f, o, tanh c) activations, what the gradient reads. */
  readonly gates: tf.Tensor3D;
}

/**
 * xw [T, B, 4H]: every position's input projection plus bias, (i, ci, f, o) order; u [H, 4H]; masks [T, B, 1] (0:
 * padding, state carried through). Positions run from 0 to T - 1.
 */
export function lstmSequence(xw: tf.Tensor3D, u: tf.Tensor2D, h0: tf.Tensor2D, c0: tf.Tensor2D, masks: tf.Tensor3D): LstmSequenceForward {
  const [h, c, gates] = nativeKernelBackend('BpttLstmSequence').executeMultipleOutputs('BpttLstmSequence', [], [xw, u, h0, c0, masks], 3) as tf.Tensor3D[];
  return { h: h!, c: c!, gates: gates! };
}

export interface LstmSequenceGrad {
  /** [T, B, 4H]: dL/dz per position, (i, ci, f, o) order. */
  readonly dz: tf.Tensor3D;
  readonly dh0: tf.Tensor2D;
  readonly dc0: tf.Tensor2D;
}

/** dy [T, B, H]: the gradient of each position's output h; dh, dc [B, H]: of the final state. */
export function lstmSequenceGrad(forward: LstmSequenceForward, c0: tf.Tensor2D, u: tf.Tensor2D, dy: tf.Tensor3D, dh: tf.Tensor2D, dc: tf.Tensor2D, masks: tf.Tensor3D): LstmSequenceGrad {
  const inputs = [forward.gates, forward.c, c0, u, dy, dh, dc, masks];
  const [dz, dh0, dc0] = nativeKernelBackend('BpttLstmSequenceGrad').executeMultipleOutputs('BpttLstmSequenceGrad', [], inputs, 3) as tf.Tensor[];
  return { dz: dz as tf.Tensor3D, dh0: dh0 as tf.Tensor2D, dc0: dc0 as tf.Tensor2D };
}

export interface GruSequenceForward {
  /** [T, B, H]: the state after each position, in the order the op ran them. */
  readonly h: tf.Tensor3D;
  /** [T, B, 4H]: each position's (r, z, n) and the n block of h W_hh + b_hh, what the gradient reads. */
  readonly saved: tf.Tensor3D;
}

/**
 * xp [T, B, 3H]: every position's x W_ih + b_ih, PyTorch's (r, z, n) order; wHh [H, 3H], bHh [3H]; masks [T, B, 1]
 * (0: padding, state carried through). Positions run from 0 to T - 1.
 */
export function gruSequence(xp: tf.Tensor3D, wHh: tf.Tensor2D, bHh: tf.Tensor1D, h0: tf.Tensor2D, masks: tf.Tensor3D): GruSequenceForward {
  const [h, saved] = nativeKernelBackend('BpttGruSequence').executeMultipleOutputs('BpttGruSequence', [], [xp, wHh, bHh, h0, masks], 2) as tf.Tensor3D[];
  return { h: h!, saved: saved! };
}

export interface GruSequenceGrad {
  /** [T, B, 3H] each: dL/d(x W_ih + b_ih) and dL/d(h W_hh + b_hh) per position. */
  readonly dxp: tf.Tensor3D;
  readonly dhp: tf.Tensor3D;
  readonly dh0: tf.Tensor2D;
}

/** dy [T, B, H]: the gradient of each position's output h; dh [B, H]: of the final state. */
export function gruSequenceGrad(forward: GruSequenceForward, h0: tf.Tensor2D, wHh: tf.Tensor2D, dy: tf.Tensor3D, dh: tf.Tensor2D, masks: tf.Tensor3D): GruSequenceGrad {
  const inputs = [forward.saved, forward.h, h0, wHh, dy, dh, masks];
  const [dxp, dhp, dh0] = nativeKernelBackend('BpttGruSequenceGrad').executeMultipleOutputs('BpttGruSequenceGrad', [], inputs, 3) as tf.Tensor[];
  return { dxp: dxp as tf.Tensor3D, dhp: dhp as tf.Tensor3D, dh0: dh0 as tf.Tensor2D };
}

type Tensors = Record<string, tf.Tensor2D>;

/**
 * The fused gate ops' `tensorflow` kernels, replacing the composites fused/ registers there: the addon's one-kernel
 * version where registered, else the composed ops (and LSTMBlockCellGrad for the LSTM's gradient), decided per call,
 * as BPTT_NATIVE_STEP_KERNELS and the addon are known only once the backend has loaded. `inputs` names the kernel's
 * inputs in the addon op's order.
 */
function registerStepKernel(kernelName: string, op: string, inputs: readonly string[], outputs: number, composed: (ins: Tensors) => tf.Tensor[], check?: (ins: NamedTensorInfoMap) => void): void {
  if (tf.getKernel(kernelName, NATIVE_BACKEND_NAME) != null) tf.unregisterKernel(kernelName, NATIVE_BACKEND_NAME);
  registerKernelOnce({
    kernelName,
    backendName: NATIVE_BACKEND_NAME,
    kernelFunc: ({ inputs: given }) => {
      check?.(given);
      const ins = given as Tensors;
      if (!nativeStepKernels().available) return composed(ins);
      return nativeKernelBackend(op).executeMultipleOutputs(op, [], inputs.map((name) => ins[name] as tf.Tensor2D), outputs);
    },
  });
}

registerStepKernel(LSTM_GATES, 'BpttLstmGates', ['xProj', 'hProj', 'c'], 3, (t) => lstmGatesComposite(t['xProj']!, t['hProj']!, t['c']!), checkLstmForwardInputs);
registerStepKernel(LSTM_GATES_GRAD, 'BpttLstmGatesGrad', ['saved', 'c', 'dh', 'dcNew'], 2, (t) =>
  lstmGatesGradNative({ saved: t['saved']!, c: t['c']!, dh: t['dh']!, dcNew: t['dcNew']! }),
);
registerStepKernel(GRU_GATES, 'BpttGruGates', ['xProj', 'hProj', 'h'], 2, (t) => gruGatesComposite(t['xProj']!, t['hProj']!, t['h']!), checkGruForwardInputs);
registerStepKernel(GRU_GATES_GRAD, 'BpttGruGatesGrad', ['gates', 'hProj', 'h', 'dhNew'], 3, (t) => gruGatesGradComposite(t['gates']!, t['hProj']!, t['h']!, t['dhNew']!));

/**
 * Adam's two kernels on `tensorflow`: BpttAdamUpdate where registered, its constants as one float32 [5] tensor (a
 * Const node in a traced step), else the composite. `scalars` gives the two per-step scalars as tensors, and whether
 * it made them (adamUpdate passes numbers; they are freed after the call).
 */
function registerAdamKernel(kernelName: string, scalars: (inputs: Record<string, tf.Tensor>, attrs: AdamUpdateScalars) => { stepSize: tf.Scalar; sqrtBiasCorrection2: tf.Scalar; made: boolean }): void {
  if (tf.getKernel(kernelName, NATIVE_BACKEND_NAME) != null) tf.unregisterKernel(kernelName, NATIVE_BACKEND_NAME);
  registerKernelOnce({
    kernelName,
    backendName: NATIVE_BACKEND_NAME,
    kernelFunc: ({ inputs, attrs }) => {
      const { w, g, m, v } = inputs as Record<string, tf.Tensor>;
      const { beta1, beta2, eps } = attrs as unknown as AdamUpdateScalars;
      const { stepSize, sqrtBiasCorrection2, made } = scalars(inputs as Record<string, tf.Tensor>, attrs as unknown as AdamUpdateScalars);
      // The composite multiplies by these as float32 scalars made from JavaScript numbers; so does the kernel.
      const hyper = nativeStepKernels().available ? tf.tensor1d([beta1, 1 - beta1, beta2, 1 - beta2, eps]) : undefined;
      try {
        if (hyper === undefined) return adamUpdateComposite(w!, g!, m!, v!, { beta1, beta2, eps, stepSize, sqrtBiasCorrection2 });
        return nativeKernelBackend('BpttAdamUpdate').executeMultipleOutputs('BpttAdamUpdate', [], [w!, g!, m!, v!, stepSize, sqrtBiasCorrection2, hyper], 3);
      } finally {
        tf.dispose([...(hyper === undefined ? [] : [hyper]), ...(made ? [stepSize, sqrtBiasCorrection2] : [])]);
      }
    },
  });
}

registerAdamKernel(ADAM_UPDATE, (_inputs, s) => ({ stepSize: tf.scalar(s.stepSize), sqrtBiasCorrection2: tf.scalar(s.sqrtBiasCorrection2), made: true }));
registerAdamKernel(ADAM_UPDATE_SCALAR_TENSORS, (inputs) => ({ stepSize: inputs['stepSize'] as tf.Scalar, sqrtBiasCorrection2: inputs['sqrtBiasCorrection2'] as tf.Scalar, made: false }));
