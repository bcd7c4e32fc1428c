import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import { initBackend, Seq2SeqModel, makeSeq2SeqBatch } from '@bptt/models';
await initBackend('cpu');
const model = new Seq2SeqModel({ config: { hiddenDim: 16, embeddingDim: 8 }, sourceVocabSize: 10, targetVocabSize: 12, seed: 1 });
const batch = makeSeq2SeqBatch({ source: [[4, 5, 6], [7, 8]], target: [[5, 6, 7, 8], [9]] }, [0, 1]);
for (const ratio of [1, 0.5, 0]) {
  const seen: number[][] = [];
  model.hooks = { onDecoderInput: (t, tokens) => seen.push(Array.from(tokens.dataSync())) };
  const loss = model.forward(batch, { training: true, teacherForcing: { ratio, rng: createRng(1) } }).loss.dataSync()[0];
  console.log(ratio, loss, JSON.stringify(seen));
}
