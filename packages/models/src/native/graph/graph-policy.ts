/**
 * Whether training steps on native TensorFlow run as compiled graphs (graph-function-cache.ts).
 *
 * - `auto` (default): on the `tensorflow` backend, @bptt/train compiles each teacher-forced seq2seq step (forward
 *   and backward) into one TensorFlow graph per batch shape. Bench, reference config: forward + backward 17 ms as
 *   a graph against 58 ms eager on the fused path (112 ms eager step by step).
 * - `off`: every step eager, op by op.
 *
 * The graph runs the step-by-step recurrence with masks at every position (see Padding.read), so its floats can
 * differ in the last bits from an eager run of the same config, which uses TensorFlow's fused sequence kernel;
 * the pipelines therefore hash BPTT_NATIVE_GRAPH into their training stages. Set with BPTT_NATIVE_GRAPH or
 * `setNativeGraphSteps`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { envChoice } from '../../env-choice.ts';
import { NATIVE_BACKEND_NAME } from '../load.ts';

export const NATIVE_GRAPH_CHOICES = ['auto', 'off'] as const;
export type NativeGraphSteps = (typeof NATIVE_GRAPH_CHOICES)[number];
export const NATIVE_GRAPH_VARIABLE = 'BPTT_NATIVE_GRAPH';

export function nativeGraphStepsFromEnv(env: NodeJS.ProcessEnv = process.env): NativeGraphSteps {
  return envChoice(env, NATIVE_GRAPH_VARIABLE, NATIVE_GRAPH_CHOICES, 'auto');
}

let policy: NativeGraphSteps | undefined;

export function nativeGraphSteps(): NativeGraphSteps {
  policy ??= nativeGraphStepsFromEnv();
  return policy;
}

export function setNativeGraphSteps(next: NativeGraphSteps): void {
  policy = next;
}

/** Whether training should compile its steps now: policy `auto` and the native backend active. */
export function graphStepsApply(): boolean {
  return nativeGraphSteps() === 'auto' && tf.getBackend() === NATIVE_BACKEND_NAME;
}
