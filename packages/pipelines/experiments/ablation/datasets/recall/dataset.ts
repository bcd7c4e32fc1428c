import { defineDataset } from '../../../../src/declare.ts';

export default defineDataset({
  description: 'Delayed recall: at every step, output the symbol seen 4 steps earlier (alphabet of 4).',
  synthesize: { task: 'delayed-recall', seed: 13, sizes: { train: 20000, valid: 4000, test: 4000 }, alphabetSize: 4, delay: 4 },
  tokenize: { minFrequency: 1 },
});
