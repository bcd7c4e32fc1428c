/**
 * Evaluation under teacher forcing (p = 1): at every position the decoder has seen the gold prefix; the prediction is
 * the argmax there. Compared with free-running decoding (greedyDecode) it separates "knows the next token" from
 * "recovers from its own mistakes" (exposure bias).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Seq2SeqBatch } from '../contract.ts';
import type { Seq2SeqModel } from '../seq2seq/model.ts';
import type { TeacherForcedPrediction } from './types.ts';
import { scoped } from './tensor-scope.ts';

export function predictTeacherForced(model: Seq2SeqModel, batch: Seq2SeqBatch): TeacherForcedPrediction[] {
  const [B, T] = batch.targetOut.shape;
  const S = batch.source.shape[1];
  const { predicted, attention } = scoped(() => {
    const run = model.run(batch, { training: false, teacherForcing: { ratio: 1 } });
    return { predicted: tf.argMax(run.logits, 2), attention: run.attention };
  });
  const ids = predicted.dataSync();
  const weights = attention?.dataSync();
  const gold = batch.targetOut.dataSync();
  const targetLengths = rowLengths(batch.targetMask);
  const sourceLengths = rowLengths(batch.sourceMask);
  tf.dispose([predicted, ...(attention === undefined ? [] : [attention])]);
  return Array.from({ length: B }, (_, b) => {
    const L = targetLengths[b] as number;
    const out: TeacherForcedPrediction = {
      predicted: Array.from(ids.subarray(b * T, b * T + L)),
      gold: Array.from(gold.subarray(b * T, b * T + L)),
    };
    if (weights === undefined) return out;
    const rows = Array.from({ length: L }, (_, t) => Array.from(weights.subarray((b * T + t) * S, (b * T + t) * S + (sourceLengths[b] as number))));
    return { ...out, attention: rows };
  });
}

export function rowLengths(mask: tf.Tensor2D): number[] {
  const [B, N] = mask.shape;
  const values = mask.dataSync();
  return Array.from({ length: B }, (_, b) => {
    let n = 0;
    for (let i = 0; i < N; i++) n += values[b * N + i] as number;
    return Math.round(n);
  });
}
