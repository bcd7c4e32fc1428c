/**
 * Starts one tfjs backend exactly the way the product does: initBackend from @bptt/models, which also applies its
 * wasm kernel fixes and registers tfjs-core's gradients (a Node-specific step; see backend/gradients.ts there).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendInfo, type BackendName } from '@bptt/models';

export async function startBackend(name: BackendName): Promise<BackendInfo> {
  const info = await initBackend(name);
  if (tf.getGradient(tf.Add) == null) throw new Error('initBackend left tfjs-core gradients unregistered');
  return info;
}
