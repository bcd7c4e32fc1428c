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

/**
 * Our tokens/s over theirs, round by round, and the median of those ratios (the lower middle one for an even
 * count): both sides of a round ran minutes apart on the same host, so a slow phase of a shared machine slows both,
 * which the ratio of each side's median round does not account for. Undefined unless both ran the same number of
 * rounds, more than one.
 */
export function roundRatios(ours: readonly number[], theirs: readonly number[]): { readonly ratios: number[]; readonly median: number } | undefined {
  if (ours.length !== theirs.length || ours.length < 2) return undefined;
  const ratios = ours.map((x, k) => x / (theirs[k] as number));
  const sorted = [...ratios].sort((a, b) => a - b);
  return { ratios, median: sorted[Math.floor((sorted.length - 1) / 2)] as number };
}
