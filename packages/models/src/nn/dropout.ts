/**
 * Recurrent dropout masks. Every mask is drawn in JavaScript from `dropoutRng.fork(site)`, so a mask depends only
 * on the forward pass's Rng and the site's name (not on the order sites are visited): a resumed run draws the same
 * masks as an uninterrupted one. Masks are already scaled by 1/(1-p) (inverted dropout), so evaluation needs none.
 * Because a mask follows from (generator, site, shape, rate) alone, a step traced into a TensorFlow graph takes its
 * masks as inputs that the trainer draws again for every run of the graph.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '@bptt/data';
import type { RecurrentDropoutConfig } from '../config.ts';
import { feedAsGraphInput, isTracingGraph } from '../native/graph/trace.ts';

interface MaskDraw {
  readonly site: string;
  readonly rows: number;
  readonly cols: number;
  readonly rate: number;
}

const FED_PREFIX = 'dropout mask ';

/** A [rows, cols] mask of 0 and 1/(1-rate) from the pass's generator, forked by site. */
function drawMask(rng: Rng, { site, rows, cols, rate }: MaskDraw): tf.Tensor2D {
  const siteRng = rng.fork(site);
  const scale = 1 / (1 - rate);
  const values = new Float32Array(rows * cols);
  for (let i = 0; i < values.length; i++) values[i] = siteRng.next() < rate ? 0 : scale;
  return tf.tensor2d(values, [rows, cols]);
}

/**
 * The masks a traced training step fed itself (GraphFunctionCache's `feed`: TracedGraph.fed), drawn again from the
 * forward pass's generator for this step: the same values an op-by-op pass would draw.
 */
export function redrawDropoutMasks(rng: Rng, fed: readonly string[]): tf.Tensor2D[] {
  return fed.map((description) => {
    if (!description.startsWith(FED_PREFIX)) throw new Error(`redrawDropoutMasks: not a dropout mask: ${description}`);
    return drawMask(rng, JSON.parse(description.slice(FED_PREFIX.length)) as MaskDraw);
  });
}

/**
 * Test and diagnostic hooks; each is called synchronously, inside the forward pass. The tensors they receive may be
 * disposed right after the call (steps run in tf.tidy): read them, or tf.clone them, there.
 */
export interface ModelHooks {
  /**
   * A dropout mask as it is applied. `step` is the time step for masks applied step by step (hidden state, and
   * decoder inputs), or 'all' for a mask applied once to a whole sequence or to a weight matrix.
   */
  onDropoutMask?(site: string, step: number | 'all', mask: tf.Tensor): void;
  /** The [B] int32 token ids fed to the decoder at `step` (0 = BOS), after the teacher-forcing choice. */
  onDecoderInput?(step: number, tokens: tf.Tensor1D): void;
}

export class DropoutMasks {
  private constructor(
    readonly config: RecurrentDropoutConfig,
    private readonly rng: Rng | undefined,
    readonly hooks: ModelHooks | undefined,
  ) {}

  /** Masks for one forward pass; none at all when not training. */
  static forPass(
    config: RecurrentDropoutConfig,
    training: boolean,
    rng: Rng | undefined,
    hooks: ModelHooks | undefined,
  ): DropoutMasks {
    const active = training && (config.variational > 0 || config.weightDrop > 0 || config.embedding > 0);
    if (active && rng === undefined) {
      throw new Error(
        `dropout is on (variational ${config.variational}, weightDrop ${config.weightDrop}, embedding ` +
          `${config.embedding}) but the forward options have no dropoutRng: masks must be reproducible`,
      );
    }
    const off: RecurrentDropoutConfig = { variational: 0, weightDrop: 0, embedding: 0 };
    return new DropoutMasks(active ? config : off, active ? rng : undefined, hooks);
  }

  /**
   * A [rows, cols] mask of 0 and 1/(1-rate), or undefined when this kind of dropout is off. In a traced training
   * step the mask is an input of the graph, drawn again for each run (redrawDropoutMasks), not a constant.
   */
  draw(site: string, rows: number, cols: number, rate: number): tf.Tensor2D | undefined {
    if (rate <= 0 || this.rng === undefined) return undefined;
    const draw = { site, rows, cols, rate };
    const mask = drawMask(this.rng, draw);
    if (isTracingGraph()) feedAsGraphInput(mask, FED_PREFIX + JSON.stringify(draw));
    return mask;
  }

  /** Variational mask for a [B, D] input or hidden state, the same at every time step of the sequence. */
  variational(site: string, batchSize: number, width: number): tf.Tensor2D | undefined {
    return this.draw(site, batchSize, width, this.config.variational);
  }

  /** DropConnect mask for a recurrent weight matrix (one per forward pass). */
  weightDrop(site: string, rows: number, cols: number): tf.Tensor2D | undefined {
    return this.draw(site, rows, cols, this.config.weightDrop);
  }

  /** [V, 1] mask over word types: a dropped type is zero wherever it occurs in the batch. */
  embedding(site: string, vocabSize: number): tf.Tensor2D | undefined {
    return this.draw(site, vocabSize, 1, this.config.embedding);
  }

  /** Multiplies by the mask when there is one and reports it to the hook. */
  apply<T extends tf.Tensor>(site: string, step: number | 'all', x: T, mask: tf.Tensor | undefined): T {
    if (mask === undefined) return x;
    this.hooks?.onDropoutMask?.(site, step, mask);
    return tf.mul(x, mask) as T;
  }
}
