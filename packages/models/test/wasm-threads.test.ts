/**
 * Multi-threaded wasm (backend/wasm-threads.ts). The thread count is fixed when the backend starts, so each count
 * runs in its own process (fixtures/wasm-threads-probe.ts): the threaded binary must report its pool, give
 * bit-identical loss and gradients to the single-threaded binary (which is why Nx does not hash
 * BPTT_WASM_THREADS), and let the process exit on its own (its pthreads must not hold the event loop). Also
 * checks that an uncaught error after start-up is reported by Node as usual, for both wasm loaders.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initBackend, MAX_WASM_THREADS, wasmThreadsFromEnv } from '@bptt/models';

const PROBE = path.join(import.meta.dirname, 'fixtures', 'wasm-threads-probe.ts');
const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

interface Probe {
  readonly threads: number;
  readonly multithread: boolean;
  readonly loss: number;
  readonly hash: string;
}

function probe(threads: string, script = PROBE): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, ['--conditions=@bptt/source', '--import', 'tsx', script], {
    cwd: REPO_ROOT,
    env: { ...process.env, BPTT_WASM_THREADS: threads },
    encoding: 'utf8',
    // A pthread that keeps the event loop alive would hang the child; the timeout turns that into a failure.
    timeout: 90_000,
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

function parse(run: { status: number | null; stdout: string; stderr: string }): Probe {
  expect(run.status, run.stderr.slice(-2000)).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as Probe;
}

describe('BPTT_WASM_THREADS', () => {
  it('defaults to one thread; auto is one per vCPU; a bad value is named', () => {
    expect(wasmThreadsFromEnv({})).toBe(1);
    expect(wasmThreadsFromEnv({ BPTT_WASM_THREADS: '' })).toBe(1);
    expect(wasmThreadsFromEnv({ BPTT_WASM_THREADS: '3' })).toBe(3);
    expect(wasmThreadsFromEnv({ BPTT_WASM_THREADS: 'auto' })).toBeGreaterThanOrEqual(1);
    expect(wasmThreadsFromEnv({ BPTT_WASM_THREADS: 'auto' })).toBeLessThanOrEqual(MAX_WASM_THREADS);
    for (const bad of ['0', '9', '1.5', 'two']) {
      expect(() => wasmThreadsFromEnv({ BPTT_WASM_THREADS: bad })).toThrow(`BPTT_WASM_THREADS must be 'auto' or an integer from 1 to 8, got '${bad}'`);
    }
  });

  it('a bad value stops initBackend instead of falling back to another backend', async () => {
    const saved = process.env['BPTT_WASM_THREADS'];
    process.env['BPTT_WASM_THREADS'] = 'many';
    try {
      await expect(initBackend('auto')).rejects.toThrow("BPTT_WASM_THREADS must be 'auto' or an integer from 1 to 8, got 'many'");
      await expect(initBackend('wasm')).rejects.toThrow("got 'many'");
    } finally {
      if (saved === undefined) delete process.env['BPTT_WASM_THREADS'];
      else process.env['BPTT_WASM_THREADS'] = saved;
    }
  });

  it('the threaded binary runs its pool, gives the single-threaded numbers bit for bit, and lets the process exit', () => {
    const single = parse(probe('1'));
    const threaded = parse(probe('2'));
    expect(single).toMatchObject({ threads: 1, multithread: false });
    expect(threaded).toMatchObject({ threads: 2, multithread: true });
    expect(Number.isFinite(single.loss)).toBe(true);
    expect(threaded.loss).toBe(single.loss);
    expect(threaded.hash).toBe(single.hash);
  }, 200_000);
});

describe('wasm backend start-up', () => {
  it("leaves Node's handling of uncaught errors alone (Emscripten's rethrowing handlers are removed)", () => {
    for (const threads of ['1', '2']) {
      const run = probe(threads, path.join(import.meta.dirname, 'fixtures', 'wasm-uncaught-probe.ts'));
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('an error thrown after the wasm backend started');
      // Emscripten's handler rethrows from its minified one-line script, and Node prints that line.
      expect(run.stderr).not.toContain('GROWABLE_HEAP');
      expect(run.stderr.length).toBeLessThan(20_000);
    }
  }, 200_000);
});
