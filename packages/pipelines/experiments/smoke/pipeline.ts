import { definePipeline } from '../../src/declare.ts';

export default definePipeline({
  title: 'Smoke test',
  description:
    'The whole pipeline on a toy problem (reversing short symbol sequences): synthesis, tokenisation, two tiny ' +
    'encoder-decoders trained for a few steps, evaluation and this report. It proves the plumbing and the cache, ' +
    'not the science; the models are far too small and briefly trained to solve the task.',
  expectedDuration: 'under a minute on 2 cores',
});
