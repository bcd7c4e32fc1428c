import { defineRun } from '../../../../src/declare.ts';
import reverse from '../../datasets/reverse/dataset.ts';

export default defineRun({
  dataset: reverse,
  description: 'A tiny GRU encoder-decoder without attention.',
  groups: ['basic', 'attention'],
  model: { cell: 'gru', embeddingDim: 16, hiddenDim: 32, attention: 'none' },
  train: { seed: 1, batchSize: 32, epochs: 2, maxSteps: 12, evalEvery: 6, checkpointEvery: 6 },
  evaluate: { beam: { width: 3 } },
});
