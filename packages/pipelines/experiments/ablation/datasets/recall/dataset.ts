import { defineDataset } from '../../../../src/declare.ts';

export default defineDataset({
  description: 'Delayed recall: at every step, output the symbol seen 12 steps earlier (alphabet of 8).',
  synthesize: { task: 'delayed-recall', seed: 13, sizes: { train: 24000, valid: 4000, test: 4000 }, alphabetSize: 8, delay: 12 },
  tokenize: { minFrequency: 1 },
});
