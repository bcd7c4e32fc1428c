import { definePipeline } from '../../src/declare.ts';

export default definePipeline({
  title: 'Language modelling on the Brown corpus with truncated BPTT',
  description:
    'Running English text (POS tags stripped, lowercased, 5 000-word vocabulary) modelled by an LSTM trained with ' +
    'truncated BPTT at several window lengths, with gradient clipping and recurrent dropout; validation and test ' +
    'perplexity per run.',
  expectedDuration: 'about 2.5 minutes on 2 cores with native TensorFlow (--parallel=2), about 5 minutes on wasm, cold cache',
});
