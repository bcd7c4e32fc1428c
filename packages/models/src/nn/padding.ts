/**
 * Padded rows of a time-major batch, read once per batch. The step-by-step loop needs a [B, 1] mask per padded
 * position (state carried through padding); a fused sequence kernel needs each row's length instead, and only works
 * for right padding (1…1 0…0). Both come from here, and the step masks are built only if a layer asks for them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { isTracingGraph } from '../native/graph/trace.ts';

export class Padding {
  private stepMasksCache: (tf.Tensor2D | undefined)[] | undefined;

  private constructor(
    /** [B, T] float, 1 on real positions. */
    readonly mask: tf.Tensor2D,
    /** Lengths and shape of the padding, or undefined when not read (see `unread`). */
    private measured: { readonly lengths: readonly number[]; readonly rightPadded: boolean } | undefined,
  ) {}

  /**
   * Reads the mask back once (one small sync per batch) and measures each row. While a graph is traced
   * (native/graph) nothing is read: the padding is taken as unknown, so every position is masked and no fused
   * sequence kernel (which needs lengths) is chosen; the same values, computed by a graph valid for any padding.
   */
  static read(mask: tf.Tensor2D): Padding {
    return new Padding(mask, isTracingGraph() ? undefined : measure(mask));
  }

  /** Real positions per row (read from the mask on first use when the padding was not read). */
  get lengths(): readonly number[] {
    this.measured ??= measure(this.mask);
    return this.measured.lengths;
  }

  get shortest(): number {
    return this.measured === undefined ? 0 : Math.min(...this.measured.lengths);
  }

  /** Whether any row is shorter than T (or may be: padding not read). */
  get any(): boolean {
    return this.shortest < this.mask.shape[1];
  }

  /** Lengths for a fused kernel: undefined when no row is padded, null when the padding is not expressible. */
  get fusedLengths(): readonly number[] | undefined | null {
    if (this.measured === undefined) return null;
    if (!this.any) return undefined;
    return this.measured.rightPadded && this.shortest >= 1 ? this.measured.lengths : null;
  }

  /** [B, 1] per position, undefined where no row is padded yet (positions before the shortest row ends). */
  stepMasks(): readonly (tf.Tensor2D | undefined)[] {
    if (this.stepMasksCache !== undefined) return this.stepMasksCache;
    const [B] = this.mask.shape;
    const shortest = this.shortest;
    const columns = this.any ? (tf.unstack(tf.transpose(this.mask)) as tf.Tensor1D[]) : [];
    this.stepMasksCache = columns.map((col, t) => (t < shortest ? undefined : (tf.reshape(col, [B, 1]) as tf.Tensor2D)));
    return this.stepMasksCache;
  }
}

function measure(mask: tf.Tensor2D): { lengths: number[]; rightPadded: boolean } {
  const [B, T] = mask.shape;
  const values = mask.dataSync();
  const lengths: number[] = [];
  let rightPadded = true;
  for (let b = 0; b < B; b++) {
    let n = 0;
    let ended = false;
    for (let t = 0; t < T; t++) {
      if ((values[b * T + t] as number) > 0.5) {
        n++;
        if (ended) rightPadded = false;
      } else ended = true;
    }
    lengths.push(n);
  }
  return { lengths, rightPadded };
}
