import { defineRun } from '../../../../src/declare.ts';
import recall from '../../datasets/recall/dataset.ts';

export default defineRun({
  dataset: recall,
  label: 'clip norm 1',
  groups: ['clipping'],
  description: 'The same SGD run with the global gradient norm clipped to 1 (clip_grad_norm_).',
  model: { cell: 'lstm', embeddingDim: 16, hiddenDim: 64, layers: 1 },
  train: { seed: 1, batchSize: 32, epochs: 20, maxSteps: 300, evalEvery: 25, checkpointEvery: 100, optimizer: { type: 'sgd', lr: 10 }, bptt: { mode: 'truncated', k1: 2, k2: 16 }, clip: { mode: 'norm', max: 1 }, diagnostics: { every: 100, streamSteps: 24 } },
});
