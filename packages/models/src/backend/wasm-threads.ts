/**
 * Multi-threaded WebAssembly in Node. tfjs-backend-wasm 4.22 ships a threaded SIMD binary whose XNNPACK kernels
 * (matMul, the recurrent cost of every time step) split their work over a pthread pool, but it never loads it in
 * Node (tensorflow/tfjs#3830), for three reasons this module works around:
 *
 * - the flag WASM_HAS_MULTITHREAD_SUPPORT is hard-wired to false when IS_NODE;
 * - its loader hands Emscripten the worker script and the main script as `blob:` URLs, which Node's
 *   `worker_threads` cannot open: here both are files on disk;
 * - the C side caps the pool at `logical cores / 2` (it assumes two hyperthreads per core), so on a 2-vCPU
 *   machine it would make a pool of one. `os.cpus()` is widened while the module initialises so the cap becomes
 *   the number of vCPUs; the pool size itself is still what `setThreadsCount` asks for.
 *
 * The numbers do not depend on the thread count: XNNPACK splits a matMul's output tiles across threads, never a
 * reduction, so each element is summed in the same order.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

/** tfjs's C side caps its pool at 8 threads (it pre-creates that many workers). */
export const MAX_WASM_THREADS = 8;

/**
 * `BPTT_WASM_THREADS`: 1 (the default), an integer up to 8, or `auto` (one per vCPU). The default is one thread
 * because Nx runs tasks side by side: measured here, two training processes with 2 threads each on 2 vCPUs ran
 * 2.4x slower than with one thread each (XNNPACK's pool spins while it waits). A single process, such as
 * `npm run bench` or one `bptt train`, gains 10-35% from `auto` on this 2-vCPU machine.
 */
export function wasmThreadsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const value = env['BPTT_WASM_THREADS'];
  if (value === undefined || value === '') return 1;
  if (value === 'auto') return Math.min(MAX_WASM_THREADS, Math.max(1, os.availableParallelism()));
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new RangeError(`BPTT_WASM_THREADS must be 'auto' or an integer from 1 to ${MAX_WASM_THREADS}, got '${value}'`);
  }
  return threads;
}

interface EmscriptenModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  [key: string]: unknown;
}

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
}

type ModuleFactory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

let registeredThreads: number | undefined;

/**
 * Replaces tfjs's `wasm` backend factory with one that starts the threaded SIMD binary with `threads` threads.
 * Call before `tf.setBackend('wasm')`. With threads = 1 nothing changes: tfjs's own single-threaded loader stays.
 * The count is fixed for the life of the process; asking again for the same count is a no-op.
 */
export async function registerThreadedWasm(threads: number): Promise<void> {
  // initBackend may run several times in a process; the backend, once made, keeps its pool.
  if (registeredThreads !== undefined) {
    if (registeredThreads !== threads) {
      throw new Error(`BPTT_WASM_THREADS: the wasm backend was already set up with ${registeredThreads} thread(s) in this process; cannot switch to ${threads}`);
    }
    return;
  }
  if (threads <= 1) {
    registeredThreads = threads;
    return;
  }
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  const packageDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const mainScript = path.join(packageDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const binary = path.join(packageDir, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm');
  const factory = require(mainScript) as ModuleFactory;
  const { wasmWorkerContents } = require(path.join(packageDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  const workerScript = writeWorkerScript(wasmWorkerContents, wasm.version_wasm);

  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  if (tf.findBackendFactory('wasm') !== null) tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      // The threaded binary is also the SIMD one; tfjs's own loader evaluates this flag, and describe() reads it.
      if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) throw new Error('the threaded wasm binary needs WebAssembly SIMD');
      const module = await withWidenedCpuCount(threads, () =>
        factory({
          locateFile: (file: string, prefix: string) =>
            file.endsWith('.worker.js') ? workerScript : file.endsWith('.wasm') ? binary : prefix + file,
          // Each pthread worker evaluates the main script by path (importScripts is fs.readFileSync in Node).
          mainScriptUrlOrBlob: mainScript,
        }),
      );
      // The same bridge tfjs's own loader builds (backend_wasm.ts, init()).
      module['tfjs'] = {
        init: module.cwrap('init', null, []),
        initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
        getThreadsCount: module.cwrap('get_threads_count', 'number', []),
        registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
        disposeData: module.cwrap('dispose_data', null, ['number']),
        dispose: module.cwrap('dispose', null, []),
      };
      const backend = new wasm.BackendWasm(module as never);
      const pthreads = module['PThread'] as { runningWorkers: NodeWorker[]; unusedWorkers: NodeWorker[] };
      // The pool's pthreads now run for the life of the process; like tfjs-node's threads, they must not keep it alive.
      for (const worker of pthreads.runningWorkers) worker.unref();
      // Emscripten pre-starts 8 workers (each a V8 isolate with its own copy of the compiled module, ~15 MiB);
      // the pool has taken what it needs and nothing else creates threads, so the rest are ended.
      for (const worker of pthreads.unusedWorkers.splice(0)) void worker.terminate();
      return backend;
    },
    2,
  );
  registeredThreads = threads;
}

/**
 * The worker script as a file. tfjs escapes its newlines before making a Blob of it; a file needs the same.
 * Named by content hash and written atomically, so concurrent processes share one file and never read half of it.
 */
function writeWorkerScript(contents: string, version: string): string {
  const source = contents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const file = path.join(os.tmpdir(), `bptt-tfjs-wasm-${version}-${hash}.worker.cjs`);
  if (fs.existsSync(file)) return file;
  const partial = `${file}.${process.pid}.partial`;
  fs.writeFileSync(partial, source);
  fs.renameSync(partial, file);
  return file;
}

/** The C side reads the core count once, while the module initialises; see the header for why it is widened. */
async function withWidenedCpuCount<T>(threads: number, start: () => Promise<T>): Promise<T> {
  const cpus = os.cpus;
  os.cpus = () => {
    const real = cpus();
    const wanted = Math.max(real.length, threads) * 2;
    return Array.from({ length: wanted }, (_, i) => real[i % real.length] as os.CpuInfo);
  };
  try {
    return await start();
  } finally {
    os.cpus = cpus;
  }
}
