/**
 * Tensors as plain data, for checkpoints and results: float32 values held in JS numbers (every float32 is exactly
 * representable as a double and JSON round-trips doubles exactly), so a restored tensor is bit-identical.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface SerializedTensor {
  readonly shape: readonly number[];
  readonly values: readonly number[];
}

export function serializeTensor(tensor: tf.Tensor): SerializedTensor {
  return { shape: [...tensor.shape], values: Array.from(tensor.dataSync()) };
}

export function deserializeTensor(serialized: SerializedTensor): tf.Tensor {
  return tf.tensor(serialized.values as number[], serialized.shape as number[], 'float32');
}

/** Copies the values of `tensors` into `variables` in order; shapes must match (`what` names them in errors). */
export function assignAll(variables: readonly tf.Variable[], tensors: readonly SerializedTensor[], what: string): void {
  if (tensors.length !== variables.length) {
    throw new RangeError(`${what}: expected ${variables.length} tensors, got ${tensors.length}`);
  }
  variables.forEach((variable, i) => {
    const serialized = tensors[i] as SerializedTensor;
    if (!sameShape(variable.shape, serialized.shape)) {
      throw new RangeError(
        `${what}: tensor ${i} (${variable.name}) has shape [${variable.shape}], stored shape is [${serialized.shape}]`,
      );
    }
    tf.tidy(() => variable.assign(deserializeTensor(serialized)));
  });
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, i) => size === b[i]);
}

/** A copy with no history: the one way a tensor leaves one gradient tape and enters the next as a constant. */
export function detach<T extends tf.Tensor>(tensor: T): T {
  return tf.keep(tensor.clone());
}
