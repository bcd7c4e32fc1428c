import { defineRun } from '../../../../src/declare.ts';
import recall from '../../datasets/recall/dataset.ts';

export default defineRun({
  dataset: recall,
  label: 'k2=8',
  groups: ['truncation'],
  description: 'Truncated BPTT, update every k1=2 steps, gradients through k2=8 steps; the dependency is 4 steps long.',
  model: { cell: 'lstm', embeddingDim: 16, hiddenDim: 64, layers: 1 },
  train: { seed: 1, batchSize: 32, epochs: 20, maxSteps: 500, evalEvery: 50, checkpointEvery: 100, optimizer: { type: 'adam', lr: 0.01 }, bptt: { mode: 'truncated', k1: 2, k2: 8 }, clip: { mode: 'norm', max: 1 }, diagnostics: { every: 100, streamSteps: 24 } },
});
