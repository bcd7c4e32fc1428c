/**
 * The named weights of a model. Names are stable paths (`encoder.l0.fwd.W_hh`) used by save/load and
 * checkpoints; tf.Variable names are left to tfjs because they must be unique in the whole process.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@bptt/data';
import type { InitialisationConfig } from '../config.ts';
import { glorotValues, normalValues, orthogonalValues, uniformValues } from './init.ts';

/** What a weight is for decides how it is initialised. */
export type WeightRole =
  | { readonly kind: 'embedding' }
  | { readonly kind: 'input-weight'; readonly hiddenDim: number }
  | { readonly kind: 'recurrent-weight'; readonly hiddenDim: number; readonly gates: number }
  | { readonly kind: 'bias'; readonly hiddenDim: number; readonly forgetGate?: { readonly offset: number } }
  | { readonly kind: 'linear-weight' }
  | { readonly kind: 'linear-bias'; readonly fanIn: number };

export class Parameters {
  private readonly byName = new Map<string, tf.Variable>();

  constructor(
    private readonly rng: Rng,
    private readonly init: InitialisationConfig,
  ) {}

  /** Creates a trainable weight; each name draws from its own forked stream, so creation order does not matter. */
  create(name: string, shape: readonly number[], role: WeightRole): tf.Variable {
    if (this.byName.has(name)) throw new Error(`Parameters: duplicate weight name '${name}'`);
    const values = this.initialValues(this.rng.fork(name), shape, role);
    const variable = tf.variable(tf.tensor(values, shape as number[], 'float32'), true);
    this.byName.set(name, variable);
    return variable;
  }

  get variables(): tf.Variable[] {
    return [...this.byName.values()];
  }

  get named(): ReadonlyMap<string, tf.Variable> {
    return this.byName;
  }

  /** Replaces every weight's value (load, checkpoint restore); names and shapes must match exactly. */
  assign(values: Readonly<Record<string, tf.Tensor>>, origin: string): void {
    const missing = [...this.byName.keys()].filter((name) => !(name in values));
    const unknown = Object.keys(values).filter((name) => !this.byName.has(name));
    if (missing.length > 0 || unknown.length > 0) {
      throw new Error(
        `${origin}: weights do not match the model: missing [${missing.join(', ')}], unexpected [${unknown.join(', ')}]`,
      );
    }
    for (const [name, variable] of this.byName) {
      const value = values[name] as tf.Tensor;
      if (!tf.util.arraysEqual(value.shape, variable.shape)) {
        throw new Error(`${origin}: weight '${name}' has shape [${value.shape}], the model expects [${variable.shape}]`);
      }
      variable.assign(value.dtype === 'float32' ? value : tf.cast(value, 'float32'));
    }
  }

  dispose(): void {
    for (const variable of this.byName.values()) variable.dispose();
    this.byName.clear();
  }

  private initialValues(rng: Rng, shape: readonly number[], role: WeightRole): Float32Array {
    const size = shape.reduce((a, b) => a * b, 1);
    const { scheme } = this.init;
    switch (role.kind) {
      case 'embedding':
        return normalValues(rng, size);
      case 'input-weight':
        if (scheme === 'uniform') return uniformValues(rng, size, 1 / Math.sqrt(role.hiddenDim));
        return glorotValues(rng, shape[0] as number, shape[1] as number);
      case 'recurrent-weight': {
        if (scheme === 'uniform') return uniformValues(rng, size, 1 / Math.sqrt(role.hiddenDim));
        if (scheme === 'glorot') return glorotValues(rng, shape[0] as number, shape[1] as number);
        // Keras' recurrent_initializer: orthogonal per gate block, so each gate's H x H matrix is orthogonal.
        const H = role.hiddenDim;
        const out = new Float32Array(size);
        for (let g = 0; g < role.gates; g++) {
          const block = orthogonalValues(rng.fork(`gate${g}`), H, H);
          for (let r = 0; r < H; r++) out.set(block.subarray(r * H, (r + 1) * H), r * H * role.gates + g * H);
        }
        return out;
      }
      case 'bias': {
        const out = scheme === 'uniform' ? uniformValues(rng, size, 1 / Math.sqrt(role.hiddenDim)) : new Float32Array(size);
        if (role.forgetGate !== undefined && this.init.forgetBias !== 0) {
          for (let i = 0; i < role.hiddenDim; i++) {
            const j = role.forgetGate.offset + i;
            out[j] = (out[j] as number) + this.init.forgetBias;
          }
        }
        return out;
      }
      case 'linear-weight':
        // nn.Linear's default is kaiming_uniform(a=sqrt(5)), which is U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
        if (scheme === 'uniform') return uniformValues(rng, size, 1 / Math.sqrt(shape[0] as number));
        return glorotValues(rng, shape[0] as number, shape[1] as number);
      case 'linear-bias':
        return scheme === 'uniform' ? uniformValues(rng, size, 1 / Math.sqrt(role.fanIn)) : new Float32Array(size);
    }
  }
}
