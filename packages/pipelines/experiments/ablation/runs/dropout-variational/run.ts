import { defineRun } from '../../../../src/declare.ts';
import numbersSmall from '../../datasets/numbers-small/dataset.ts';

export default defineRun({
  dataset: numbersSmall,
  label: 'variational 0.3',
  groups: ['dropout'],
  description: 'Variational dropout 0.3 (one mask per sequence, on inputs and hidden state).',
  model: { cell: 'lstm', embeddingDim: 32, hiddenDim: 128, attention: 'dot', dropout: { variational: 0.3 } },
  train: { seed: 1, batchSize: 50, epochs: 100, maxSteps: 400, evalEvery: 50, checkpointEvery: 100, optimizer: { type: 'adam', lr: 0.003 }, clip: { mode: 'norm', max: 1 }, teacherForcing: { type: 'constant', ratio: 1 } },
  evaluate: { maxExamples: 300, beam: { width: 4, lengthPenalty: 0.6 }, attentionExamples: 3 },
});
