/** y = x W + b with W stored [in, out] (nn.Linear's weight transposed, so no transpose at run time). */
import * as tf from '@tensorflow/tfjs-core';
import type { Parameters } from './parameters.ts';

export class Linear {
  readonly weight: tf.Variable; // [in, out]
  readonly bias: tf.Variable | undefined; // [out]

  constructor(
    params: Parameters,
    readonly name: string,
    readonly inputDim: number,
    readonly outputDim: number,
    options: { readonly bias: boolean },
  ) {
    this.weight = params.create(`${name}.W`, [inputDim, outputDim], { kind: 'linear-weight' });
    this.bias = options.bias ? params.create(`${name}.b`, [outputDim], { kind: 'linear-bias', fanIn: inputDim }) : undefined;
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    const y: tf.Tensor2D = tf.matMul(x, this.weight as tf.Tensor2D);
    return this.bias === undefined ? y : (tf.add(y, this.bias) as tf.Tensor2D);
  }
}
