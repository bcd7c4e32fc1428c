/**
 * Draws train/valid/test examples so that no source appears twice, within or across splits (no leakage).
 * Test is drawn first, then valid, then train, each from its own forked stream: so a test set stays the same
 * when only the train size changes, and a larger train set extends (never reshuffles) the smaller one.
 */
import type { Seq2seqExample, Splits } from '../dataset.ts';
import { DatasetConfigError } from '../errors.ts';
import type { Rng } from '../random.ts';

export interface UniqueDrawOptions<E extends Seq2seqExample> {
  readonly rng: Rng;
  readonly sizes: Splits<number>;
  readonly draw: (rng: Rng) => E;
  /**
   * Identity used for de-duplication; default the source string. It may be coarser than the source (addition
   * keys a+b and b+a alike), but equal sources must always get equal keys.
   */
  readonly key?: (example: E) => string;
  /** Names the config in errors. */
  readonly task: string;
}

/** Rejection sampling gives up after this many draws per requested example (plus a floor for tiny splits). */
const ATTEMPTS_PER_EXAMPLE = 200;
const ATTEMPTS_FLOOR = 100_000;

export function drawUniqueSplits<E extends Seq2seqExample>(options: UniqueDrawOptions<E>): Splits<E[]> {
  const { rng, sizes, draw, task } = options;
  const key = options.key ?? ((example: E) => example.source);
  const seen = new Set<string>();
  const drawSplit = (split: keyof Splits<number>): E[] => {
    const splitRng = rng.fork(split);
    const wanted = sizes[split];
    const out: E[] = [];
    const maxAttempts = wanted * ATTEMPTS_PER_EXAMPLE + ATTEMPTS_FLOOR;
    for (let attempt = 0; out.length < wanted; attempt++) {
      if (attempt >= maxAttempts) {
        throw new DatasetConfigError(`${task} config`, [
          {
            field: `sizes.${split}`,
            value: wanted,
            reason: `only ${out.length} new unique examples found in ${maxAttempts} draws (${seen.size} drawn in all); the task's space is nearly exhausted, so ask for fewer examples or widen the task`,
          },
        ]);
      }
      const example = draw(splitRng);
      const id = key(example);
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(example);
    }
    return out;
  };
  const test = drawSplit('test');
  const valid = drawSplit('valid');
  const train = drawSplit('train');
  return { train, valid, test };
}
