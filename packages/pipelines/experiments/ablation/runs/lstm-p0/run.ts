import { defineRun } from '../../../../src/declare.ts';
import numbers from '../../datasets/numbers/dataset.ts';

export default defineRun({
  dataset: numbers,
  label: 'LSTM, p=0',
  groups: ['teacher-forcing', 'exposure-bias'],
  description: 'LSTM without attention trained free-running (p=0): it always sees its own predictions.',
  model: { cell: 'lstm', embeddingDim: 32, hiddenDim: 96, attention: 'none' },
  train: { seed: 1, batchSize: 64, epochs: 100, maxSteps: 500, evalEvery: 100, checkpointEvery: 100, optimizer: { type: 'adam', lr: 0.003 }, clip: { mode: 'norm', max: 1 }, teacherForcing: { type: 'constant', ratio: 0 } },
  evaluate: { maxExamples: 300, beam: { width: 4, lengthPenalty: 0.6 }, attentionExamples: 3 },
});
