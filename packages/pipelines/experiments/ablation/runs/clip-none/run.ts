import { defineRun } from '../../../../src/declare.ts';
import recall from '../../datasets/recall/dataset.ts';

export default defineRun({
  dataset: recall,
  label: 'no clipping',
  groups: ['clipping'],
  description: 'SGD with a very large learning rate (10) and no clipping: nothing bounds the update.',
  onDivergence: 'record',
  model: { cell: 'lstm', embeddingDim: 16, hiddenDim: 64, layers: 1 },
  train: { seed: 1, batchSize: 32, epochs: 20, maxSteps: 300, evalEvery: 25, checkpointEvery: 100, optimizer: { type: 'sgd', lr: 10 }, bptt: { mode: 'truncated', k1: 2, k2: 16 }, clip: { mode: 'none' }, diagnostics: { every: 100, streamSteps: 24 } },
});
