/**
 * Loads @tensorflow/tfjs-node (libtensorflow through an N-API addon) when it is installed, and says why not when
 * it is not. tfjs-node is an optional dependency: on a normal machine `npm ci` installs it; on a firewalled one its
 * install script cannot download libtensorflow, npm drops it, and `npm run native:install` builds it from the
 * tensorflow-cpu wheel (docs/native-tensorflow.md). Either way the workspace must keep working on wasm/cpu, so
 * this never throws.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { applyIntraOpThreads } from './intra-op-threads.ts';
import { registerNativeKernelFixes } from './kernel-fixes.ts';
import { releaseLoadPages, type LoadPagesRelease } from './load-pages.ts';

/** The name tfjs-node registers its backend under. */
export const NATIVE_BACKEND_NAME = 'tensorflow';

export type NativeTensorflowStatus =
  | {
      readonly available: true;
      /** Version of the libtensorflow the addon is linked against (the C API's TF_Version()). */
      readonly tensorflowVersion: string;
      readonly tfjsNodeVersion: string;
      /** Whether the memory the library's loading left behind was given back (load-pages.ts). */
      readonly loadPages: LoadPagesRelease;
      /** Threads per kernel (TF_NUM_INTRAOP_THREADS, default 1; see intra-op-threads.ts). */
      readonly intraOpThreads: number;
    }
  | {
      readonly available: false;
      /** One line a user can act on (what failed and how to fix it). */
      readonly reason: string;
    };

let cached: NativeTensorflowStatus | undefined;

/**
 * Requires @tensorflow/tfjs-node once per process and reports whether the `tensorflow` backend is usable.
 * Side effect of a successful load (tfjs-node does this on require): the `tensorflow` backend is registered with
 * priority 3 and made the active backend. Call `tf.setBackend(...)` afterwards to choose another one.
 */
export function tryLoadNativeTensorflow(): NativeTensorflowStatus {
  cached ??= load();
  return cached;
}

function load(): NativeTensorflowStatus {
  // libtensorflow logs INFO lines (oneDNN, CPU features) on every start; keep WARNING and above unless the user
  // chose a level.
  process.env['TF_CPP_MIN_LOG_LEVEL'] ??= '1';
  const require = createRequire(import.meta.url);
  let tfjsNodeVersion: string;
  try {
    tfjsNodeVersion = (require('@tensorflow/tfjs-node/package.json') as { version: string }).version;
  } catch {
    return {
      available: false,
      reason:
        '@tensorflow/tfjs-node is not installed (npm drops it when its libtensorflow download fails); ' +
        'run `npm run native:install` (docs/native-tensorflow.md)',
    };
  }
  let intraOpThreads: number;
  try {
    intraOpThreads = applyIntraOpThreads();
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
  try {
    require('@tensorflow/tfjs-node');
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return {
      available: false,
      reason: `@tensorflow/tfjs-node@${tfjsNodeVersion} is installed but does not load: ${message}; rerun \`npm run native:install\``,
    };
  }
  if (tf.findBackend(NATIVE_BACKEND_NAME) === null) {
    // tfjs-node registered its backend in another copy of tfjs-core than the one this package imports.
    return {
      available: false,
      reason:
        `@tensorflow/tfjs-node@${tfjsNodeVersion} loaded but its '${NATIVE_BACKEND_NAME}' backend is not in this ` +
        `@tensorflow/tfjs-core (${tf.version_core}); two copies of tfjs-core are installed, run npm ci`,
    };
  }
  registerNativeKernelFixes();
  const binding = (tf.findBackend(NATIVE_BACKEND_NAME) as unknown as { binding?: { TF_Version?: string } }).binding;
  return {
    available: true,
    tensorflowVersion: binding?.TF_Version ?? 'unknown',
    tfjsNodeVersion,
    loadPages: releaseLoadPages('libtensorflow'),
    intraOpThreads,
  };
}
