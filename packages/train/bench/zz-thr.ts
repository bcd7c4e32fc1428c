import * as tf from '@tensorflow/tfjs-core';
import { readdirSync, readFileSync } from 'node:fs';
import { startBackend } from './setup-backend.ts';
async function main() {
  if (process.argv[2]) process.env['TF_NUM_INTRAOP_THREADS'] = process.argv[2];
  await startBackend('tensorflow');
  const a = tf.randomNormal([512, 512]); for (let i = 0; i < 5; i++) tf.matMul(a, a).dataSync();
  const names = readdirSync('/proc/self/task').map((t) => readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim());
  const counts: Record<string, number> = {}; for (const n of names) counts[n] = (counts[n] ?? 0) + 1;
  console.log(process.argv[2] ?? 'unset', JSON.stringify(counts));
}
main();
