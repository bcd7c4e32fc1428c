import { defineRun } from '../../../../src/declare.ts';
import numbers from '../../datasets/numbers/dataset.ts';

export default defineRun({
  dataset: numbers,
  label: 'LSTM + general',
  groups: ['attention'],
  description: 'LSTM with multiplicative (Luong general) attention.',
  model: { cell: 'lstm', embeddingDim: 32, hiddenDim: 96, attention: 'general' },
  train: { seed: 1, batchSize: 64, epochs: 100, maxSteps: 500, evalEvery: 100, checkpointEvery: 100, optimizer: { type: 'adam', lr: 0.003 }, clip: { mode: 'norm', max: 1 }, teacherForcing: { type: 'constant', ratio: 1 } },
  evaluate: { maxExamples: 300, beam: { width: 4, lengthPenalty: 0.6 }, attentionExamples: 3 },
});
