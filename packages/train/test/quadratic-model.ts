/**
 * A "model" whose loss is a known function of its weights, so the trainer's arithmetic (clipping, early stopping,
 * divergence) can be checked by hand: training loss sum((w - trainTarget)^2) (gradient 2 (w - trainTarget)),
 * validation loss sum((w - validTarget)^2). It implements the seq2seq contract and ignores the batch contents except for the
 * token count.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Seq2SeqBatch, Seq2SeqForwardOptions, Seq2SeqForwardResult, TrainableSeq2Seq } from '@bptt/models';

export class QuadraticModel implements TrainableSeq2Seq {
  readonly weight: tf.Variable;
  readonly trainableVariables: tf.Variable[];
  /** Training forward passes so far. */
  trainingCalls = 0;

  constructor(
    initial: number[],
    private readonly trainTarget: number[],
    private readonly validTarget: number[],
    /** Replaces the training loss on the n-th training call (0-based), e.g. to inject a NaN. */
    private readonly sabotage?: { readonly call: number; readonly loss: (w: tf.Tensor) => tf.Scalar },
  ) {
    this.weight = tf.variable(tf.tensor1d(initial));
    this.trainableVariables = [this.weight];
  }

  forward(batch: Seq2SeqBatch, options: Seq2SeqForwardOptions): Seq2SeqForwardResult {
    const tokenCount = tf.sum(batch.targetMask).dataSync()[0] as number;
    let loss: tf.Scalar;
    if (options.training && this.sabotage !== undefined && this.trainingCalls === this.sabotage.call) {
      loss = this.sabotage.loss(this.weight);
    } else {
      const target = tf.tensor1d(options.training ? this.trainTarget : this.validTarget);
      loss = tf.sum(tf.square(tf.sub(this.weight, target)));
    }
    if (options.training) this.trainingCalls += 1;
    return { loss, nllSum: tf.mul(loss, tokenCount), tokenCount };
  }

  value(): number[] {
    return Array.from(this.weight.dataSync());
  }
}
