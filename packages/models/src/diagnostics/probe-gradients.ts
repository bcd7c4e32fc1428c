/**
 * dL/dh_t through the zero probes of HiddenStateProbes (contract.ts), in the same backward pass as the weight
 * gradients. The probes only exist once the forward pass has run, so they are appended to the list of tensors to
 * differentiate inside it: gradientsReleasingTape reads that list after calling f, as tfjs-core 4's engine.gradients does. A probe the loss
 * does not reach (e.g. before a truncation window) gets an exact zero.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gradientsReleasingTape } from '../autograd/releasing-backprop.ts';

export interface ProbeGradients {
  readonly loss: tf.Scalar;
  /** Same order as `variables`; zeros for variables the loss does not reach. */
  readonly variableGrads: tf.Tensor[];
  /** Same order as the probes the forward pass returned. */
  readonly probeGrads: tf.Tensor[];
}

export function gradientsWithProbes(
  forward: () => { readonly loss: tf.Scalar; readonly probes: readonly tf.Tensor[] },
  variables: readonly tf.Variable[],
): ProbeGradients {
  if (variables.length === 0) throw new Error('gradientsWithProbes: no variables');
  const xs: tf.Tensor[] = [...variables];
  let probeCount = 0;
  const { value, grads } = gradientsReleasingTape(() => {
    const result = forward();
    probeCount = result.probes.length;
    xs.push(...result.probes);
    return result.loss;
  }, xs);
  // Unreached probes were disposed with the forward pass; only their shape is needed.
  const filled = xs.map((x, i) => grads[i] ?? tf.zeros(x.shape, x.dtype));
  return {
    loss: value as tf.Scalar,
    variableGrads: filled.slice(0, variables.length),
    probeGrads: filled.slice(variables.length, variables.length + probeCount),
  };
}
