import { defineRun } from '../../../../src/declare.ts';
import cmudict from '../../datasets/cmudict/dataset.ts';

export default defineRun({
  dataset: cmudict,
  label: 'LSTM + additive attention',
  groups: ['g2p'],
  description: 'A one-layer LSTM encoder-decoder (attention: additive) on letters -> phones.',
  model: { cell: 'lstm', embeddingDim: 64, hiddenDim: 192, attention: 'additive' },
  train: { seed: 1, batchSize: 64, epochs: 30, maxSteps: 3000, evalEvery: 250, checkpointEvery: 250, optimizer: { type: 'adam', lr: 0.002 }, clip: { mode: 'norm', max: 1 } },
  evaluate: { beam: { width: 5, lengthPenalty: 0.6 }, attentionExamples: 3 },
});
