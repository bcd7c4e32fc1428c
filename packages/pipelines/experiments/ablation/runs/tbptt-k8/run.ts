import { defineRun } from '../../../../src/declare.ts';
import recall from '../../datasets/recall/dataset.ts';

export default defineRun({
  dataset: recall,
  label: 'k2=8',
  groups: ['truncation'],
  description: 'Truncated BPTT, update every k1=4 steps, gradients through k2=8 steps; the dependency is 12 steps long.',
  model: { cell: 'lstm', embeddingDim: 16, hiddenDim: 64, layers: 1 },
  train: { seed: 1, batchSize: 32, epochs: 20, maxSteps: 600, evalEvery: 100, checkpointEvery: 200, optimizer: { type: 'adam', lr: 0.005 }, bptt: { mode: 'truncated', k1: 4, k2: 8 }, clip: { mode: 'norm', max: 1 }, diagnostics: { every: 200, streamSteps: 40 } },
});
