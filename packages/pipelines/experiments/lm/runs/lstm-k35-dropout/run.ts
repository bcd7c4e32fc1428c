import { defineRun } from '../../../../src/declare.ts';
import brown from '../../datasets/brown/dataset.ts';

export default defineRun({
  dataset: brown,
  label: 'k2=35, variational 0.3',
  groups: ['lm'],
  description: 'One-layer LSTM language model, TBPTT k1=k2=35, clip norm 0.25, variational dropout 0.3.',
  model: { cell: 'lstm', embeddingDim: 128, hiddenDim: 128, layers: 1, dropout: { variational: 0.3 } },
  train: { seed: 1, batchSize: 20, epochs: 2, evalEvery: 100, checkpointEvery: 100, optimizer: { type: 'adam', lr: 0.002 }, bptt: { mode: 'truncated', k1: 35, k2: 35 }, clip: { mode: 'norm', max: 0.25 } },
});
