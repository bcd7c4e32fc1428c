import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import { initBackend, Seq2SeqModel, makeSeq2SeqBatch, greedyDecode, beamSearch, predictTeacherForced } from '@bptt/models';
await initBackend('cpu');
const rng = createRng('x');
const ids = (n: number) => Array.from({ length: 4 }, () => Array.from({ length: n }, () => rng.int(4, 11)));
const model = new Seq2SeqModel({ config: { embeddingDim: 6, hiddenDim: 8, attention: 'dot', inputFeeding: true }, sourceVocabSize: 12, targetVocabSize: 12, seed: 1 });
const batch = makeSeq2SeqBatch({ source: ids(4), target: ids(3) }, [0, 1, 2, 3]);
for (const [name, f] of [['greedy', () => greedyDecode(model, batch.source, batch.sourceMask, { maxLength: 6 })], ['beam', () => beamSearch(model, batch.source, batch.sourceMask, { width: 3, maxLength: 6 })], ['tf', () => predictTeacherForced(model, batch)]] as const) {
  const before = tf.memory().numTensors;
  try { f(); console.log(name, 'ok', tf.memory().numTensors - before); } catch (e) { console.log(name, (e as Error).stack?.split('\n').slice(0, 12).join('\n')); }
}
