/**
 * Makes sure tfjs-core's gradient definitions are registered (without them tf.grads fails with "gradient function
 * not found"). tfjs-core 4 ships them only in its ESM build (dist/register_all_gradients.js), whose relative imports
 * omit ".js" because it is written for bundlers: Node's ESM loader refuses them. A resolve hook scoped to files under
 * tfjs-core/dist retries those imports with ".js" and "/index.js". The hook is a data: URL so it travels with this
 * module (no extra file to copy into dist/). Gradient and kernel registries are process-global in tfjs, so the ESM
 * copy registers into the same engine. With tfjs-node loaded, its bundle has already registered them: nothing to do.
 */
import { register } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';

const HOOK = `
export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL ?? '';
  if (parent.includes('/@tensorflow/tfjs-core/dist/') && specifier.startsWith('.') && !/\\.[cm]?js$/.test(specifier)) {
    for (const candidate of [specifier + '.js', specifier + '/index.js']) {
      try { return await nextResolve(candidate, context); } catch {}
    }
  }
  return nextResolve(specifier, context);
}`;

let hookRegistered = false;

export async function ensureGradientsRegistered(): Promise<void> {
  if (tf.getGradient(tf.Add) === undefined) {
    if (!hookRegistered) {
      register(`data:text/javascript,${encodeURIComponent(HOOK)}`);
      hookRegistered = true;
    }
    await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
    if (tf.getGradient(tf.Add) === undefined) throw new Error('tfjs-core gradients did not register');
  }
  registerUnpackGradient();
}

/**
 * tfjs-core's Unpack gradient stacks the output gradients as they come, but the tape passes null for outputs the
 * loss does not reach (TBPTT(k1 < k2) windows, where the steps after the loss positions are context only), and
 * tf.stack refuses null. This one treats a missing gradient as zeros, which is what it means.
 */
function registerUnpackGradient(): void {
  tf.registerGradient({
    kernelName: tf.Unpack,
    inputsToSave: ['value'],
    gradFunc: (dy, saved, attrs) => {
      const [value] = saved as tf.Tensor[];
      const axis = (attrs as unknown as { axis: number }).axis;
      const rank = (value as tf.Tensor).rank;
      const along = axis < 0 ? axis + rank : axis;
      const sliceShape = (value as tf.Tensor).shape.filter((_, i) => i !== along);
      const parts = (Array.isArray(dy) ? dy : [dy]).map((d) => d ?? tf.zeros(sliceShape, (value as tf.Tensor).dtype));
      return { value: () => tf.stack(parts, along) };
    },
  });
}
