import { defineDataset } from '../../../../src/declare.ts';

export default defineDataset({
  description: 'Reverse sequences of 3 to 6 symbols from an alphabet of 8.',
  synthesize: { task: 'reverse', seed: 1, sizes: { train: 256, valid: 32, test: 32 }, alphabetSize: 8, length: { min: 3, max: 6 } },
  tokenize: { minFrequency: 1 },
});
