import { defineRun } from '../../../../src/declare.ts';
import recall from '../../datasets/recall/dataset.ts';

export default defineRun({
  dataset: recall,
  label: 'clip value 0.05',
  groups: ['clipping'],
  description: 'The same SGD run with every gradient element clipped to [-0.05, 0.05] (clip_grad_value_).',
  model: { cell: 'lstm', embeddingDim: 16, hiddenDim: 64, layers: 1 },
  train: { seed: 1, batchSize: 32, epochs: 20, maxSteps: 300, evalEvery: 25, checkpointEvery: 100, optimizer: { type: 'sgd', lr: 10 }, bptt: { mode: 'truncated', k1: 2, k2: 16 }, clip: { mode: 'value', max: 0.05 }, diagnostics: { every: 100, streamSteps: 24 } },
});
