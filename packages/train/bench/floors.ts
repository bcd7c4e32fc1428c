/**
 * Lower bounds on a training step's time for one backend, from the pieces no implementation on that backend can
 * avoid. main.ts turns them into ceilings (the best tokens/s any implementation could reach there) and sets them
 * next to PyTorch, which is how the bench shows whether a speed target is out of reach and by how much.
 *
 * Measured, each as the median of many calls after a warm-up:
 * - dispatch: one tiny kernel (tf.add on [1] inside tf.tidy), the fixed cost every tfjs op pays;
 * - the three recurrent matmuls of one time step at this config's sizes: forward h W_hh [B, H] x [H, 4H], and the
 *   backward pass's dz W_hhᵀ [B, 4H] x [4H, H] and hᵀ dz [H, B] x [B, 4H];
 * - native only: TensorFlow's BlockLSTMV2 and BlockLSTMGradV2 over T steps (one layer), the fused path's core;
 * - resident memory once the backend has loaded and run one op (node, tsx, tfjs and @bptt/models included), before
 *   any of the above runs.
 *
 *   node --conditions=@bptt/source --import tsx packages/train/bench/floors.ts --backend tensorflow --config reference
 *
 * Prints one `FLOORS {json}` line (or `UNAVAILABLE reason`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, nativeLstmSequence, type BackendName } from '@bptt/models';
import { benchConfig, type BenchConfig } from './configs.ts';
import { median, round } from './measure.ts';
import { startBackend } from './setup-backend.ts';

export interface Floors {
  readonly backend: BackendName;
  readonly config: BenchConfig['name'];
  /** µs per tiny kernel, the tfjs + backend dispatch cost. */
  readonly dispatchUs: number;
  /** µs per call of the step's three recurrent matmuls (forward, dh, dW). */
  readonly matMulUs: { readonly forward: number; readonly inputGrad: number; readonly weightGrad: number };
  /** ms for one layer's BlockLSTMV2 + BlockLSTMGradV2 over T steps (native only). */
  readonly blockLstmMs?: number;
  /** Resident set after the backend loaded and ran its first kernels, MiB. */
  readonly loadedRssMiB: number;
}

function timeUs(body: () => void, calls: number): number {
  for (let i = 0; i < Math.min(20, calls); i++) body();
  const samples: number[] = [];
  const perSample = Math.max(1, Math.floor(calls / 10));
  for (let s = 0; s < 10; s++) {
    const t0 = performance.now();
    for (let i = 0; i < perSample; i++) body();
    samples.push(((performance.now() - t0) * 1000) / perSample);
  }
  return median(samples);
}

function matMulUs(a: tf.Tensor2D, b: tf.Tensor2D, calls: number): number {
  // dataSync on the last call of each sample would add a read-back; tfjs backends here run kernels synchronously.
  return timeUs(() => tf.tidy(() => tf.matMul(a, b)), calls);
}

function blockLstmMs(config: BenchConfig): number {
  const { B, H, E, T } = config;
  const x = tf.randomNormal([T, B, E]) as tf.Tensor3D;
  const h0 = tf.zeros([B, H]) as tf.Tensor2D;
  const c0 = tf.zeros([B, H]) as tf.Tensor2D;
  const kernel = tf.randomNormal([E, 4 * H], 0, 0.1) as tf.Tensor2D;
  const recurrentKernel = tf.randomNormal([H, 4 * H], 0, 0.1) as tf.Tensor2D;
  const bias = tf.zeros([4 * H]) as tf.Tensor1D;
  const step = tf.grads((xIn: tf.Tensor, k: tf.Tensor, r: tf.Tensor) =>
    tf.sum(nativeLstmSequence(xIn as tf.Tensor3D, h0, c0, { kernel: k as tf.Tensor2D, recurrentKernel: r as tf.Tensor2D, bias }).h),
  );
  const us = timeUs(() => tf.dispose(step([x, kernel, recurrentKernel])), 30);
  tf.dispose([x, h0, c0, kernel, recurrentKernel, bias]);
  return us / 1000;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (name: string): string => {
    const at = argv.indexOf(`--${name}`);
    const value = at < 0 ? undefined : argv[at + 1];
    if (value === undefined) throw new Error(`floors.ts: --${name} is required`);
    return value;
  };
  const backend = arg('backend') as BackendName;
  const config = benchConfig(arg('config'));
  try {
    await startBackend(backend);
  } catch (error) {
    if (error instanceof BackendUnavailableError) {
      process.stdout.write(`UNAVAILABLE ${error.message}\n`);
      return;
    }
    throw error;
  }
  const { B, H } = config;
  const one = tf.ones([1]);
  tf.add(one, one).dispose();
  // Before anything else allocates: what the runtime, tfjs and the backend's library cost by themselves.
  const loadedRssMiB = Math.round(process.memoryUsage().rss / 2 ** 20);
  const dispatchUs = timeUs(() => tf.tidy(() => tf.add(one, one)), 4000);
  const h = tf.randomNormal([B, H]) as tf.Tensor2D;
  const W = tf.randomNormal([H, 4 * H]) as tf.Tensor2D;
  const dz = tf.randomNormal([B, 4 * H]) as tf.Tensor2D;
  const WT = tf.randomNormal([4 * H, H]) as tf.Tensor2D;
  const hT = tf.randomNormal([H, B]) as tf.Tensor2D;
  const calls = backend === 'cpu' ? 40 : 400;
  const floors: Floors = {
    backend,
    config: config.name,
    dispatchUs: round(dispatchUs, 1),
    matMulUs: { forward: round(matMulUs(h, W, calls), 1), inputGrad: round(matMulUs(dz, WT, calls), 1), weightGrad: round(matMulUs(hT, dz, calls), 1) },
    ...(backend === 'tensorflow' ? { blockLstmMs: round(blockLstmMs(config), 2) } : {}),
    loadedRssMiB,
  };
  tf.dispose([one, h, W, dz, WT, hT]);
  process.stdout.write(`FLOORS ${JSON.stringify(floors)}\n`);
}

await main();
