/**
 * Bad input to a metric. Metrics are computed long after the data was produced, so the message names the
 * function, the offending field (with its index) and the value: enough to find the line that made it.
 * The `_tag` lets Effect code match it with `Effect.catchTag`.
 */
export class MetricsInputError extends Error {
  readonly _tag = 'MetricsInputError' as const;
  override readonly name = 'MetricsInputError';
  /** The public function that rejected its input, e.g. `corpusBleu`. */
  readonly origin: string;
  /** Path of the offending argument, e.g. `references[1]` or `options.smoothMethod`. */
  readonly field: string;
  readonly value: unknown;

  constructor(origin: string, field: string, value: unknown, reason: string) {
    super(`${origin}: ${field} = ${describeValue(value)}: ${reason}`);
    this.origin = origin;
    this.field = field;
    this.value = value;
  }
}

/** A short, single-line rendering of a value for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return `array(length ${value.length})`;
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  return Object.prototype.toString.call(value);
}
