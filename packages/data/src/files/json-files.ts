/** Parsing helpers shared by the dataset and tokenized file readers: every failure names the file (and line). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { DataFormatError } from '../errors.ts';

/** Reads the named files of a directory; a missing file is a DataFormatError naming its path. */
export function readFiles(dir: string, names: readonly string[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of names) {
    const path = join(dir, name);
    try {
      files[name] = readFileSync(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new DataFormatError(path, undefined, code === 'ENOENT' ? 'file is missing' : `cannot read: ${(error as Error).message}`);
    }
  }
  return files;
}

/** How errors name a file: its path under `location` when the files came from a directory. */
export function fileLabel(name: string, location: string | undefined): string {
  return location === undefined ? name : join(location, name);
}

export function requireFile(files: Readonly<Record<string, string>>, name: string, label: string): string {
  const text = files[name];
  if (text === undefined) throw new DataFormatError(label, undefined, 'file is missing');
  return text;
}

export function parseJson(text: string, file: string, line?: number): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new DataFormatError(file, line, `invalid JSON: ${(error as Error).message}`);
  }
}

/** Validates with a zod schema; the first issue becomes the reason, naming the field path. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, file: string, line?: number): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue === undefined ? '' : issue.path.map(String).join('.');
  const keys = issue?.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
  throw new DataFormatError(file, line, `${path === '' ? '' : `field "${path}": `}${issue?.message ?? 'invalid'}${keys}`);
}

/**
 * Parses JSON Lines: one JSON value per line, a final newline allowed, blank lines not (they usually mean a
 * truncated or hand-edited file). Each value goes through `schema`.
 */
export function parseJsonLines<S extends z.ZodType>(text: string, file: string, schema: S): z.output<S>[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new DataFormatError(file, undefined, 'split is empty');
  return lines.map((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') throw new DataFormatError(file, i + 1, 'empty line');
    return validate(schema, parseJson(line, file, i + 1), file, i + 1);
  });
}
