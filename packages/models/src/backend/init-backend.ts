/**
 * Picks and starts the tensor backend. `auto` prefers native TensorFlow (tfjs-node), then WebAssembly, then the
 * plain-JavaScript `cpu` backend; a forced choice that cannot start is an error. The returned BackendInfo is
 * plain JSON and is stored in every result file, so a number can always be traced to the backend that made it.
 * It also registers tfjs-core's gradients (see gradients.ts), so any model can be trained after it.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ensureGradientsRegistered } from './gradients.ts';
import { loadNativeTensorflow } from './native-loader.ts';
import type { LoadPagesRelease } from '../native/load-pages.ts';
import { intraOpThreadsFromEnv } from '../native/intra-op-threads.ts';
import { registerWasmKernelFixes, WASM_KERNEL_FIXES } from './wasm-kernels.ts';
import { registerThreadedWasm, wasmThreadsFromEnv } from './wasm-threads.ts';
import { withoutAddedProcessHandlers } from './emscripten-handlers.ts';

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type BackendName = Exclude<BackendChoice, 'auto'>;

export interface BackendAttempt {
  readonly backend: BackendName;
  readonly ok: boolean;
  readonly detail: string;
}

export interface BackendInfo {
  /** The backend actually running. */
  readonly name: BackendName;
  readonly requested: BackendChoice;
  /** Why this backend: forced, or which faster ones failed and how. */
  readonly reason: string;
  readonly attempts: readonly BackendAttempt[];
  readonly versions: { readonly tfjsCore: string; readonly backend: string; readonly node: string };
  readonly wasm?: {
    readonly threads: number;
    readonly simd: boolean;
    readonly multithread: boolean;
    readonly kernelFixes: readonly string[];
  };
  readonly native?: {
    /** Whether libtensorflow's load-time pages were given back (native/load-pages.ts). */
    readonly loadPages: LoadPagesRelease;
    /** Threads per kernel (TF_NUM_INTRAOP_THREADS, default 1; native/intra-op-threads.ts). */
    readonly intraOpThreads: number;
  };
}

export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
  constructor(
    readonly backend: BackendName,
    readonly detail: string,
  ) {
    super(`backend '${backend}' was requested but cannot start: ${detail}`);
  }
}

/** The `BPTT_BACKEND` environment variable (auto|tensorflow|wasm|cpu), else `fallback`. */
export function backendChoiceFromEnv(env: NodeJS.ProcessEnv = process.env, fallback: BackendChoice = 'auto'): BackendChoice {
  const value = env['BPTT_BACKEND'];
  if (value === undefined || value === '') return fallback;
  if (!(BACKEND_CHOICES as readonly string[]).includes(value)) {
    throw new RangeError(`BPTT_BACKEND must be one of ${BACKEND_CHOICES.join(', ')}, got '${value}'`);
  }
  return value as BackendChoice;
}

export async function initBackend(choice: BackendChoice = backendChoiceFromEnv()): Promise<BackendInfo> {
  if (!(BACKEND_CHOICES as readonly string[]).includes(choice)) {
    throw new RangeError(`initBackend: choice must be one of ${BACKEND_CHOICES.join(', ')}, got '${String(choice)}'`);
  }
  const order: BackendName[] = choice === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [choice];
  // Read up front: a bad BPTT_WASM_THREADS or TF_NUM_INTRAOP_THREADS is the user's error to see, not a reason to
  // fall back to a slower backend.
  const wasmThreads = order.includes('wasm') ? wasmThreadsFromEnv() : 1;
  if (order.includes('tensorflow')) intraOpThreadsFromEnv();
  const attempts: BackendAttempt[] = [];
  for (const backend of order) {
    const attempt = await start(backend, wasmThreads);
    attempts.push(attempt);
    if (!attempt.ok) continue;
    const failed = attempts.filter((a) => !a.ok);
    const reason =
      choice !== 'auto'
        ? `requested '${choice}'`
        : failed.length === 0
          ? `auto: '${backend}' is the fastest available`
          : `auto: ${failed.map((a) => `'${a.backend}' unavailable (${a.detail})`).join('; ')}; using '${backend}'`;
    return describe(backend, choice, reason, attempts);
  }
  const last = attempts[attempts.length - 1] as BackendAttempt;
  if (choice !== 'auto') throw new BackendUnavailableError(last.backend, last.detail);
  throw new Error(`initBackend: no backend could start: ${attempts.map((a) => `${a.backend}: ${a.detail}`).join('; ')}`);
}

async function start(backend: BackendName, wasmThreads: number): Promise<BackendAttempt> {
  try {
    if (backend === 'tensorflow') {
      const native = loadNativeTensorflow();
      if (!native.ok) return { backend, ok: false, detail: native.reason };
    } else if (backend === 'wasm') {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // In Node the .wasm binaries are read from the package's dist folder as files (a path, not a URL).
      const require = createRequire(import.meta.url);
      wasm.setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}${path.sep}`);
      registerWasmKernelFixes();
      await registerThreadedWasm(wasmThreads);
    } else {
      await import('@tensorflow/tfjs-backend-cpu');
    }
    const ok = await withoutAddedProcessHandlers(async () => {
      const started = await tf.setBackend(backend);
      if (started) await tf.ready();
      return started;
    });
    if (!ok || tf.getBackend() !== backend) return { backend, ok: false, detail: `tf.setBackend('${backend}') failed` };
    // Training needs gradients on every backend; registering them here means no caller can forget.
    await ensureGradientsRegistered();
    return { backend, ok: true, detail: 'started' };
  } catch (error) {
    return { backend, ok: false, detail: error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error) };
  }
}

async function describe(name: BackendName, requested: BackendChoice, reason: string, attempts: BackendAttempt[]): Promise<BackendInfo> {
  const common = { name, requested, reason, attempts };
  const versions = { tfjsCore: tf.version_core, backend: tf.version_core, node: process.versions.node };
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    return {
      ...common,
      versions: { ...versions, backend: wasm.version_wasm },
      wasm: {
        threads: wasm.getThreadsCount(),
        simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
        multithread: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT'),
        kernelFixes: [...WASM_KERNEL_FIXES],
      },
    };
  }
  if (name === 'cpu') {
    const cpu = await import('@tensorflow/tfjs-backend-cpu');
    return { ...common, versions: { ...versions, backend: cpu.version_cpu } };
  }
  const native = loadNativeTensorflow();
  if (!native.ok) return { ...common, versions: { ...versions, backend: 'unknown' } };
  return {
    ...common,
    versions: { ...versions, backend: native.version },
    native: { loadPages: native.loadPages, intraOpThreads: native.intraOpThreads },
  };
}
