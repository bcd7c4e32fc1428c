/**
 * The failures a stage can report. Each one is a tagged value in the Effect error channel, so callers see what
 * can go wrong, and the CLI turns each into one clear line and a non-zero exit.
 */
import { Data } from 'effect';

/** A config field that failed validation: names the file, the field path and the offending value. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
  readonly value: unknown;
}

export class ConfigError extends Data.TaggedError('ConfigError')<{
  readonly file: string;
  readonly issues: readonly ConfigIssue[];
}> {
  override get message(): string {
    return this.issues
      .map((issue) => `${this.file}: ${issue.path || '(root)'}: ${issue.message} (got ${formatValue(issue.value)})`)
      .join('\n');
  }
}

/** The declaration changed after Nx hashed it, or could not be read. */
export class DeclarationMismatchError extends Data.TaggedError('DeclarationMismatchError')<{
  readonly file: string;
  readonly reason: string;
}> {
  override get message(): string {
    return `${this.file}: ${this.reason}`;
  }
}

/** An upstream output the stage needs is missing or malformed. */
export class InputError extends Data.TaggedError('InputError')<{
  readonly path: string;
  readonly reason: string;
}> {
  override get message(): string {
    return `${this.path}: ${this.reason}`;
  }
}

/** The stage's own computation failed (divergence, bad data, a backend that cannot load...). */
export class StageFailure extends Data.TaggedError('StageFailure')<{
  readonly stage: string;
  readonly reason: string;
  readonly cause?: unknown;
}> {
  override get message(): string {
    return `stage ${this.stage} failed: ${this.reason}`;
  }
}

/** Writing the stage's output failed; nothing was left behind. */
export class OutputError extends Data.TaggedError('OutputError')<{
  readonly path: string;
  readonly reason: string;
}> {
  override get message(): string {
    return `${this.path}: ${this.reason}`;
  }
}

export type StageError = ConfigError | DeclarationMismatchError | InputError | StageFailure | OutputError;

export function formatValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
