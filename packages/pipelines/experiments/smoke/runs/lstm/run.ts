import { defineRun } from '../../../../src/declare.ts';
import reverse from '../../datasets/reverse/dataset.ts';

export default defineRun({
  dataset: reverse,
  description: 'A tiny LSTM encoder-decoder with dot attention.',
  groups: ['attention', 'teacher-forcing', 'exposure-bias'],
  model: { cell: 'lstm', embeddingDim: 16, hiddenDim: 32, attention: 'dot' },
  train: { seed: 1, batchSize: 32, epochs: 2, maxSteps: 12, evalEvery: 6, checkpointEvery: 6 },
  evaluate: { beam: { width: 3 }, attentionExamples: 2 },
});
