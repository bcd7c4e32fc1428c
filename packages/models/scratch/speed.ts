import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import { initBackend, Seq2SeqModel, makeSeq2SeqBatch } from '@bptt/models';
const backend = (process.argv[2] ?? 'wasm') as 'wasm';
const attention = (process.argv[3] ?? 'none') as 'none';
await initBackend(backend);
const B = 64, H = 128, E = 64, V = 32, T = 20;
const rng = createRng(0);
// T-1 tokens + EOS = T source steps; T-1 targets + BOS/EOS = T decoder steps
const src = Array.from({ length: B }, () => Array.from({ length: T - 1 }, () => rng.int(4, V - 1)));
const tgt = Array.from({ length: B }, () => Array.from({ length: T - 1 }, () => rng.int(4, V - 1)));
const model = new Seq2SeqModel({ config: { hiddenDim: H, embeddingDim: E, attention }, sourceVocabSize: V, targetVocabSize: V, seed: 0 });
const batch = makeSeq2SeqBatch({ source: src, target: tgt }, [...Array(B).keys()]);
const opt = tf.train.adam(1e-3);
const times: number[] = [];
for (let i = 0; i < 13; i++) {
  const t0 = performance.now();
  const loss = opt.minimize(() => model.forward(batch, { training: true, teacherForcing: { ratio: 1 } }).loss, true, model.trainableVariables as tf.Variable[]);
  const v = loss!.dataSync()[0]; loss!.dispose();
  if (i >= 3) times.push(performance.now() - t0);
  if (i === 12) console.log('loss', v, 'tensors', tf.memory().numTensors);
}
times.sort((a, b) => a - b);
const med = times[Math.floor(times.length / 2)]!;
console.log(backend, attention, 'median ms', med.toFixed(1), 'tokens/s', Math.round((B * T) / (med / 1000)));
