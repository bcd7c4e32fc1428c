/**
 * Delayed recall, an aligned stream: target[t] = source[t - delay], and the blank `_` while t < delay.
 * Splits are independent random streams (forked by split name); leakage does not apply to i.i.d. symbols.
 */
import type { Splits, StreamSplit } from '../dataset.ts';
import type { DelayedRecallConfig } from '../config.ts';
import { createRng } from '../random.ts';
import { BLANK_SYMBOL, symbolAlphabet } from './alphabet.ts';

export function synthesizeDelayedRecall(config: DelayedRecallConfig): Splits<StreamSplit> {
  const alphabet = symbolAlphabet(config.alphabetSize);
  const rng = createRng(config.seed);
  const stream = (split: keyof Splits<number>): StreamSplit => {
    const splitRng = rng.fork(split);
    const source = Array.from({ length: config.sizes[split] }, () => splitRng.pick(alphabet));
    const target = source.map((_, t) => (t < config.delay ? BLANK_SYMBOL : (source[t - config.delay] as string)));
    return { source, target };
  };
  return { train: stream('train'), valid: stream('valid'), test: stream('test') };
}
