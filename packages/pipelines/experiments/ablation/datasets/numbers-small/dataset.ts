import { defineDataset } from '../../../../src/declare.ts';

export default defineDataset({
  description: 'The same task with only 500 training pairs, so that a model can overfit it (for dropout).',
  synthesize: { task: 'numbers-es-en', seed: 12, sizes: { train: 500, valid: 300, test: 300 } },
  tokenize: { minFrequency: 1 },
});
