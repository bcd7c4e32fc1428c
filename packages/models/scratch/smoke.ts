import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import { initBackend, Seq2SeqModel, makeSeq2SeqBatch } from '@bptt/models';

const info = await initBackend((process.argv[2] as 'cpu') ?? 'cpu');
console.log(JSON.stringify(info));
for (const attention of ['none', 'additive', 'dot', 'general'] as const) {
  const model = new Seq2SeqModel({ config: { attention, hiddenDim: 16, embeddingDim: 8, inputFeeding: attention === 'dot', bidirectional: attention === 'general' }, sourceVocabSize: 10, targetVocabSize: 12, seed: 1 });
  const batch = makeSeq2SeqBatch({ source: [[4, 5, 6], [7, 8]], target: [[5, 6, 7, 8], [9]] }, [0, 1]);
  for (const ratio of [1, 0.5, 0]) {
    const { value, grads } = tf.variableGrads(() => model.forward(batch, { training: true, teacherForcing: { ratio, rng: createRng(1) } }).loss, model.trainableVariables as tf.Variable[]);
    console.log(attention, ratio, value.dataSync()[0], Object.keys(grads).length, model.trainableVariables.length);
  }
}
