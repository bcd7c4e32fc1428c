/** The execution ledger behind `bptt why`: one fingerprint per task, written when the task really executes. */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stableStringify } from '@bptt/data';
import { extractDeclaration, isDeclarationRef, type ExtractedDeclaration } from '../declarations/extract.ts';
import {
  locateDeclaration,
  stageOutputDir,
  upstreamStages,
  type DeclarationLocation,
  type StageName,
} from '../declarations/layout.ts';
import { stageEnv, stageSourcePatterns } from '../nx-plugin/targets.ts';
import { expandPattern, hashFiles, type Fingerprint } from './fingerprint.ts';

// Outside artifacts/ (which users delete to force a cache restore) and outside any Nx output.
const LEDGER_DIR = join('.bptt', 'ledger');

export function datasetOfRun(workspaceRoot: string, runFile: string): DeclarationLocation {
  const ref = extractDeclaration(workspaceRoot, runFile).value['dataset'];
  const location = isDeclarationRef(ref) ? locateDeclaration(ref.$ref) : undefined;
  if (!location || location.kind !== 'dataset') throw new Error(`${runFile}: field "dataset" does not reference a dataset declaration`);
  return location;
}

export function computeFingerprint(
  workspaceRoot: string,
  location: DeclarationLocation,
  stage: StageName,
  declaration: ExtractedDeclaration,
): Fingerprint {
  const sources = stageSourcePatterns(stage).flatMap((pattern) => expandPattern(workspaceRoot, pattern));
  const upstream = upstreamStages(workspaceRoot, location, stage, (file) => datasetOfRun(workspaceRoot, file)).flatMap((u) =>
    expandPattern(workspaceRoot, stageOutputDir(u.location, u.stage)),
  );
  const env: Record<string, string> = {};
  for (const name of stageEnv(stage)) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return {
    task: `${location.projectName}:${stage}`,
    declaration: declaration.value,
    files: hashFiles(workspaceRoot, [...sources, ...upstream]),
    env,
  };
}

function ledgerFile(workspaceRoot: string, task: string): string {
  return join(workspaceRoot, LEDGER_DIR, `${task.replace(':', '--')}.json`);
}

export function recordFingerprint(workspaceRoot: string, fingerprint: Fingerprint): void {
  const file = ledgerFile(workspaceRoot, fingerprint.task);
  mkdirSync(join(workspaceRoot, LEDGER_DIR), { recursive: true });
  writeFileSync(`${file}.tmp`, stableStringify(fingerprint));
  renameSync(`${file}.tmp`, file);
}

export function readFingerprint(workspaceRoot: string, task: string): Fingerprint | undefined {
  const file = ledgerFile(workspaceRoot, task);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Fingerprint) : undefined;
}
