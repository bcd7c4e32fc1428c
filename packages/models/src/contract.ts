/**
 * The contract between @bptt/models (what a model computes) and @bptt/train (how it is trained).
 * Both packages build to these types; change them only together.
 *
 * Conventions:
 * - Token ids: PAD=0, BOS=1, EOS=2, UNK=3 (fixed by @bptt/data). Encoded sequences carry no BOS/EOS; batching adds them.
 * - Shapes are written [B, T] (batch-major). Masks are float32 1/0 with the shape of the tokens they mask.
 * - Randomness that must be reproducible (teacher-forcing coins, dropout masks) comes from an `Rng` passed in,
 *   never from Math.random, so that a resumed run draws the same numbers as an uninterrupted one.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@bptt/data';

/** A padded seq2seq batch. */
export interface Seq2SeqBatch {
  /** [B, S] int32 source ids, PAD-padded. */
  readonly source: tf.Tensor2D;
  /** [B, S] float32, 1 on real source tokens. */
  readonly sourceMask: tf.Tensor2D;
  /** [B, T] int32 decoder inputs: BOS followed by the gold target (teacher forcing reads these). */
  readonly targetIn: tf.Tensor2D;
  /** [B, T] int32 decoder outputs: the gold target followed by EOS. */
  readonly targetOut: tf.Tensor2D;
  /** [B, T] float32, 1 on real target positions (EOS included). */
  readonly targetMask: tf.Tensor2D;
}

/** How the decoder chooses its next input while training. */
export interface TeacherForcing {
  /** Probability of feeding the gold token at each decoder step, flipped per token (p=1 always gold, p=0 never). */
  readonly ratio: number;
  /** Coins for the per-token flips; required when 0 < ratio < 1 (unless `coins` are given). */
  readonly rng?: Rng;
  /**
   * The flips drawn beforehand (teacherForcingCoins: the same draws `rng` would give), bool [T, B], true where the
   * gold token is fed; used instead of `rng` when 0 < ratio < 1, so a step traced into a graph takes them as an input.
   */
  readonly coins?: tf.Tensor2D;
}

export interface Seq2SeqForwardOptions {
  readonly training: boolean;
  readonly teacherForcing: TeacherForcing;
  /** Seeds dropout masks (variational masks are drawn once per sequence and reused at every step). */
  readonly dropoutRng?: Rng;
  /**
   * Truncated BPTT through the encoder: gradients flow back at most this many encoder steps from its end;
   * the state is carried forward in full, only the gradient is cut. Undefined = full BPTT.
   */
  readonly encoderGradientWindow?: number;
  /** Record dL/dh_t probes for the gradient-flow-through-time diagnostic (see HiddenStateProbes). */
  readonly probeHiddenStates?: boolean;
}

/**
 * Zero-valued tensors added to each hidden state (h_t + z_t). The gradient of the loss with respect to z_t
 * equals dL/dh_t, which is how the diagnostic reads gradient flow through time without changing the math.
 */
export interface HiddenStateProbes {
  /** One [B, H] zero tensor per encoder step (top layer). */
  readonly encoder: readonly tf.Tensor[];
  /** One [B, H] zero tensor per decoder step (top layer). */
  readonly decoder: readonly tf.Tensor[];
}

export interface Seq2SeqForwardResult {
  /** Mean negative log-likelihood per real target token (padding excluded). */
  readonly loss: tf.Scalar;
  /** Sum of NLL and count of real target tokens, for exact corpus-level averages. */
  readonly nllSum: tf.Scalar;
  readonly tokenCount: number;
  readonly probes?: HiddenStateProbes;
}

/** What @bptt/train needs from a seq2seq model. */
export interface TrainableSeq2Seq {
  readonly trainableVariables: readonly tf.Variable[];
  /** The loss of one batch; call inside tf.variableGrads / tf.grads. */
  forward(batch: Seq2SeqBatch, options: Seq2SeqForwardOptions): Seq2SeqForwardResult;
}

/** Recurrent state carried between chunks of a stream (one entry per layer: h, and c for LSTM). */
export type RecurrentState = readonly tf.Tensor2D[];

export interface StreamChunk {
  /** [B, K] int32 inputs of this chunk. */
  readonly source: tf.Tensor2D;
  /** [B, K] int32 targets of this chunk. */
  readonly target: tf.Tensor2D;
  /** [B, K] float32 mask, 1 where the target counts in the loss. */
  readonly mask: tf.Tensor2D;
}

export interface StreamForwardOptions {
  readonly training: boolean;
  readonly dropoutRng?: Rng;
  /** Only the last `lossSteps` positions of the chunk contribute to the loss (TBPTT k1 < k2). Default: all. */
  readonly lossSteps?: number;
  readonly probeHiddenStates?: boolean;
}

export interface StreamForwardResult {
  readonly loss: tf.Scalar;
  readonly nllSum: tf.Scalar;
  readonly tokenCount: number;
  /** State after the chunk; the trainer detaches it (tf.keep + a copy outside the tape) before the next chunk. */
  readonly finalState: RecurrentState;
  /** State after each step of the chunk, so TBPTT(k1, k2) can restart from the state k2 steps back. */
  readonly stateAt?: (step: number) => RecurrentState;
  readonly probes?: readonly tf.Tensor[];
}

/** What @bptt/train needs from a recurrent language model / sequence tagger. */
export interface TrainableStreamModel {
  readonly trainableVariables: readonly tf.Variable[];
  initialState(batchSize: number): RecurrentState;
  forward(chunk: StreamChunk, state: RecurrentState, options: StreamForwardOptions): StreamForwardResult;
}
