/**
 * Idempotent kernel and gradient registration. tfjs keeps one global registry per process; a module evaluated
 * twice (a test runner's module graph next to the app's, or the ESM and CJS builds side by side) must not
 * re-register and flood the console with "already registered" warnings.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig } from '@tensorflow/tfjs-core';

/**
 * Backends whose tensors live outside JavaScript's reach (libtensorflow, GPU textures): fused kernels run there
 * as their composite in tfjs ops, which keeps one API on every backend.
 */
export const COMPOSITE_BACKENDS = ['tensorflow', 'webgl'] as const;

export function registerKernelOnce(config: KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName) == null) tf.registerKernel(config);
}

export function registerGradientOnce(config: GradConfig): void {
  if (tf.getGradient(config.kernelName) == null) tf.registerGradient(config);
}
