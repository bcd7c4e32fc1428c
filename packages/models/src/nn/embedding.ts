/** A lookup table [V, E] (PyTorch nn.Embedding, N(0, 1) init), with optional embedding dropout on word types. */
import * as tf from '@tensorflow/tfjs-core';
import type { DropoutMasks } from './dropout.ts';
import type { Parameters } from './parameters.ts';

export class Embedding {
  readonly weight: tf.Variable; // [V, E]

  constructor(
    params: Parameters,
    readonly name: string,
    readonly vocabSize: number,
    readonly dim: number,
  ) {
    this.weight = params.create(name, [vocabSize, dim], { kind: 'embedding' });
  }

  /**
   * The table for this forward pass: with embedding dropout, whole rows (word types) are zeroed and the rest
   * scaled by 1/(1-p), once per pass (AWD-LSTM's embedded_dropout).
   */
  table(masks: DropoutMasks): tf.Tensor2D {
    const mask = masks.embedding(this.name, this.vocabSize);
    return masks.apply(this.name, 'all', this.weight as tf.Tensor2D, mask);
  }

  /** ids of any shape (int32) -> the same shape + [E]. */
  static lookup(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
    return tf.gather(table, ids);
  }
}
