/** Shared test set-up: the backend (cpu unless BPTT_BACKEND says otherwise) and a float32 gradient check. */
import * as tf from '@tensorflow/tfjs-core';
import { createRng, type Rng } from '@bptt/data';
import { backendChoiceFromEnv, initBackend, type BackendInfo } from '@bptt/models';

export function useTestBackend(): Promise<BackendInfo> {
  return initBackend(backendChoiceFromEnv(process.env, 'cpu'));
}

export function randomIds(rng: Rng, rows: number, min: number, max: number, minLength: number, maxLength: number): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: rng.int(minLength, maxLength) }, () => rng.int(min, max)));
}

export function randomTensor(rng: Rng, shape: number[], scale = 1): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => rng.normal() * scale), shape);
}

export interface GradientCheck {
  readonly name: string;
  readonly analytic: number;
  readonly numeric: number;
}

/**
 * For each variable, compares the analytic directional derivative <dL/dv, d> along a random unit direction d with
 * the central difference (L(v + εd) - L(v - εd)) / 2ε. One direction per variable catches a wrong gradient in any
 * variable while keeping float32 noise low (the difference aggregates every coordinate).
 */
export function checkGradients(loss: () => tf.Scalar, variables: readonly [string, tf.Variable][], seed: number, epsilon = 1e-2): GradientCheck[] {
  const rng = createRng(seed);
  const { grads } = tf.variableGrads(loss, variables.map(([, v]) => v));
  const results: GradientCheck[] = [];
  for (const [name, v] of variables) {
    const direction = tf.tidy(() => {
      const d = randomTensor(rng, v.shape);
      return tf.div(d, tf.norm(d));
    });
    const grad = grads[v.name];
    const analytic = grad === undefined ? 0 : tf.tidy(() => tf.sum(tf.mul(grad, direction)).dataSync()[0] as number);
    const original = tf.clone(v);
    v.assign(tf.tidy(() => tf.add(original, tf.mul(direction, epsilon))));
    const plus = tf.tidy(() => loss().dataSync()[0] as number);
    v.assign(tf.tidy(() => tf.sub(original, tf.mul(direction, epsilon))));
    const minus = tf.tidy(() => loss().dataSync()[0] as number);
    v.assign(original);
    tf.dispose([original, direction]);
    results.push({ name, analytic, numeric: (plus - minus) / (2 * epsilon) });
  }
  tf.dispose(Object.values(grads));
  return results;
}

/** Relative agreement with an absolute floor for near-zero derivatives. */
export function gradientError(check: GradientCheck): number {
  return Math.abs(check.analytic - check.numeric) / Math.max(Math.abs(check.analytic), Math.abs(check.numeric), 1e-2);
}
