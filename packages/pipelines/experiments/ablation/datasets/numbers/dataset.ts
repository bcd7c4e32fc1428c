import { defineDataset } from '../../../../src/declare.ts';

export default defineDataset({
  description: 'Spanish number words to English number words, 0 to 999 999, log-uniform.',
  synthesize: { task: 'numbers-es-en', seed: 11, sizes: { train: 6000, valid: 300, test: 300 } },
  tokenize: { minFrequency: 1 },
});
