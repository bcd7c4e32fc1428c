/** Small helpers so decoding loops free each step's intermediates but keep the carried state. */
import * as tf from '@tensorflow/tfjs-core';
import type { DecoderState } from '../seq2seq/decoder.ts';

export function decoderStateTensors(state: DecoderState): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  for (const layer of state.layers) {
    out.push(layer.h);
    if (layer.c !== undefined) out.push(layer.c);
  }
  if (state.feed !== undefined) out.push(state.feed);
  return out;
}

/** Reads rows [B, S] into per-row arrays trimmed to each row's length. */
export function rowsTrimmed(values: Float32Array | Int32Array, columns: number, lengths: readonly number[]): number[][] {
  return lengths.map((len, b) => Array.from(values.subarray(b * columns, b * columns + len)));
}

/** tf.tidy with the callback's own result type (tidy keeps every tensor reachable from the result). */
export function scoped<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as T;
}
