/**
 * Loss and gradients in one pass, with the gradient of extra "watched" tensors created during the forward pass
 * (the zero probes on hidden states; see HiddenStateProbes in @bptt/models). tf.variableGrads only differentiates
 * with respect to variables that exist before the call, so this goes one level down, to the engine: the list of
 * tensors to differentiate is read only after the forward pass, which is what lets the forward pass add to it.
 * The backward pass frees each node's saved tensors and gradients as it goes (gradientsReleasingTape).
 */
import * as tf from '@tensorflow/tfjs-core';
import { gradientsReleasingTape } from '@bptt/models';

export interface LossAndGradients {
  readonly loss: tf.Scalar;
  /** d loss / d variable, in variable order; zeros for a variable the loss does not reach. */
  readonly grads: tf.Tensor[];
  /** d loss / d watched tensor, in watch order; undefined for a tensor the loss does not reach. */
  readonly watchedGrads: (tf.Tensor | undefined)[];
}

/**
 * Runs `forward` on a gradient tape. `forward` may call `watch` with tensors it creates; tensors it wants to use
 * after the call (other than the loss) must be passed through tf.keep, since the forward pass runs inside tf.tidy.
 */
export function lossAndGradients(
  variables: readonly tf.Variable[],
  forward: (watch: (tensors: readonly tf.Tensor[]) => void) => tf.Scalar,
): LossAndGradients {
  // The engine reads `xs` after running forward, so watched tensors pushed during forward are differentiated too.
  const xs: tf.Tensor[] = [...variables];
  const watch = (tensors: readonly tf.Tensor[]): void => {
    xs.push(...tensors);
  };
  const { value, grads } = gradientsReleasingTape(() => forward(watch), xs);
  const variableGrads = variables.map((variable, i) => grads[i] ?? tf.keep(tf.zerosLike(variable)));
  return {
    loss: value as tf.Scalar,
    grads: variableGrads,
    watchedGrads: xs.slice(variables.length).map((_, i) => grads[variables.length + i]),
  };
}

/** The Frobenius norm of each watched gradient (0 where the loss does not reach the tensor). */
export function gradientNorms(watchedGrads: readonly (tf.Tensor | undefined)[]): number[] {
  return watchedGrads.map((g) => (g === undefined ? 0 : tf.tidy(() => tf.norm(g).dataSync()[0] as number)));
}
