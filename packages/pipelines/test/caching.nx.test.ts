/**
 * The caching contract, proven on the real `nx` and the smoke pipeline, in a temporary copy of the workspace.
 * Which stages really executed is read from BPTT_EXECUTION_LOG (each stage appends its task id when it runs;
 * a stage restored from the Nx cache does not run, so it does not append).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SOURCE_ROOT = resolve(import.meta.dirname, '../../..');
const SMOKE = 'packages/pipelines/experiments/smoke';
const ALL_SMOKE_TASKS = [
  'smoke-data-reverse:synthesize',
  'smoke-data-reverse:tokenize',
  'smoke-run-gru:evaluate',
  'smoke-run-gru:train',
  'smoke-run-lstm:evaluate',
  'smoke-run-lstm:train',
  'smoke:report',
];

let root = '';
let log = '';

/** A copy of the tracked and untracked (not ignored) files, with node_modules linked to the real one. */
function copyWorkspace(): string {
  const target = mkdtempSync(join(tmpdir(), 'bptt-nx-'));
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: SOURCE_ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f && existsSync(join(SOURCE_ROOT, f)) && !f.startsWith('informes/'));
  for (const file of files) {
    mkdirSync(join(target, file, '..'), { recursive: true });
    cpSync(join(SOURCE_ROOT, file), join(target, file));
  }
  // node_modules: link every package to the real install, except our own workspaces, which point into the copy,
  // so that an edited source in the copy is the source that runs.
  const modules = join(target, 'node_modules');
  mkdirSync(join(modules, '@bptt'), { recursive: true });
  for (const entry of readdirSync(join(SOURCE_ROOT, 'node_modules'))) {
    if (entry === '@bptt') continue;
    symlinkSync(join(SOURCE_ROOT, 'node_modules', entry), join(modules, entry));
  }
  for (const pkg of readdirSync(join(SOURCE_ROOT, 'packages'))) {
    symlinkSync(join(target, 'packages', pkg), join(modules, '@bptt', pkg));
  }
  return target;
}

function runSmoke(): { status: number; output: string; executed: string[] } {
  rmSync(log, { force: true });
  const result = spawnSync('npx', ['nx', 'run', 'pipelines:smoke', '--parallel=2', '--outputStyle=static'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true', BPTT_EXECUTION_LOG: log, BPTT_BACKEND: 'cpu' },
  });
  const executed = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).sort() : [];
  return { status: result.status ?? -1, output: `${result.stdout}\n${result.stderr}`, executed };
}

function edit(file: string, transform: (text: string) => string): void {
  const path = join(root, file);
  const before = readFileSync(path, 'utf8');
  const after = transform(before);
  expect(after).not.toBe(before);
  writeFileSync(path, after);
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(join(root, d), { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out[join(d, e.name)] = readFileSync(join(root, d, e.name), 'base64');
    }
  };
  walk(dir);
  return out;
}

describe('nx caching contract on pipelines:smoke', () => {
  beforeAll(() => {
    root = copyWorkspace();
    log = join(root, 'execution.log');
  });
  afterAll(() => {
    if (root && !process.env['BPTT_KEEP_TMP']) rmSync(root, { recursive: true, force: true });
  });

  let coldArtifacts: Record<string, string> = {};

  it('a cold run executes every stage once', () => {
    const run = runSmoke();
    expect(run.status, run.output).toBe(0);
    expect(run.executed).toEqual(ALL_SMOKE_TASKS);
    expect(existsSync(join(root, 'informes/smoke/README.md'))).toBe(true);
    // Every run records the backend and the fused-recurrence policy it trained under.
    const summary = JSON.parse(readFileSync(join(root, 'artifacts/smoke/runs/lstm/train/summary.json'), 'utf8')) as Record<string, unknown>;
    expect(summary).toMatchObject({ backend: 'cpu', fusedRecurrence: 'auto' });
    coldArtifacts = { ...snapshot('artifacts/smoke'), ...snapshot('informes/smoke') };
  });

  it('1. a second run executes nothing: every task is a cache hit', () => {
    const run = runSmoke();
    expect(run.status, run.output).toBe(0);
    expect(run.executed).toEqual([]);
  });

  it('2. deleted outputs are restored from the cache, byte for byte, and nothing executes', () => {
    rmSync(join(root, 'artifacts'), { recursive: true, force: true });
    rmSync(join(root, 'informes/smoke'), { recursive: true, force: true });
    const run = runSmoke();
    expect(run.status, run.output).toBe(0);
    expect(run.executed).toEqual([]);
    expect({ ...snapshot('artifacts/smoke'), ...snapshot('informes/smoke') }).toEqual(coldArtifacts);
  });

  it('3. editing one run reruns exactly its training and evaluation, plus the report', () => {
    edit(`${SMOKE}/runs/gru/run.ts`, (t) => t.replace('maxSteps: 12', 'maxSteps: 10'));
    const run = runSmoke();
    expect(run.status, run.output).toBe(0);
    expect(run.executed).toEqual(['smoke-run-gru:evaluate', 'smoke-run-gru:train', 'smoke:report']);
    const why = spawnSync('node', ['--conditions=@bptt/source', '--import', 'tsx', 'packages/pipelines/src/cli/main.ts', 'why', 'smoke-run-lstm:train'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, BPTT_BACKEND: 'cpu' },
    });
    expect(why.stdout).toContain('identical to its last execution');
  });

  it('4. changing the dataset seed reruns synthesis and everything downstream', () => {
    edit(`${SMOKE}/datasets/reverse/dataset.ts`, (t) => t.replace('seed: 1,', 'seed: 2,'));
    const why = spawnSync('node', ['--conditions=@bptt/source', '--import', 'tsx', 'packages/pipelines/src/cli/main.ts', 'why', 'smoke-data-reverse:synthesize'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(why.stdout).toContain('config synthesize.seed: 1 -> 2');
    const run = runSmoke();
    expect(run.status, run.output).toBe(0);
    expect(run.executed).toEqual(ALL_SMOKE_TASKS);
  });

  it('5a. a change to @bptt/models reruns the training stages, not the data stages', () => {
    edit('packages/models/src/index.ts', (t) => `${t}\n// a comment that changes the source hash\n`);
    const run = runSmoke();
    expect(run.status, run.output).toBe(0);
    expect(run.executed).toEqual(expect.arrayContaining(['smoke-run-gru:train', 'smoke-run-lstm:train']));
    expect(run.executed).not.toContain('smoke-data-reverse:synthesize');
    expect(run.executed).not.toContain('smoke-data-reverse:tokenize');
  });

  it('5b. a stage that reruns with byte-identical output does not rerun the stages below it', () => {
    edit('packages/pipelines/src/stages/synthesize.ts', (t) => `${t}\n// a comment that changes the source hash\n`);
    const run = runSmoke();
    expect(run.status, run.output).toBe(0);
    expect(run.executed).toEqual(['smoke-data-reverse:synthesize']);
  });

  it('6. an invalid config fails its stage with the field and value, and leaves no output folder', () => {
    edit(`${SMOKE}/runs/lstm/run.ts`, (t) => t.replace('hiddenDim: 32', 'hiddenDim: -3'));
    const run = runSmoke();
    expect(run.status).not.toBe(0);
    expect(run.output).toContain(`${SMOKE}/runs/lstm/run.ts`);
    expect(run.output).toContain('model.hiddenDim');
    expect(run.output).toContain('-3');
    expect(existsSync(join(root, 'artifacts/smoke/runs/lstm/train'))).toBe(false);
    expect(run.executed).toContain('smoke-run-lstm:train');
  });
});
