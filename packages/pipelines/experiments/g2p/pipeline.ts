import { definePipeline } from '../../src/declare.ts';

export default definePipeline({
  title: 'Grapheme to phoneme on the CMU Pronouncing Dictionary',
  description:
    'Words to ARPAbet phones (stress stripped, 39 phones), split by word so that no test word is seen in training. ' +
    'An LSTM encoder-decoder with and without attention, scored by phone error rate (PER) and word error rate ' +
    '(WER: a word is wrong unless every phone is right), next to published encoder-decoder results.',
  expectedDuration: 'about 5 minutes on 2 cores with native TensorFlow (--parallel=2), cold cache; on wasm, which has no graph steps, 20 minutes or more',
});
