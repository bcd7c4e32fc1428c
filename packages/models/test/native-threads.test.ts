/**
 * Native TensorFlow's threads per kernel (src/native/intra-op-threads.ts): one by default, TF_NUM_INTRAOP_THREADS
 * when set, and libtensorflow really sizes its pool by it. Child processes, since the count is read once per
 * process; skipped, with the reason, where tfjs-node does not load.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tryLoadNativeTensorflow } from '../src/native/index.ts';

const PROBE = path.join(import.meta.dirname, 'fixtures', 'native-threads-probe.ts');
const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const status = tryLoadNativeTensorflow();

function probe(threads: string | undefined): { intraOpThreads: number; tasks: number } {
  const env = { ...process.env };
  delete env['TF_NUM_INTRAOP_THREADS'];
  if (threads !== undefined) env['TF_NUM_INTRAOP_THREADS'] = threads;
  const child = spawnSync(process.execPath, ['--conditions=@bptt/source', '--import', 'tsx', PROBE], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 90_000 });
  expect(child.status, child.stderr.slice(-2000)).toBe(0);
  return JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '') as { intraOpThreads: number; tasks: number };
}

describe.skipIf(!status.available)('native TensorFlow threads per kernel', () => {
  it('is one unless TF_NUM_INTRAOP_THREADS says otherwise, and libtensorflow sizes its pool by it', () => {
    const byDefault = probe(undefined);
    const one = probe('1');
    const three = probe('3');
    expect(byDefault.intraOpThreads).toBe(1);
    expect(one.intraOpThreads).toBe(1);
    expect(three.intraOpThreads).toBe(3);
    // Each thread of the pool is a thread of the process (measured: 1 -> 3 adds exactly two).
    expect(byDefault.tasks).toBe(one.tasks);
    expect(three.tasks - one.tasks).toBe(2);
  }, 300_000);
});
