/**
 * Long recall: read hundreds of random symbols, then output the first `recall` of them. The answer depends only
 * on the start of the input, so an encoder must carry it across the whole sequence: a test for how far back
 * gradients reach under truncated BPTT.
 */
import type { Seq2seqExample, Splits } from '../dataset.ts';
import type { LongRecallConfig } from '../config.ts';
import { createRng } from '../random.ts';
import { symbolAlphabet } from './alphabet.ts';
import { drawSymbolIndices } from './sequence-tasks.ts';
import { drawUniqueSplits } from './unique-splits.ts';

export function synthesizeLongRecall(config: LongRecallConfig): Splits<Seq2seqExample[]> {
  const alphabet = symbolAlphabet(config.alphabetSize);
  return drawUniqueSplits({
    rng: createRng(config.seed),
    sizes: config.sizes,
    task: config.task,
    draw: (rng) => {
      const symbols = drawSymbolIndices(rng, config.alphabetSize, config.length.min, config.length.max).map(
        (i) => alphabet[i] as string,
      );
      return { source: symbols.join(' '), target: symbols.slice(0, config.recall).join(' ') };
    },
  });
}
