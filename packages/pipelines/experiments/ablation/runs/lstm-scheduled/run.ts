import { defineRun } from '../../../../src/declare.ts';
import numbers from '../../datasets/numbers/dataset.ts';

export default defineRun({
  dataset: numbers,
  label: 'LSTM, scheduled',
  groups: ['teacher-forcing', 'exposure-bias'],
  description: 'LSTM without attention with scheduled sampling (inverse sigmoid decay, k=100).',
  model: { cell: 'lstm', embeddingDim: 32, hiddenDim: 96, attention: 'none' },
  train: { seed: 1, batchSize: 64, epochs: 100, maxSteps: 500, evalEvery: 100, checkpointEvery: 100, optimizer: { type: 'adam', lr: 0.003 }, clip: { mode: 'norm', max: 1 }, teacherForcing: { type: 'inverseSigmoid', k: 100 } },
  evaluate: { maxExamples: 300, beam: { width: 4, lengthPenalty: 0.6 }, attentionExamples: 3 },
});
