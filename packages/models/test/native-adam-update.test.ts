/**
 * BpttAdamUpdate, the step-kernels addon's one-pass Adam update (native/step-kernels/adam_update.c), as the
 * `tensorflow` kernel of adamUpdate and adamUpdateWithScalarTensors: equal bit for bit to Adam written out in
 * TensorFlow's own ops (the composite), eager and in a traced step, over several updates; one kernel per parameter
 * in the trace (and the composite's 13 without the addon); shape errors name the op and the input. Skipped, with the
 * reason, where tfjs-node does not load or the addon is not built.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import { adamUpdateComposite, adamUpdate, adamUpdateWithScalarTensors, type AdamUpdateScalars } from '../src/fused/adam-update.ts';
import { nativeKernelBackend, nativeStepKernels, setNativeStepKernels, traceNativeFunction, tryLoadNativeTensorflow } from '../src/native/index.ts';

const status = tryLoadNativeTensorflow();
const built = existsSync(path.join(import.meta.dirname, '..', 'native', 'step-kernels', 'build', 'Release', 'step_kernels.node')) && process.platform === 'linux';
if (!status.available) console.warn(`native-adam-update.test.ts skipped: ${status.reason}`);
else if (!built) console.warn('native-adam-update.test.ts skipped: the step-kernels addon is not built');

const rng = createRng('native-adam-update');
const [beta1, beta2, lr, eps] = [0.9, 0.999, 3e-3, 1e-8];
const scalarsAt = (t: number): AdamUpdateScalars => ({ beta1, beta2, eps, sqrtBiasCorrection2: Math.sqrt(1 - beta2 ** t), stepSize: lr / (1 - beta1 ** t) });

/** Runs `update` for 4 steps from the same start as the composite, comparing every output bit for bit. */
function expectSameAsComposite(shape: number[], update: (w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: AdamUpdateScalars) => tf.Tensor[]): void {
  const n = shape.reduce((a, b) => a * b, 1);
  const random = (scale: number) => tf.tensor(Array.from({ length: n }, () => rng.normal() * scale), shape);
  let kernel = [random(1), tf.zeros(shape), tf.zeros(shape)];
  let reference = kernel.map((t) => t.clone());
  for (let t = 1; t <= 4; t++) {
    const g = random(t === 3 ? 1e-6 : 2); // one step with tiny gradients, where eps matters
    const s = scalarsAt(t);
    const next = update(kernel[0]!, g, kernel[1]!, kernel[2]!, s);
    const expected = adamUpdateComposite(reference[0]!, g, reference[1]!, reference[2]!, s);
    tf.dispose([...kernel, ...reference, g]);
    [kernel, reference] = [next, expected];
    kernel.forEach((k) => expect(k.shape).toEqual(shape));
    kernel.forEach((k, i) => expect(Buffer.from(k.dataSync().buffer).equals(Buffer.from(reference[i]!.dataSync().buffer)), `step ${t}, output ${i}`).toBe(true));
  }
  expect(kernel[0]!.dataSync().some((x, k) => x !== reference[0]!.dataSync()[k])).toBe(false);
  tf.dispose([...kernel, ...reference]);
}

const withScalarTensors = (w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: AdamUpdateScalars): tf.Tensor[] => {
  const stepSize = tf.scalar(s.stepSize);
  const sqrtBiasCorrection2 = tf.scalar(s.sqrtBiasCorrection2);
  try {
    return adamUpdateWithScalarTensors(w, g, m, v, { ...s, stepSize, sqrtBiasCorrection2 });
  } finally {
    tf.dispose([stepSize, sqrtBiasCorrection2]);
  }
};

/** The ops of one traced update of a [3, 4] parameter, by op name. */
function tracedOps(): Map<string, number> {
  const inputs = [tf.randomNormal([3, 4]), tf.randomNormal([3, 4]), tf.zeros([3, 4]), tf.zeros([3, 4]), tf.scalar(0.5), tf.scalar(0.1)];
  const [w, g, m, v, stepSize, sqrtBiasCorrection2] = inputs as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Scalar, tf.Scalar];
  const { outputs, trace } = traceNativeFunction(nativeKernelBackend('test'), inputs, () => adamUpdateWithScalarTensors(w, g, m, v, { beta1, beta2, eps, stepSize, sqrtBiasCorrection2 }));
  tf.dispose([...inputs, ...outputs]);
  if (!trace.ok) throw new Error(`not traced: ${trace.reason}`);
  const counts = new Map<string, number>();
  for (const node of trace.graph.nodes) counts.set(node.op, (counts.get(node.op) ?? 0) + 1);
  return counts;
}

describe.skipIf(!status.available || !built)('BpttAdamUpdate (step-kernels addon) as Adam\'s kernel on tensorflow', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('tensorflow')).toBe(true);
    expect(nativeStepKernels().available, nativeStepKernels().detail).toBe(true);
  });

  test.each([[[8]], [[5]], [[3, 7]], [[64, 20]], [[2, 3, 5]], [[1]]])('adamUpdate equals the composite bit for bit over 4 updates (shape %j)', (shape) => {
    expectSameAsComposite(shape, adamUpdate);
  });

  test.each([[[8]], [[3, 7]], [[64, 20]], [[2, 3, 5]]])('adamUpdateWithScalarTensors equals the composite bit for bit over 4 updates (shape %j)', (shape) => {
    expectSameAsComposite(shape, withScalarTensors);
  });

  test('a traced update is one BpttAdamUpdate kernel; with BPTT_NATIVE_STEP_KERNELS=off it is the composite', () => {
    const fused = tracedOps();
    expect(fused.get('BpttAdamUpdate')).toBe(1);
    expect(fused.has('Sqrt')).toBe(false);
    setNativeStepKernels('off');
    try {
      const composed = tracedOps();
      expect(composed.has('BpttAdamUpdate')).toBe(false);
      expect(composed.get('Sqrt')).toBe(1);
      expect(composed.get('Mul')).toBeGreaterThanOrEqual(5);
    } finally {
      setNativeStepKernels('auto');
    }
  });

  test('the kernel refuses bad shapes, naming the op and the input', () => {
    const backend = nativeKernelBackend('test');
    const run = (inputs: tf.Tensor[]) => () => tf.dispose(backend.executeMultipleOutputs('BpttAdamUpdate', [], inputs, 3));
    const [a, b, c] = [tf.zeros([2, 3]), tf.zeros([3, 2]), tf.zeros([2, 3])];
    const [s, hyper] = [tf.scalar(1), tf.tensor1d([0.9, 0.1, 0.999, 0.001, 1e-8])];
    expect(run([a, b, c, c, s, s, hyper])).toThrow('BpttAdamUpdate: input g must have the shape of w (2 dimensions, 6 values)');
    expect(run([a, a, a, c, tf.zeros([1]), s, hyper])).toThrow('BpttAdamUpdate: input step_size must be a scalar, got rank 1');
    expect(run([a, a, a, c, s, s, tf.zeros([4])])).toThrow('BpttAdamUpdate: input hyper must be float32 [5]');
    tf.dispose([a, b, c, s, hyper]);
  });
});
