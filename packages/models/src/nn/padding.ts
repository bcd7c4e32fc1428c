/**
 * Padded rows of a time-major batch, read once per batch. The step-by-step loop needs a [B, 1] mask per padded
 * position (state carried through padding); a fused sequence kernel needs each row's length instead, and only works
 * for right padding (1…1 0…0). Both come from here, and the step masks are built only if a layer asks for them.
 */
import * as tf from '@tensorflow/tfjs-core';

export class Padding {
  private stepMasksCache: (tf.Tensor2D | undefined)[] | undefined;

  private constructor(
    /** [B, T] float, 1 on real positions. */
    readonly mask: tf.Tensor2D,
    /** Real positions per row. */
    readonly lengths: readonly number[],
    /** Every row is 1…1 0…0. */
    readonly rightPadded: boolean,
  ) {}

  /** Reads the mask back once (one small sync per batch) and measures each row. */
  static read(mask: tf.Tensor2D): Padding {
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
    return new Padding(mask, lengths, rightPadded);
  }

  get shortest(): number {
    return Math.min(...this.lengths);
  }

  /** Whether any row is shorter than T. */
  get any(): boolean {
    return this.shortest < this.mask.shape[1];
  }

  /** Lengths for a fused kernel: undefined when no row is padded, null when the padding is not expressible. */
  get fusedLengths(): readonly number[] | undefined | null {
    if (!this.any) return undefined;
    return this.rightPadded && this.shortest >= 1 ? this.lengths : null;
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
