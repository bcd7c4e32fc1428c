/**
 * The two ways data can be wrong: a config that asks for something impossible, and a file that does not parse.
 * Both carry a `_tag` so Effect code can match them with `Effect.catchTag`, and both name the exact place to fix.
 */

export interface ConfigProblem {
  /** Dotted path of the offending field, e.g. `length.min`; empty for the whole config. */
  readonly field: string;
  /** The value found there (undefined when the field was missing or defaulted). */
  readonly value: unknown;
  readonly reason: string;
}

export class DatasetConfigError extends Error {
  readonly _tag = 'DatasetConfigError' as const;
  override readonly name = 'DatasetConfigError';
  /** Where the config came from (a file path or a label such as `dataset config`). */
  readonly origin: string;
  readonly problems: readonly ConfigProblem[];

  constructor(origin: string, problems: readonly ConfigProblem[]) {
    super(`${origin}: ${problems.map(formatProblem).join('; ')}`);
    this.origin = origin;
    this.problems = problems;
  }

  /** The first problem's field, the usual thing a caller wants to point at. */
  get field(): string {
    return this.problems[0]?.field ?? '';
  }
}

function formatProblem(problem: ConfigProblem): string {
  const where = problem.field === '' ? '(config)' : problem.field;
  const value = problem.value === undefined ? '' : ` = ${describeValue(problem.value)}`;
  return `${where}${value}: ${problem.reason}`;
}

/** A short, single-line rendering of a value for error messages. */
export function describeValue(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export class DataFormatError extends Error {
  readonly _tag = 'DataFormatError' as const;
  override readonly name = 'DataFormatError';
  readonly file: string;
  /** 1-based line number, or undefined when the problem concerns the whole file. */
  readonly line: number | undefined;
  readonly reason: string;

  constructor(file: string, line: number | undefined, reason: string) {
    super(line === undefined ? `${file}: ${reason}` : `${file}:${line}: ${reason}`);
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}
