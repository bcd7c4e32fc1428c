/** zod validation that reports every issue with its field path and the value found there. */
import { Effect } from 'effect';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from './errors.ts';

export function validateConfig<S extends z.ZodType>(
  schema: S,
  value: unknown,
  file: string,
  pathPrefix: readonly (string | number)[] = [],
): Effect.Effect<z.output<S>, ConfigError> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return Effect.succeed(parsed.data);
  const issues: ConfigIssue[] = parsed.error.issues.map((issue) => {
    const path = [...pathPrefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    return { path: formatPath(path), message: issue.message, value: valueAt(value, issue.path.map(String)) };
  });
  return Effect.fail(new ConfigError({ file, issues }));
}

function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
