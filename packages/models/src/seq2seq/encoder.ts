/**
 * The encoder: source embeddings -> stacked (optionally bidirectional) recurrent layers -> attention memory and
 * the decoder's initial state (through the bridge; see BridgeTypeSchema in config.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Seq2SeqModelConfig } from '../config.ts';
import type { DropoutMasks } from '../nn/dropout.ts';
import { Embedding } from '../nn/embedding.ts';
import { Linear } from '../nn/linear.ts';
import type { Parameters } from '../nn/parameters.ts';
import type { CellState } from '../nn/recurrent-cell.ts';
import { Padding } from '../nn/padding.ts';
import { RecurrentStack } from '../nn/recurrent-stack.ts';

export interface EncoderOutput {
  /** [B, S, Dm] top-layer outputs; Dm = 2H for a bidirectional encoder with the concat-linear bridge, else H. */
  readonly memory: tf.Tensor3D;
  /** [B, S] float32, 1 on real source tokens. */
  readonly sourceMask: tf.Tensor2D;
  /** The decoder's initial state, one entry per layer. */
  readonly decoderInit: CellState[];
  /** Real source length of each example. */
  readonly lengths: readonly number[];
}

export interface EncodeOptions {
  /** Truncated BPTT: only the last `window` source positions receive gradient. */
  readonly gradientWindow?: number;
  /** Zero probes added to the top layer's h at each position ([B, H], or [B, 2H] when bidirectional). */
  readonly probes?: readonly tf.Tensor2D[];
}

export class Encoder {
  readonly embedding: Embedding;
  readonly stack: RecurrentStack;
  private readonly bridgeH: Linear[] = [];
  private readonly bridgeC: Linear[] = [];

  constructor(
    params: Parameters,
    readonly config: Seq2SeqModelConfig,
    sourceVocabSize: number,
  ) {
    const { embeddingDim: E, hiddenDim: H, layers, bidirectional, cell } = config;
    this.embedding = new Embedding(params, 'encoder.embedding', sourceVocabSize, E);
    this.stack = new RecurrentStack(params, 'encoder', cell, E, H, layers, bidirectional);
    if (bidirectional && config.bridge === 'concat-linear') {
      for (let l = 0; l < layers; l++) {
        this.bridgeH.push(new Linear(params, `bridge.l${l}.h`, 2 * H, H, { bias: true }));
        if (cell === 'lstm') this.bridgeC.push(new Linear(params, `bridge.l${l}.c`, 2 * H, H, { bias: true }));
      }
    }
  }

  /** Width of a memory row. */
  get memoryDim(): number {
    const { bidirectional, bridge, hiddenDim } = this.config;
    return bidirectional && bridge === 'concat-linear' ? 2 * hiddenDim : hiddenDim;
  }

  /** Width of an encoder probe (both directions when bidirectional). */
  get probeDim(): number {
    return this.stack.directions * this.config.hiddenDim;
  }

  encode(source: tf.Tensor2D, sourceMask: tf.Tensor2D, masks: DropoutMasks, options: EncodeOptions = {}): EncoderOutput {
    const S = source.shape[1];
    // One read of the mask per batch (not per step): which positions hold padding in some row.
    const padding = Padding.read(sourceMask);

    const table = this.embedding.table(masks);
    const embedded = Embedding.lookup(table, tf.transpose(source)) as tf.Tensor3D; // [S, B, E]
    const window = options.gradientWindow;
    const run = this.stack.run(embedded, masks, {
      padding,
      gradientStart: window === undefined ? undefined : Math.max(0, S - window),
      probes: options.probes,
    });

    let rows: tf.Tensor2D[] = run.forward; // per position [B, Dm]
    if (run.backward !== undefined) {
      const bwd = run.backward;
      rows = this.config.bridge === 'sum' ? rows.map((f, t) => tf.add(f, bwd[t] as tf.Tensor2D)) : rows.map((f, t) => tf.concat([f, bwd[t] as tf.Tensor2D], 1));
    }
    const memory = tf.stack(rows, 1) as tf.Tensor3D; // [B, S, Dm]
    const decoderInit = this.bridge(run.finalForward, run.finalBackward);
    // Decoding reads the lengths; training never does, so a traced training step does not read the mask back.
    return {
      memory,
      sourceMask,
      decoderInit,
      get lengths() {
        return padding.lengths;
      },
    };
  }

  private bridge(forward: CellState[], backward: CellState[] | undefined): CellState[] {
    if (backward === undefined) return forward;
    return forward.map((f, l) => {
      const b = backward[l] as CellState;
      if (this.config.bridge === 'sum') {
        return f.c === undefined || b.c === undefined ? { h: tf.add(f.h, b.h) } : { h: tf.add(f.h, b.h), c: tf.add(f.c, b.c) };
      }
      const h = tf.tanh((this.bridgeH[l] as Linear).apply(tf.concat([f.h, b.h], 1)));
      if (f.c === undefined || b.c === undefined) return { h };
      return { h, c: (this.bridgeC[l] as Linear).apply(tf.concat([f.c, b.c], 1)) };
    });
  }
}
