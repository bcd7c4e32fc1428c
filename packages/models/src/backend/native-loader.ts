/**
 * Native TensorFlow (@tensorflow/tfjs-node, an optional dependency) through the speed engineer's loader in
 * src/native, which explains why it is missing when it is (no throw) and how to install it offline.
 */
import { tryLoadNativeTensorflow } from '../native/index.ts';
import type { LoadPagesRelease } from '../native/load-pages.ts';

export function loadNativeTensorflow():
  | { ok: true; version: string; loadPages: LoadPagesRelease; intraOpThreads: number }
  | { ok: false; reason: string } {
  const status = tryLoadNativeTensorflow();
  return status.available
    ? {
        ok: true,
        version: `tfjs-node ${status.tfjsNodeVersion}, libtensorflow ${status.tensorflowVersion}`,
        loadPages: status.loadPages,
        intraOpThreads: status.intraOpThreads,
      }
    : { ok: false, reason: status.reason };
}
