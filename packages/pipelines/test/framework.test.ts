import { describe, expect, it } from 'vitest';
import { describeDiff, diffFingerprints, type Fingerprint } from '../src/framework/fingerprint.ts';
import { lineProgress } from '../src/framework/progress.ts';
import { parseArgs } from '../src/cli/args.ts';
import { backendChoiceFrom } from '../src/framework/backend.ts';

const base: Fingerprint = {
  task: 'demo-run-a:train',
  declaration: { model: { cell: 'lstm', hiddenDim: 32 }, train: { seed: 1 } },
  files: { 'packages/models/src/a.ts': 'aaaa', 'packages/models/src/b.ts': 'bbbb' },
  env: {},
};

describe('bptt why: fingerprint diffs', () => {
  it('names changed config fields with old and new values, and changed files', () => {
    const after: Fingerprint = {
      ...base,
      declaration: { model: { cell: 'gru', hiddenDim: 32 }, train: { seed: 1, lr: 0.1 } },
      files: { 'packages/models/src/a.ts': 'aaaa', 'packages/models/src/b.ts': 'cccc', 'packages/models/src/c.ts': 'dddd' },
      env: { BPTT_BACKEND: 'cpu' },
    };
    const diff = diffFingerprints(base, after);
    expect(diff.configChanges).toEqual([
      { path: 'model.cell', before: 'lstm', after: 'gru' },
      { path: 'train.lr', before: undefined, after: 0.1 },
    ]);
    expect(diff.changedFiles).toEqual(['packages/models/src/b.ts']);
    expect(diff.addedFiles).toEqual(['packages/models/src/c.ts']);
    const text = describeDiff(base.task, diff);
    expect(text).toContain('config model.cell: "lstm" -> "gru"');
    expect(text).toContain('config train.lr: (absent) -> 0.1');
    expect(text).toContain('env BPTT_BACKEND: (unset) -> cpu');
  });

  it('says when nothing changed', () => {
    expect(describeDiff(base.task, diffFingerprints(base, base))).toContain('identical to its last execution');
  });
});

describe('progress in CI logs', () => {
  it('prints plain lines at most once per interval, and always at the end', () => {
    const lines: string[] = [];
    let now = 0;
    const progress = lineProgress((l) => lines.push(l), 10_000, () => now);
    progress.start('train', 100);
    for (let step = 1; step <= 100; step++) {
      now += 500;
      progress.update({ done: step, total: 100, metrics: { loss: 1 / step } });
    }
    progress.finish('ok');
    // 50 s of work at one line per 10 s: 5 progress lines between the start and the end line.
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe('train: starting (100 steps)');
    expect(lines[1]).toMatch(/^train: 20\/100 \(20%\) loss=0\.05000 elapsed 10s$/);
    expect(lines[6]).toBe('train: done in 50s (ok)');
  });
});

describe('cli arguments', () => {
  it('parses positionals and flags in both spellings', () => {
    const args = parseArgs(['stage', 'train', 'run.ts', '--config-hash', 'abc', '--backend=cpu', '--verbose']);
    expect(args.positionals).toEqual(['stage', 'train', 'run.ts']);
    expect(args.flags.get('config-hash')).toBe('abc');
    expect(args.flags.get('backend')).toBe('cpu');
    expect(args.flags.get('verbose')).toBe(true);
  });

  it('takes the backend from the flag, then BPTT_BACKEND, and rejects unknown names', () => {
    expect(backendChoiceFrom('wasm', { BPTT_BACKEND: 'cpu' })).toBe('wasm');
    expect(backendChoiceFrom(undefined, { BPTT_BACKEND: 'cpu' })).toBe('cpu');
    expect(backendChoiceFrom(undefined, {})).toBe('auto');
    expect(() => backendChoiceFrom('gpu', {})).toThrow(/expected one of auto, tensorflow, wasm, cpu, got "gpu"/);
  });
});
