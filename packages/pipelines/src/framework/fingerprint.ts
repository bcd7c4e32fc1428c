/**
 * What a stage execution depended on: its declaration, the content of its input files (sources it uses and
 * upstream outputs) and the environment that changes its bytes. Recorded at every execution in a ledger, so that
 * `bptt why` can say what changed since, the way `dvc status` does. Nx decides whether to rerun; this explains it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { StaticValue } from '../declarations/extract.ts';

export interface Fingerprint {
  readonly task: string;
  readonly declaration: StaticValue;
  /** Workspace-relative path -> sha256 of the content (first 16 hex digits). */
  readonly files: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
}

/** Expands `{workspaceRoot}/some/dir/**\/*` and `{workspaceRoot}/some/dir/**\/*.ts` patterns and plain files/folders. */
export function expandPattern(workspaceRoot: string, pattern: string): string[] {
  const path = pattern.replace('{workspaceRoot}/', '');
  const star = path.indexOf('/**/');
  if (star < 0) {
    const absolute = join(workspaceRoot, path);
    if (!existsSync(absolute)) return [];
    return statSync(absolute).isDirectory() ? listFiles(workspaceRoot, absolute) : [path];
  }
  const base = path.slice(0, star);
  const leaf = path.slice(star + 4);
  const suffix = leaf === '*' ? '' : leaf.replace(/^\*/, '');
  return listFiles(workspaceRoot, join(workspaceRoot, base)).filter((file) => file.endsWith(suffix));
}

function listFiles(workspaceRoot: string, dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(workspaceRoot, full));
    else if (entry.isFile()) out.push(relative(workspaceRoot, full));
  }
  return out.sort();
}

export function hashFiles(workspaceRoot: string, files: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of [...new Set(files)].sort()) {
    out[file] = createHash('sha256').update(readFileSync(join(workspaceRoot, file))).digest('hex').slice(0, 16);
  }
  return out;
}

export interface FingerprintDiff {
  readonly configChanges: readonly { path: string; before: unknown; after: unknown }[];
  readonly changedFiles: readonly string[];
  readonly addedFiles: readonly string[];
  readonly removedFiles: readonly string[];
  readonly envChanges: readonly { name: string; before: string | undefined; after: string | undefined }[];
}

export function diffFingerprints(before: Fingerprint, after: Fingerprint): FingerprintDiff {
  const configChanges: { path: string; before: unknown; after: unknown }[] = [];
  diffValues(before.declaration, after.declaration, '', configChanges);
  const changedFiles: string[] = [];
  const addedFiles: string[] = [];
  const removedFiles: string[] = [];
  for (const [file, hash] of Object.entries(after.files)) {
    const old = before.files[file];
    if (old === undefined) addedFiles.push(file);
    else if (old !== hash) changedFiles.push(file);
  }
  for (const file of Object.keys(before.files)) if (!(file in after.files)) removedFiles.push(file);
  const envChanges: { name: string; before: string | undefined; after: string | undefined }[] = [];
  for (const name of new Set([...Object.keys(before.env), ...Object.keys(after.env)])) {
    if (before.env[name] !== after.env[name]) envChanges.push({ name, before: before.env[name], after: after.env[name] });
  }
  return { configChanges, changedFiles, addedFiles, removedFiles, envChanges };
}

function diffValues(a: unknown, b: unknown, path: string, out: { path: string; before: unknown; after: unknown }[]): void {
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      diffValues(a[key], b[key], path ? `${path}.${key}` : key, out);
    }
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path: path || '(root)', before: a, after: b });
}

export function describeDiff(task: string, diff: FingerprintDiff): string {
  const lines: string[] = [];
  for (const change of diff.configChanges) {
    lines.push(`  config ${change.path}: ${JSON.stringify(change.before) ?? '(absent)'} -> ${JSON.stringify(change.after) ?? '(absent)'}`);
  }
  for (const file of diff.changedFiles) lines.push(`  changed ${file}`);
  for (const file of diff.addedFiles) lines.push(`  added   ${file}`);
  for (const file of diff.removedFiles) lines.push(`  removed ${file}`);
  for (const change of diff.envChanges) lines.push(`  env ${change.name}: ${change.before ?? '(unset)'} -> ${change.after ?? '(unset)'}`);
  if (lines.length === 0) {
    return `${task}: its inputs are identical to its last execution on this machine, so Nx does not rerun it (cache hit).\n`;
  }
  return `${task} reruns because, since its last execution on this machine:\n${lines.join('\n')}\n`;
}
