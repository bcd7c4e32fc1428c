/**
 * Adam and SGD written out with their state in plain sight (tf.train's optimizers hide theirs), so a checkpoint
 * holds every moment and step count and a resumed run continues bit-identically. Update rules follow torch.optim
 * (defaults, bias correction, eps placement, momentum buffer), so curves compare with PyTorch runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { adamUpdate, adamUpdateWithScalarTensors } from '@bptt/models';
import type { OptimizerConfig } from './config.ts';
import { deserializeTensor, sameShape, serializeTensor, type SerializedTensor } from './tensors.ts';

export interface OptimizerState {
  readonly type: OptimizerConfig['type'];
  /** Updates applied so far (Adam's t). */
  readonly updates: number;
  /** Per-variable slots, in trainableVariables order: Adam `m` and `v`; SGD `momentum` (absent before update 1). */
  readonly slots: Readonly<Record<string, readonly SerializedTensor[]>>;
}

export interface Optimizer {
  /** One update with `grads` (same order as the variables) at learning rate `lr`. Does not dispose `grads`. */
  apply(grads: readonly tf.Tensor[], lr: number): void;
  /**
   * The next update at learning rate `lr` as tensor math, applied later with `commit`: what a training step
   * traced into a TensorFlow graph computes on the device. Same floats as `apply`. Adam only (SGD's momentum
   * buffer appears at its first update, so its state has no fixed shape): undefined for SGD.
   */
  plan?(lr: number): UpdatePlan;
  state(): OptimizerState;
  restore(state: OptimizerState): void;
  dispose(): void;
}

export interface ComputedUpdate {
  /** New weights, in variable order. */
  readonly weights: readonly tf.Tensor[];
  /** New optimizer state, in `reads` order. */
  readonly state: readonly tf.Tensor[];
}

export interface UpdatePlan {
  /** Tensors the update reads besides weights and gradients: the optimizer state, then this step's scalars. */
  readonly reads: readonly tf.Tensor[];
  /** The update from (clipped) gradients; assigns nothing, reads nothing back. */
  compute(grads: readonly tf.Tensor[]): ComputedUpdate;
  /** Makes `update` current: assigns the weights and adopts the state (both disposed or owned from here on). */
  commit(update: ComputedUpdate): void;
  /** Frees the step's scalars (call whether or not the update was committed). */
  dispose(): void;
}

export function createOptimizer(config: OptimizerConfig, variables: readonly tf.Variable[]): Optimizer {
  return config.type === 'adam' ? createAdam(config, variables) : createSgd(config, variables);
}

function createAdam(config: Extract<OptimizerConfig, { type: 'adam' }>, variables: readonly tf.Variable[]): Optimizer {
  const [beta1, beta2] = config.betas;
  let updates = 0;
  let m: tf.Tensor[] = variables.map((w) => tf.keep(tf.zerosLike(w)));
  let v: tf.Tensor[] = variables.map((w) => tf.keep(tf.zerosLike(w)));

  return {
    apply(grads, lr) {
      updates += 1;
      const biasCorrection1 = 1 - beta1 ** updates;
      const biasCorrection2 = 1 - beta2 ** updates;
      // One fused kernel per parameter (one SIMD pass on wasm; the same tfjs ops as written out elsewhere).
      const scalars = { beta1, beta2, eps: config.eps, sqrtBiasCorrection2: Math.sqrt(biasCorrection2), stepSize: lr / biasCorrection1 };
      variables.forEach((variable, i) => {
        const [wNext, mNext, vNext] = adamUpdate(variable, grads[i] as tf.Tensor, m[i] as tf.Tensor, v[i] as tf.Tensor, scalars);
        variable.assign(wNext);
        wNext.dispose();
        (m[i] as tf.Tensor).dispose();
        (v[i] as tf.Tensor).dispose();
        // Kept: apply may run inside a caller's tf.tidy, and the moments live on to the next update.
        m[i] = tf.keep(mNext);
        v[i] = tf.keep(vNext);
      });
    },
    plan(lr) {
      const next = updates + 1;
      // The same expressions as apply's, so the same float32 scalars.
      const stepSize = tf.keep(tf.scalar(lr / (1 - beta1 ** next)));
      const sqrtBiasCorrection2 = tf.keep(tf.scalar(Math.sqrt(1 - beta2 ** next)));
      const scalars = { beta1, beta2, eps: config.eps, sqrtBiasCorrection2, stepSize };
      return {
        reads: [...m, ...v, stepSize, sqrtBiasCorrection2],
        compute(grads) {
          const updated = variables.map((w, i) => adamUpdateWithScalarTensors(w, grads[i] as tf.Tensor, m[i] as tf.Tensor, v[i] as tf.Tensor, scalars));
          return { weights: updated.map((u) => u[0]), state: [...updated.map((u) => u[1]), ...updated.map((u) => u[2])] };
        },
        commit(update) {
          const n = variables.length;
          variables.forEach((variable, i) => variable.assign(update.weights[i] as tf.Tensor));
          tf.dispose([...update.weights, ...m, ...v]);
          m = update.state.slice(0, n).map((t) => tf.keep(t));
          v = update.state.slice(n, 2 * n).map((t) => tf.keep(t));
          updates = next;
        },
        dispose: () => tf.dispose([stepSize, sqrtBiasCorrection2]),
      };
    },
    state: () => ({ type: 'adam', updates, slots: { m: m.map(serializeTensor), v: v.map(serializeTensor) } }),
    restore(state) {
      expectType(state, 'adam');
      updates = state.updates;
      const mRestored = restoredSlots(variables, state.slots['m'], 'optimizer state m');
      const vRestored = restoredSlots(variables, state.slots['v'], 'optimizer state v');
      tf.dispose([...m, ...v]);
      m = mRestored;
      v = vRestored;
    },
    dispose() {
      tf.dispose([...m, ...v]);
      m = [];
      v = [];
    },
  };
}

function createSgd(config: Extract<OptimizerConfig, { type: 'sgd' }>, variables: readonly tf.Variable[]): Optimizer {
  let updates = 0;
  // torch.optim.SGD starts the buffer at the first gradient rather than at zero; undefined until then.
  let momentum: tf.Tensor[] | undefined;

  return {
    apply(grads, lr) {
      updates += 1;
      const nextMomentum: tf.Tensor[] = [];
      variables.forEach((variable, i) => {
        const g = grads[i] as tf.Tensor;
        tf.tidy(() => {
          let step = g;
          if (config.momentum > 0) {
            const previous = momentum?.[i];
            const buf = previous === undefined ? tf.clone(g) : tf.add(tf.mul(previous, config.momentum), g);
            nextMomentum.push(tf.keep(buf));
            step = config.nesterov ? tf.add(g, tf.mul(buf, config.momentum)) : buf;
          }
          variable.assign(tf.sub(variable, tf.mul(step, lr)));
        });
      });
      if (config.momentum > 0) {
        if (momentum !== undefined) tf.dispose(momentum);
        momentum = nextMomentum;
      }
    },
    state: () => {
      const slots: Record<string, SerializedTensor[]> = {};
      if (momentum !== undefined) slots['momentum'] = momentum.map(serializeTensor);
      return { type: 'sgd', updates, slots };
    },
    restore(state) {
      expectType(state, 'sgd');
      updates = state.updates;
      const stored = state.slots['momentum'];
      const restored = stored === undefined ? undefined : restoredSlots(variables, stored, 'optimizer state momentum');
      if (momentum !== undefined) tf.dispose(momentum);
      momentum = restored;
    },
    dispose() {
      if (momentum !== undefined) tf.dispose(momentum);
      momentum = undefined;
    },
  };
}

function expectType(state: OptimizerState, type: OptimizerConfig['type']): void {
  if (state.type !== type) throw new RangeError(`optimizer state is for '${state.type}', the optimizer is '${type}'`);
}

/** Slots are plain tensors (not variables): each is replaced by a tensor built from its stored values. */
function restoredSlots(
  variables: readonly tf.Variable[],
  stored: readonly SerializedTensor[] | undefined,
  what: string,
): tf.Tensor[] {
  if (stored === undefined) throw new RangeError(`${what} is missing`);
  if (stored.length !== variables.length) {
    throw new RangeError(`${what}: expected ${variables.length} tensors, got ${stored.length}`);
  }
  return variables.map((variable, i) => {
    const slot = stored[i] as SerializedTensor;
    if (!sameShape(variable.shape, slot.shape)) {
      throw new RangeError(
        `${what}: tensor ${i} has shape [${slot.shape}], variable ${variable.name} is [${variable.shape}]`,
      );
    }
    return tf.keep(deserializeTensor(slot));
  });
}
