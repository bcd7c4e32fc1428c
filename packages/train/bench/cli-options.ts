/**
 * The bench scripts' command-line reading (main.ts, paired.ts, run-case.ts): `--name value` options, checked, with
 * an error that names the script, the option and the value.
 */
export interface OptionReader {
  /** The value after `--name`, or undefined when the option is absent. */
  value(name: string): string | undefined;
  /** A comma-separated list whose items must be among `allowed`. */
  list<T extends string>(name: string, allowed: readonly T[], fallback: readonly T[]): T[];
  /** An integer of at least `least` (default 0). */
  count(name: string, fallback: number, least?: number): number;
}

export function optionReader(argv: readonly string[], script: string): OptionReader {
  const value = (name: string): string | undefined => {
    const at = argv.indexOf(`--${name}`);
    if (at < 0) return undefined;
    const v = argv[at + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${script}: --${name} needs a value`);
    return v;
  };
  return {
    value,
    list<T extends string>(name: string, allowed: readonly T[], fallback: readonly T[]): T[] {
      const raw = value(name);
      if (raw === undefined) return [...fallback];
      const items = raw.split(',');
      for (const item of items) {
        if (!(allowed as readonly string[]).includes(item)) throw new Error(`${script}: --${name} got '${item}', expected some of ${allowed.join(', ')}`);
      }
      return items as T[];
    },
    count(name: string, fallback: number, least = 0): number {
      const raw = value(name);
      if (raw === undefined) return fallback;
      const n = Number(raw);
      if (!Number.isInteger(n) || n < least) throw new Error(`${script}: --${name} must be an integer >= ${least}, got '${raw}'`);
      return n;
    },
  };
}
