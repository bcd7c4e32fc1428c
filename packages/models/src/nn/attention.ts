/**
 * Attention over the encoder outputs ("memory", [B, S, Dm]) with padding masked out.
 *   additive (Bahdanau 2015):      score_j = v · tanh(q W_q + m_j U)
 *   dot      (Luong 2015):         score_j = q · m_j              (needs Dm == Dq)
 *   general  (Luong 2015):         score_j = q · (m_j W_a)
 * Everything that depends only on the memory (m U, m W_a) is computed once per sequence in `prepare`, so a step
 * costs one small batched matmul for the scores and one for the context, with no transposes.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionType } from '../config.ts';
import type { Parameters } from './parameters.ts';

/** A very negative score for padding: exp underflows to exactly 0 after the max is subtracted. */
const MASKED_SCORE = -1e9;

export interface PreparedMemory {
  readonly memory: tf.Tensor3D; // [B, S, Dm]
  /** What the query is scored against: additive [B, S, A] (m U); dot/general [B, S, Dq]. */
  readonly keys: tf.Tensor3D;
  /** [B, S]: 0 on real tokens, -1e9 on padding, added to the scores. */
  readonly maskBias: tf.Tensor2D;
}

export interface AttentionResult {
  readonly context: tf.Tensor2D; // [B, Dm]
  readonly weights: tf.Tensor2D; // [B, S], rows sum to 1, 0 on padding
}

export class Attention {
  private readonly W_q: tf.Variable | undefined; // additive: [Dq, A]
  private readonly U: tf.Variable | undefined; // additive: [Dm, A]
  private readonly v: tf.Variable | undefined; // additive: [A, 1]
  private readonly W_a: tf.Variable | undefined; // general: [Dm, Dq]

  constructor(
    params: Parameters,
    readonly name: string,
    readonly type: Exclude<AttentionType, 'none'>,
    readonly queryDim: number,
    readonly memoryDim: number,
    attentionDim: number,
  ) {
    if (type === 'dot' && queryDim !== memoryDim) {
      throw new Error(`${name}: dot attention needs query width ${queryDim} == memory width ${memoryDim}`);
    }
    const linear = { kind: 'linear-weight' } as const;
    this.W_q = type === 'additive' ? params.create(`${name}.W_q`, [queryDim, attentionDim], linear) : undefined;
    this.U = type === 'additive' ? params.create(`${name}.U`, [memoryDim, attentionDim], linear) : undefined;
    this.v = type === 'additive' ? params.create(`${name}.v`, [attentionDim, 1], linear) : undefined;
    this.W_a = type === 'general' ? params.create(`${name}.W_a`, [memoryDim, queryDim], linear) : undefined;
  }

  prepare(memory: tf.Tensor3D, sourceMask: tf.Tensor2D): PreparedMemory {
    const [B, S, Dm] = memory.shape;
    const maskBias = tf.mul(tf.sub(1, sourceMask), MASKED_SCORE) as tf.Tensor2D;
    const project = (W: tf.Variable) =>
      tf.reshape(tf.matMul(tf.reshape(memory, [B * S, Dm]) as tf.Tensor2D, W as tf.Tensor2D), [B, S, -1]) as tf.Tensor3D;
    const keys = this.type === 'additive' ? project(this.U as tf.Variable) : this.type === 'general' ? project(this.W_a as tf.Variable) : memory;
    return { memory, keys, maskBias };
  }

  /** One decoder step: query [B, Dq] -> context and weights. */
  attend(query: tf.Tensor2D, prepared: PreparedMemory): AttentionResult {
    const [B, S] = prepared.maskBias.shape;
    let scores: tf.Tensor2D; // [B, S]
    if (this.type === 'additive') {
      const q = tf.reshape(tf.matMul(query, this.W_q as tf.Tensor2D), [B, 1, -1]); // [B, 1, A]
      const hidden = tf.tanh(tf.add(prepared.keys, q)); // [B, S, A]
      const A = hidden.shape[2] as number;
      scores = tf.reshape(tf.matMul(tf.reshape(hidden, [B * S, A]) as tf.Tensor2D, this.v as tf.Tensor2D), [B, S]);
    } else {
      // [B, S, Dq] x [B, Dq, 1] -> [B, S, 1]
      scores = tf.reshape(tf.matMul(prepared.keys, tf.reshape(query, [B, -1, 1]) as tf.Tensor3D), [B, S]);
    }
    const weights = tf.softmax(tf.add(scores, prepared.maskBias)) as tf.Tensor2D;
    // [B, 1, S] x [B, S, Dm] -> [B, 1, Dm]
    const context = tf.reshape(tf.matMul(tf.reshape(weights, [B, 1, S]) as tf.Tensor3D, prepared.memory), [B, -1]) as tf.Tensor2D;
    return { context, weights };
  }

  /**
   * All decoder steps at once, for Luong attention when the queries do not depend on earlier contexts
   * (no input feeding): queries [B, T, Dq] -> contexts [B, T, Dm], weights [B, T, S].
   */
  attendAll(queries: tf.Tensor3D, prepared: PreparedMemory): { context: tf.Tensor3D; weights: tf.Tensor3D } {
    if (this.type === 'additive') throw new Error(`${this.name}: attendAll is for Luong attention only`);
    const [B, S] = prepared.maskBias.shape;
    const keysT = tf.transpose(prepared.keys, [0, 2, 1]) as tf.Tensor3D; // once per sequence, not per step
    const scores = tf.matMul(queries, keysT); // [B, T, S]
    const weights = tf.softmax(tf.add(scores, tf.reshape(prepared.maskBias, [B, 1, S]))) as tf.Tensor3D;
    const context = tf.matMul(weights, prepared.memory) as tf.Tensor3D; // [B, T, Dm]
    return { context, weights };
  }
}
