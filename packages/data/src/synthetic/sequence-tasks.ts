/** copy, reverse and sort: the classic sequence-to-sequence sanity tasks over a symbol alphabet. */
import type { Seq2seqExample, Splits } from '../dataset.ts';
import type { CopyConfig, ReverseConfig, SortConfig } from '../config.ts';
import { createRng, type Rng } from '../random.ts';
import { symbolAlphabet } from './alphabet.ts';
import { drawUniqueSplits } from './unique-splits.ts';

type SequenceConfig = CopyConfig | ReverseConfig | SortConfig;

/** Symbol indices of one random sequence, its length uniform in [minLength, maxLength]. */
export function drawSymbolIndices(rng: Rng, alphabetSize: number, minLength: number, maxLength: number): number[] {
  const length = rng.int(minLength, maxLength);
  return Array.from({ length }, () => rng.int(0, alphabetSize - 1));
}

const TRANSFORMS: Record<SequenceConfig['task'], (indices: number[]) => number[]> = {
  copy: (indices) => indices,
  reverse: (indices) => indices.slice().reverse(),
  sort: (indices) => indices.slice().sort((a, b) => a - b),
};

export function synthesizeSequenceTask(config: SequenceConfig): Splits<Seq2seqExample[]> {
  const alphabet = symbolAlphabet(config.alphabetSize);
  const spell = (indices: number[]): string => indices.map((i) => alphabet[i]).join(' ');
  const transform = TRANSFORMS[config.task];
  return drawUniqueSplits({
    rng: createRng(config.seed),
    sizes: config.sizes,
    task: config.task,
    draw: (rng) => {
      const indices = drawSymbolIndices(rng, config.alphabetSize, config.length.min, config.length.max);
      return { source: spell(indices), target: spell(transform(indices)) };
    },
  });
}
