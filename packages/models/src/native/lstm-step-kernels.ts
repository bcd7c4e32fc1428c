/**
 * One LSTM time step as one TensorFlow kernel forward and one backward: the ops that the lstm-kernels addon
 * (packages/models/native/lstm-kernels, built by `npm run native:install`) registers into the libtensorflow
 * tfjs-node loaded; the math is in the addon's comment.
 *
 * - BpttLstmCell / BpttLstmCellGrad (TensorFlow's gate order, padding carry inside): graphLstmSequence's steps.
 *   A traced training step then has 2 kernels per time step forward instead of ~17 (gate split, nonlinearities,
 *   cell update, padding carry) and 3 backward instead of ~9; in a TensorFlow graph every kernel costs the
 *   executor's fixed few microseconds on the recurrence's critical path.
 * - BpttLstmGates / BpttLstmGatesGrad (PyTorch's gate order): the `tensorflow` kernels of the fused gate op
 *   (fused/lstm-gates.ts) that the step-by-step recurrence runs (sampling decoders, attention, dropout on h, probes),
 *   op by op or in a graph: 1 kernel each way instead of ~10 forward and LSTMBlockCellGrad with 3 more backward.
 *
 * Optional like the page-release addon: not built, not Linux, or a libtensorflow without the kernel C API, and
 * both users compose the step from TensorFlow's own ops as before, with the reason recorded.
 * `BPTT_NATIVE_LSTM_KERNELS=off` chooses that path (results differ in the last bits: the addon's sigmoid and tanh
 * are its own, accurate to about 1e-7, and hashed into the pipelines' training stages).
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { envChoice } from '../env-choice.ts';
import { checkForwardInputs, LSTM_GATES, LSTM_GATES_GRAD, lstmGatesComposite } from '../fused/lstm-gates.ts';
import { registerKernelOnce } from '../fused/register.ts';
import { nativeKernelBackend } from './execute.ts';
import { NATIVE_BACKEND_NAME } from './load.ts';
import { lstmGatesGradNative, type LstmBlockGates } from './lstm-block.ts';

export const LSTM_STEP_KERNELS_VARIABLE = 'BPTT_NATIVE_LSTM_KERNELS';
export const LSTM_STEP_KERNELS_CHOICES = ['auto', 'off'] as const;

export interface LstmStepKernelsStatus {
  readonly available: boolean;
  /** What was registered, or why not. */
  readonly detail: string;
}

interface LstmKernelsAddon {
  register(): { registered: boolean; detail: string };
}

const ADDON = '../../native/lstm-kernels/build/Release/lstm_kernels.node';
let registration: LstmStepKernelsStatus | undefined;

/** Registers the kernels once per process (TensorFlow's op registry is global); later calls return the outcome. */
function registerOnce(): LstmStepKernelsStatus {
  if (registration !== undefined) return registration;
  let addon: LstmKernelsAddon | undefined;
  let loadError: string | undefined;
  try {
    addon = createRequire(import.meta.url)(ADDON) as LstmKernelsAddon;
  } catch (error) {
    // Not built, or built but not loadable here (another architecture, a stale build): say which, so the fix is clear.
    const notBuilt = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND';
    loadError = notBuilt
      ? 'the lstm-kernels addon is not built (`npm run native:install` builds it)'
      : `the lstm-kernels addon does not load (${(error as Error).message.split('\n')[0]}); \`npm run native:addons\` rebuilds it`;
  }
  if (addon === undefined) {
    registration = { available: false, detail: loadError ?? 'the lstm-kernels addon does not load' };
  } else {
    // The addon looks for the libtensorflow tfjs-node loaded; until then there is nothing to register into.
    if (tf.findBackend(NATIVE_BACKEND_NAME) == null) return { available: false, detail: `needs the '${NATIVE_BACKEND_NAME}' backend loaded` };
    const { registered, detail } = addon.register();
    registration = { available: registered, detail };
  }
  return registration;
}

export type LstmStepKernelsChoice = (typeof LSTM_STEP_KERNELS_CHOICES)[number];

let choice: LstmStepKernelsChoice | undefined;

export function lstmStepKernelsFromEnv(env: NodeJS.ProcessEnv = process.env): LstmStepKernelsChoice {
  return envChoice(env, LSTM_STEP_KERNELS_VARIABLE, LSTM_STEP_KERNELS_CHOICES, 'auto');
}

/** Overrides BPTT_NATIVE_LSTM_KERNELS for this process (tests, the bench). */
export function setLstmStepKernels(next: LstmStepKernelsChoice): void {
  choice = next;
}

/** Whether LSTM time steps run on the addon's kernels here (they need the `tensorflow` backend). */
export function lstmStepKernels(): LstmStepKernelsStatus {
  choice ??= lstmStepKernelsFromEnv();
  if (choice === 'off') return { available: false, detail: `skipped (${LSTM_STEP_KERNELS_VARIABLE}=off)` };
  if (process.platform !== 'linux') return { available: false, detail: `not on Linux (${process.platform})` };
  return registerOnce();
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

// The fused gate op's `tensorflow` kernels, replacing the composites fused/lstm-gates.ts registers there: the
// addon's one-kernel versions where registered, else the composed forward and LSTMBlockCellGrad (decided per call,
// as BPTT_NATIVE_LSTM_KERNELS and the addon are known only once the backend has loaded).
for (const kernelName of [LSTM_GATES, LSTM_GATES_GRAD]) {
  if (tf.getKernel(kernelName, NATIVE_BACKEND_NAME) != null) tf.unregisterKernel(kernelName, NATIVE_BACKEND_NAME);
}
registerKernelOnce({
  kernelName: LSTM_GATES,
  backendName: NATIVE_BACKEND_NAME,
  kernelFunc: ({ inputs }) => {
    const { xProj, hProj, c } = checkForwardInputs(inputs);
    if (!lstmStepKernels().available) return lstmGatesComposite(xProj as tf.Tensor2D, hProj as tf.Tensor2D, c as tf.Tensor2D);
    return nativeKernelBackend('BpttLstmGates').executeMultipleOutputs('BpttLstmGates', [], [xProj, hProj, c], 3);
  },
});
registerKernelOnce({
  kernelName: LSTM_GATES_GRAD,
  backendName: NATIVE_BACKEND_NAME,
  kernelFunc: ({ inputs }) => {
    const { saved, c, dh, dcNew } = inputs as Record<'saved' | 'c' | 'dh' | 'dcNew', tf.Tensor2D>;
    if (!lstmStepKernels().available) return lstmGatesGradNative({ saved, c, dh, dcNew });
    return nativeKernelBackend('BpttLstmGatesGrad').executeMultipleOutputs('BpttLstmGatesGrad', [], [saved, c, dh, dcNew], 2);
  },
});
