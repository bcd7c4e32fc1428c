/** Spanish number words -> English number words ("trescientos veinte" -> "three hundred twenty"). */
import type { Seq2seqExample, Splits } from '../dataset.ts';
import type { NumbersEsEnConfig } from '../config.ts';
import { createRng, type Rng } from '../random.ts';
import { englishNumberWords } from './english-numbers.ts';
import { spanishNumberWords } from './spanish-numbers.ts';
import { drawUniqueSplits } from './unique-splits.ts';

/** [lo, hi] sub-ranges of [min, max] holding the numbers with 1, 2, 3, ... digits. */
function digitBands(min: number, max: number): [number, number][] {
  const bands: [number, number][] = [];
  for (let digits = 1; digits <= 6; digits++) {
    const lo = Math.max(min, digits === 1 ? 0 : 10 ** (digits - 1));
    const hi = Math.min(max, 10 ** digits - 1);
    if (lo <= hi) bands.push([lo, hi]);
  }
  return bands;
}

export function synthesizeNumbersEsEn(config: NumbersEsEnConfig): Splits<Seq2seqExample[]> {
  const bands = digitBands(config.range.min, config.range.max);
  const drawNumber = (rng: Rng): number => {
    if (config.distribution === 'uniform') return rng.int(config.range.min, config.range.max);
    const [lo, hi] = rng.pick(bands);
    return rng.int(lo, hi);
  };
  return drawUniqueSplits({
    rng: createRng(config.seed),
    sizes: config.sizes,
    task: config.task,
    draw: (rng) => {
      const n = drawNumber(rng);
      return { source: spanishNumberWords(n), target: englishNumberWords(n, { hyphens: config.englishHyphens }) };
    },
  });
}
