import { defineRun } from '../../../../src/declare.ts';
import brown from '../../datasets/brown/dataset.ts';

export default defineRun({
  dataset: brown,
  label: 'k2=5',
  groups: ['lm'],
  description: 'One-layer LSTM language model, TBPTT k1=k2=5, clip norm 0.25.',
  model: { cell: 'lstm', embeddingDim: 128, hiddenDim: 128, layers: 1 },
  train: { seed: 1, batchSize: 20, epochs: 2, evalEvery: 100, checkpointEvery: 100, optimizer: { type: 'adam', lr: 0.002 }, bptt: { mode: 'truncated', k1: 5, k2: 5 }, clip: { mode: 'norm', max: 0.25 } },
});
