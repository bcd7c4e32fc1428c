/**
 * Addition as in Keras' addition_rnn example: "123+45" -> "168". Operands are unpadded (batching pads);
 * a+b and b+a are treated as the same question, so one can never sit in train and the other in test.
 */
import type { Seq2seqExample, Splits } from '../dataset.ts';
import type { AdditionConfig } from '../config.ts';
import { createRng, type Rng } from '../random.ts';
import { drawUniqueSplits } from './unique-splits.ts';

/** A number with a digit count uniform in 1..maxDigits, then uniform among the numbers with that many digits. */
function drawOperand(rng: Rng, maxDigits: number): number {
  const digits = rng.int(1, maxDigits);
  return digits === 1 ? rng.int(0, 9) : rng.int(10 ** (digits - 1), 10 ** digits - 1);
}

interface AdditionExample extends Seq2seqExample {
  readonly pairKey: string;
}

export function synthesizeAddition(config: AdditionConfig): Splits<Seq2seqExample[]> {
  const splits = drawUniqueSplits<AdditionExample>({
    rng: createRng(config.seed),
    sizes: config.sizes,
    task: config.task,
    key: (example) => example.pairKey,
    draw: (rng) => {
      const a = drawOperand(rng, config.digits);
      const b = drawOperand(rng, config.digits);
      const question = `${a}+${b}`;
      return {
        source: config.reverseSource ? [...question].reverse().join('') : question,
        target: String(a + b),
        pairKey: a <= b ? `${a}+${b}` : `${b}+${a}`,
      };
    },
  });
  const strip = (examples: AdditionExample[]): Seq2seqExample[] =>
    examples.map(({ source, target }) => ({ source, target }));
  return { train: strip(splits.train), valid: strip(splits.valid), test: strip(splits.test) };
}
