import { defineRun } from '../../../../src/declare.ts';
import recall from '../../datasets/recall/dataset.ts';

export default defineRun({
  dataset: recall,
  label: 'no clipping',
  groups: ['clipping'],
  description: 'SGD with a large learning rate (1.0) and no clipping: gradients are free to explode.',
  onDivergence: 'record',
  model: { cell: 'lstm', embeddingDim: 16, hiddenDim: 64, layers: 1 },
  train: { seed: 1, batchSize: 32, epochs: 20, maxSteps: 400, evalEvery: 50, checkpointEvery: 200, optimizer: { type: 'sgd', lr: 1 }, bptt: { mode: 'truncated', k1: 16, k2: 32 }, clip: { mode: 'none' }, diagnostics: { every: 100, streamSteps: 40 } },
});
