import { definePipeline } from '../../src/declare.ts';

export default definePipeline({
  title: 'BPTT ablation: what recurrent seq2seq models learn through time',
  description:
    'The course project, answered with numbers. Encoder-decoders translate Spanish number words into English ' +
    '(a small translation task where BLEU means something), and recurrent taggers recall a symbol seen a fixed ' +
    'number of steps earlier (a long-range dependency that truncated BPTT can or cannot reach). Each run is one ' +
    'Nx project; every seq2seq run is evaluated with teacher forcing (p=1) and free-running (p=0), greedy and beam.',
  expectedDuration: 'about 3 minutes on 2 cores with --parallel=2 on native TensorFlow, about 4 minutes on wasm, cold cache',
});
