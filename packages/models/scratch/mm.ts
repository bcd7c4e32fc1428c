import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@bptt/models';
await initBackend((process.argv[2] ?? 'wasm') as 'wasm');
function time(name: string, f: () => tf.Tensor, n = 50) {
  for (let i = 0; i < 3; i++) tf.tidy(f).dataSync();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) { const r = tf.tidy(f); r.dataSync(); r.dispose(); }
  console.log(name, ((performance.now() - t0) / n).toFixed(3), 'ms');
}
const h = tf.randomNormal([64, 128]); const W = tf.randomNormal([128, 512]); const g = tf.randomNormal([64, 512]);
const WT = tf.transpose(W);
time('h@W (same W)', () => tf.matMul(h, W));
time('h@(W+0) fresh W', () => tf.matMul(h, tf.add(W, 0)));
time('g@W^T flag', () => tf.matMul(g, W, false, true));
time('g@WT plain', () => tf.matMul(g, WT));
time('h^T@g flag', () => tf.matMul(h, g, true, false));
time('transpose h', () => tf.transpose(h));
time('transpose W', () => tf.transpose(W));
const x = tf.randomNormal([20, 64, 512]);
time('unstack [20,64,512]', () => { const parts = tf.unstack(x); return parts[0]!; }, 10);
time('split 4', () => tf.split(g, 4, 1)[0]!);
time('sigmoid', () => tf.sigmoid(g));
time('add', () => tf.add(g, g));
