/**
 * Greedy decoding (free running, p = 0 at evaluation): at each step feed back the argmax. Batched: every example
 * steps together until all have emitted EOS or maxLength steps have run.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BOS_ID, EOS_ID } from '../batch/special-tokens.ts';
import type { Seq2SeqModel } from '../seq2seq/model.ts';
import type { DecoderState } from '../seq2seq/decoder.ts';
import { decoderStateTensors, scoped } from './tensor-scope.ts';
import type { DecodedSequence } from './types.ts';

export interface GreedyOptions {
  /** Most output tokens per example (EOS not counted). */
  readonly maxLength: number;
}

export function greedyDecode(model: Seq2SeqModel, source: tf.Tensor2D, sourceMask: tf.Tensor2D, options: GreedyOptions): DecodedSequence[] {
  checkMaxLength(options.maxLength);
  const B = source.shape[0];
  const S = source.shape[1];
  const tokens: number[][] = Array.from({ length: B }, () => []);
  const logProbs = new Array<number>(B).fill(0);
  const finished = new Array<boolean>(B).fill(false);
  const attention: number[][][] = Array.from({ length: B }, () => []);
  scoped(() => {
    const encoded = model.encode(source, sourceMask);
    const lengths = encoded.encoder.lengths;
    let state: DecoderState = model.initialDecoderState(encoded);
    let previous = new Int32Array(B).fill(BOS_ID);
    // maxLength tokens plus the EOS step.
    for (let t = 0; t <= options.maxLength && finished.includes(false); t++) {
      const step = scoped(() => {
        const out = model.decodeStep(tf.tensor1d(previous, 'int32'), state, encoded, t);
        const logp = tf.logSoftmax(out.logits);
        const best = tf.argMax(logp, 1);
        const bestLogp = tf.max(logp, 1);
        return { state: out.state, best, bestLogp, attention: out.attention };
      });
      const best = step.best.dataSync() as Int32Array;
      const bestLogp = step.bestLogp.dataSync();
      const weights = step.attention?.dataSync();
      for (let b = 0; b < B; b++) {
        if (finished[b] === true) continue;
        const id = best[b] as number;
        const emits = id === EOS_ID || t < options.maxLength;
        if (!emits) continue;
        logProbs[b] = (logProbs[b] as number) + (bestLogp[b] as number);
        if (weights !== undefined) attention[b]?.push(Array.from(weights.subarray(b * S, b * S + (lengths[b] as number))));
        if (id === EOS_ID) finished[b] = true;
        else tokens[b]?.push(id);
      }
      if (t > 0) tf.dispose(decoderStateTensors(state));
      tf.dispose([step.best, step.bestLogp, ...(step.attention === undefined ? [] : [step.attention])]);
      state = step.state;
      previous = Int32Array.from(best);
    }
  });
  return tokens.map((ids, b) => ({
    tokens: ids,
    finished: finished[b] as boolean,
    logProb: logProbs[b] as number,
    ...(model.config.attention === 'none' ? {} : { attention: attention[b] as number[][] }),
  }));
}

export function checkMaxLength(maxLength: number): void {
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new RangeError(`maxLength must be a positive integer, got ${maxLength}`);
}

/** Free-running evaluation (p = 0) of a batch: greedy decoding from its sources; maxLength defaults to 2·T. */
export function predictFreeRunning(model: Seq2SeqModel, batch: { readonly source: tf.Tensor2D; readonly sourceMask: tf.Tensor2D; readonly targetIn?: tf.Tensor2D }, options: Partial<GreedyOptions> = {}): DecodedSequence[] {
  const maxLength = options.maxLength ?? 2 * (batch.targetIn?.shape[1] ?? batch.source.shape[1]);
  return greedyDecode(model, batch.source, batch.sourceMask, { maxLength });
}
