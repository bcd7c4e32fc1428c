/**
 * Starts one tfjs backend the way the product does (initBackend from @bptt/models, with its wasm kernel fixes)
 * and makes sure gradients are registered.
 *
 * Why the gradient step: tfjs-core 4 ships its gradient definitions only in its ESM build
 * (dist/register_all_gradients.js), whose extension-less relative imports Node cannot load; bundlers and vitest
 * can. tfjs-node's union bundle registers them itself, so on the `tensorflow` backend this is a no-op. Elsewhere a
 * module-resolution hook scoped to tfjs-core's dist folder (tfjs-core-esm-hooks.mjs) lets Node load that file.
 * Gradient and kernel registries are process-global in tfjs, so the ESM copy registers into the same engine.
 */
import { register } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendInfo, type BackendName } from '@bptt/models';

export async function ensureGradientsRegistered(): Promise<void> {
  if (tf.getGradient(tf.Add) != null) return;
  register('./tfjs-core-esm-hooks.mjs', import.meta.url);
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  if (tf.getGradient(tf.Add) == null) throw new Error('tfjs-core gradients did not register');
}

export async function startBackend(name: BackendName): Promise<BackendInfo> {
  const info = await initBackend(name);
  await ensureGradientsRegistered();
  return info;
}
