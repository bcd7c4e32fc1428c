/**
 * `--rounds N`: the whole bench (our cases, then the peers) runs N times in turn, so a slow phase of a shared host
 * hits every side instead of one; each case then reports the round with its median tokens/s (that round's own
 * profile, memory and loss figures), and every round's figure beside it.
 */
export interface RoundFigures {
  /** tokens/s of every round, in round order. */
  readonly roundsTokensPerSecond: readonly number[];
}

/**
 * One run per `key`: the one with the median tokens/s (the lower middle one for an even count), with
 * `roundsTokensPerSecond` added. Keys keep the order in which they first appear.
 */
export function medianRounds<T extends { readonly tokensPerSecond: number }>(runs: readonly T[], key: (run: T) => string): (T & RoundFigures)[] {
  const groups = new Map<string, T[]>();
  for (const run of runs) {
    const k = key(run);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [run]);
    else group.push(run);
  }
  return [...groups.values()].map((group) => {
    const sorted = [...group].sort((a, b) => a.tokensPerSecond - b.tokensPerSecond);
    const median = sorted[Math.floor((sorted.length - 1) / 2)] as T;
    return { ...median, roundsTokensPerSecond: group.map((run) => run.tokensPerSecond) };
  });
}
