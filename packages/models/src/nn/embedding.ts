/** A lookup table [V, E] (PyTorch nn.Embedding, N(0, 1) init), with optional embedding dropout on word types. */
import * as tf from '@tensorflow/tfjs-core';

export interface Lookup {
  readonly table: tf.Tensor2D;
  readonly ids: tf.Tensor;
}

/** What each lookup's result was gathered from, so its input projection can be folded (input-projection.ts). */
const lookups = new WeakMap<tf.Tensor, Lookup>();
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
    const rows = tf.gather(table, ids);
    lookups.set(rows, { table, ids });
    return rows;
  }

  /** The table and ids `x` was looked up from, if `x` is exactly a lookup's result and both are still alive. */
  static lookupOf(x: tf.Tensor): Lookup | undefined {
    const lookup = lookups.get(x);
    return lookup === undefined || lookup.table.isDisposed || lookup.ids.isDisposed ? undefined : lookup;
  }
}
