import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import { initBackend, Seq2SeqModel, makeSeq2SeqBatch } from '@bptt/models';
await initBackend((process.argv[2] ?? 'wasm') as 'wasm');
const B = 64, H = 128, E = 64, V = 32, T = 20;
const rng = createRng(0);
const src = Array.from({ length: B }, () => Array.from({ length: T - 1 }, () => rng.int(4, V - 1)));
const tgt = Array.from({ length: B }, () => Array.from({ length: T - 1 }, () => rng.int(4, V - 1)));
const model = new Seq2SeqModel({ config: { hiddenDim: H, embeddingDim: E }, sourceVocabSize: V, targetVocabSize: V, seed: 0 });
const batch = makeSeq2SeqBatch({ source: src, target: tgt }, [...Array(B).keys()]);
const step = () => tf.tidy(() => { const { value, grads } = tf.variableGrads(() => model.forward(batch, { training: true, teacherForcing: { ratio: 1 } }).loss, model.trainableVariables as tf.Variable[]); return value; });
step().dispose();
const prof = await tf.profile(() => step());
const by = new Map<string, { ms: number; n: number }>();
for (const k of prof.kernels) { const e = by.get(k.name) ?? { ms: 0, n: 0 }; e.ms += k.kernelTimeMs as number; e.n++; by.set(k.name, e); }
console.log([...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15).map(([n, e]) => `${n} ${e.ms.toFixed(1)}ms x${e.n}`).join('\n'));
console.log('kernels', prof.kernels.length);
