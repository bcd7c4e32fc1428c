/** The bench's --rounds aggregation (packages/train/bench/rounds.ts). */
import { describe, expect, it } from 'vitest';
import { medianRounds, roundRatios } from '../bench/rounds.ts';

describe('medianRounds', () => {
  const run = (name: string, tokensPerSecond: number, round: number) => ({ name, tokensPerSecond, round });

  it('keeps, per key, the run with the median tokens/s and lists every round in order', () => {
    const runs = [run('a', 100, 1), run('b', 10, 1), run('a', 300, 2), run('b', 30, 2), run('a', 200, 3), run('b', 20, 3)];
    expect(medianRounds(runs, (r) => r.name)).toEqual([
      { name: 'a', tokensPerSecond: 200, round: 3, roundsTokensPerSecond: [100, 300, 200] },
      { name: 'b', tokensPerSecond: 20, round: 3, roundsTokensPerSecond: [10, 30, 20] },
    ]);
  });

  it('takes the lower middle run of an even count, and a single round as it is', () => {
    expect(medianRounds([run('a', 5, 1), run('a', 1, 2)], (r) => r.name)).toEqual([{ name: 'a', tokensPerSecond: 1, round: 2, roundsTokensPerSecond: [5, 1] }]);
    expect(medianRounds([run('a', 7, 1)], (r) => r.name)).toEqual([{ name: 'a', tokensPerSecond: 7, round: 1, roundsTokensPerSecond: [7] }]);
  });
});

describe('roundRatios', () => {
  it('divides round by round and takes the median ratio (the lower middle one for an even count)', () => {
    // The bench's five-round run of the product against nn.LSTM, reference configuration.
    const paired = roundRatios([51251, 71689, 55435, 62393, 55351], [47660, 52603, 52527, 98783, 61985]);
    expect(paired?.ratios.map((r) => Number(r.toFixed(4)))).toEqual([1.0753, 1.3628, 1.0554, 0.6316, 0.893]);
    expect(paired?.median).toBeCloseTo(55435 / 52527, 12);
    expect(roundRatios([4, 1], [2, 2])?.median).toBe(0.5);
  });

  it('is undefined for one round or unequal round counts', () => {
    expect(roundRatios([1], [2])).toBeUndefined();
    expect(roundRatios([1, 2], [1, 2, 3])).toBeUndefined();
  });
});
