/**
 * The Keras peer (peers/keras_seq2seq.py): the PyTorch peer's model in Keras 3 on TensorFlow for Python, trained
 * with train_on_batch (one compiled graph call per step). Optional: it runs when `import tensorflow, keras` works.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { BenchConfig } from './configs.ts';
import { runPeerScript, sizeArgs, type PeerRun } from './torch-peer.ts';

export const KERAS_SCRIPT = resolve(import.meta.dirname, 'peers', 'keras_seq2seq.py');

export interface KerasResult extends PeerRun {
  readonly config: BenchConfig['name'];
  /** "keras <version> / tensorflow <version>" */
  readonly version: string;
}

export type KerasAvailability = { readonly available: true; readonly version: string } | { readonly available: false; readonly reason: string };

export function kerasAvailability(): KerasAvailability {
  const probe = spawnSync('python3', ['-c', 'import os; os.environ["TF_CPP_MIN_LOG_LEVEL"]="3"; import keras, tensorflow as tf; print(keras.__version__, tf.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) return { available: false, reason: 'python3 cannot import tensorflow and keras (python3 -m pip install tensorflow-cpu)' };
  const [keras, tensorflow] = probe.stdout.trim().split(/\s+/);
  return { available: true, version: `keras ${keras} / tensorflow ${tensorflow}` };
}

export function runKerasPeer(config: BenchConfig, options: { steps: number; warmup: number; threads: number; timeoutMs: number }): KerasResult {
  const args = [...sizeArgs(config), '--steps', String(options.steps), '--warmup', String(options.warmup), '--threads', String(options.threads)];
  const { version, run } = runPeerScript(`Keras peer (${config.name})`, 'wall', KERAS_SCRIPT, args, options.timeoutMs);
  return { config: config.name, version, ...run };
}
