/** The bench's --rounds aggregation (packages/train/bench/rounds.ts). */
import { describe, expect, it } from 'vitest';
import { medianRounds } from '../bench/rounds.ts';

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
