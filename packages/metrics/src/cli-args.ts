/**
 * A small argv parser for the metric commands, shaped like Python's argparse as sacreBLEU uses it: options may
 * come before or after positionals, `--name value` and `--name=value` both work, `--` ends the options.
 */

export interface OptionSpec {
  /** Spellings, e.g. `['--tokenize', '-tok']`. */
  readonly names: readonly string[];
  /** Key in the parsed result. */
  readonly key: string;
  /** Takes a value (`--width 2`), or is a flag (`--lowercase`). */
  readonly takesValue: boolean;
  readonly choices?: readonly string[];
}

export interface ParsedArgs {
  readonly values: ReadonlyMap<string, string | true>;
  readonly positionals: readonly string[];
}

/** A command-line mistake: printed with the usage, exit code 2 (argparse's). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const byName = new Map<string, OptionSpec>();
  for (const spec of specs) for (const name of spec.names) byName.set(name, spec);
  const values = new Map<string, string | true>();
  const positionals: string[] = [];

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    // A lone "-" and negative numbers are values, not options.
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const name = arg.startsWith('--') && equals !== -1 ? arg.slice(0, equals) : arg;
    const spec = byName.get(name);
    if (spec === undefined) throw new UsageError(`unrecognized option ${name}`);
    if (!spec.takesValue) {
      if (name !== arg) throw new UsageError(`option ${name} takes no value`);
      values.set(spec.key, true);
      continue;
    }
    let value: string;
    if (name !== arg) {
      value = arg.slice(equals + 1);
    } else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-' && !/^-\d/.test(next))) {
        throw new UsageError(`option ${name} expects a value`);
      }
      value = next;
      i++;
    }
    if (spec.choices !== undefined && !spec.choices.includes(value)) {
      throw new UsageError(`option ${name}: invalid choice ${JSON.stringify(value)} (choose from ${spec.choices.join(', ')})`);
    }
    values.set(spec.key, value);
  }
  return { values, positionals };
}

/** An option's value parsed as an integer within bounds. */
export function integerOption(parsed: ParsedArgs, key: string, name: string, fallback: number, min: number): number {
  const raw = parsed.values.get(key);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw === true || !Number.isInteger(value) || value < min) {
    throw new UsageError(`option ${name}: expected an integer >= ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** An option's value parsed as a finite number, or undefined when absent. */
export function numberOption(parsed: ParsedArgs, key: string, name: string): number | undefined {
  const raw = parsed.values.get(key);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw === true || raw.trim() === '' || !Number.isFinite(value)) {
    throw new UsageError(`option ${name}: expected a number, got ${JSON.stringify(raw)}`);
  }
  return value;
}
