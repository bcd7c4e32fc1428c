import { defineRun } from '../../../../src/declare.ts';
import numbersSmall from '../../datasets/numbers-small/dataset.ts';

export default defineRun({
  dataset: numbersSmall,
  label: 'no dropout',
  groups: ['dropout'],
  description: 'Attention LSTM on 500 training pairs, no dropout: the overfitting baseline.',
  model: { cell: 'lstm', embeddingDim: 32, hiddenDim: 128, attention: 'dot' },
  train: { seed: 1, batchSize: 50, epochs: 100, maxSteps: 400, evalEvery: 50, checkpointEvery: 100, optimizer: { type: 'adam', lr: 0.003 }, clip: { mode: 'norm', max: 1 }, teacherForcing: { type: 'constant', ratio: 1 } },
  evaluate: { maxExamples: 300, beam: { width: 4, lengthPenalty: 0.6 }, attentionExamples: 3 },
});
