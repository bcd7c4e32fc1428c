/**
 * Beam search with GNMT's length penalty, lp(Y) = ((5 + |Y|) / 6)^alpha, score = log P(Y) / lp(Y), where |Y| counts
 * the emitted tokens including EOS (Wu et al. 2016; OpenNMT's `-length_penalty wu`). alpha = 0 ranks by log P.
 *
 * Per step (fairseq's scheme): the live hypotheses' extensions are ranked by log P and the top 2·width taken; an EOS
 * extension among the first `width` becomes a finished hypothesis, the best `width` other extensions stay live.
 * Search stops when `width` hypotheses have finished (all beams ended) or after maxLength tokens; then unfinished
 * hypotheses are kept, flagged, behind the finished ones. With width 1 this is exactly greedy decoding.
 * The beams of one example run as one batch; examples run one after the other (the encoder runs once for all).
 */
import * as tf from '@tensorflow/tfjs-core';
import { BOS_ID, EOS_ID } from '../batch/special-tokens.ts';
import type { DecoderState } from '../seq2seq/decoder.ts';
import type { EncodedBatch, Seq2SeqModel } from '../seq2seq/model.ts';
import { checkMaxLength } from './greedy.ts';
import { decoderStateTensors, scoped } from './tensor-scope.ts';
import type { BeamSearchResult, ScoredSequence } from './types.ts';

export interface BeamSearchOptions {
  readonly width: number;
  /** GNMT alpha; 0 (default) disables the penalty, GNMT used 0.6. */
  readonly lengthPenalty?: number;
  /** Most output tokens per hypothesis (EOS not counted). */
  readonly maxLength: number;
}

interface Hypothesis {
  readonly tokens: number[];
  readonly logProb: number;
  readonly attention: number[][];
}

export function lengthPenalty(steps: number, alpha: number): number {
  return alpha === 0 ? 1 : ((5 + steps) / 6) ** alpha;
}

export function beamSearch(model: Seq2SeqModel, source: tf.Tensor2D, sourceMask: tf.Tensor2D, options: BeamSearchOptions): BeamSearchResult[] {
  const { width, maxLength } = options;
  const alpha = options.lengthPenalty ?? 0;
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`beam width must be a positive integer, got ${width}`);
  if (!Number.isFinite(alpha) || alpha < 0) throw new RangeError(`lengthPenalty (alpha) must be >= 0, got ${alpha}`);
  checkMaxLength(maxLength);
  return scoped(() => {
    const encoded = model.encode(source, sourceMask);
    return Array.from({ length: source.shape[0] }, (_, i) => scoped(() => searchOne(model, encoded, i, width, alpha, maxLength)));
  });
}

function searchOne(model: Seq2SeqModel, all: EncodedBatch, example: number, width: number, alpha: number, maxLength: number): BeamSearchResult {
  const sourceLength = all.encoder.lengths[example] as number;
  const S = all.encoder.memory.shape[1];
  const V = model.targetVocabSize;
  const withAttention = model.config.attention !== 'none';
  const rowsFor = new Map<number, EncodedBatch>();
  const encodedRows = (n: number): EncodedBatch => {
    let e = rowsFor.get(n);
    if (e === undefined) {
      e = model.selectEncodedRows(all, tf.tensor1d(new Array<number>(n).fill(example), 'int32'));
      rowsFor.set(n, e);
    }
    return e;
  };
  const finished: ScoredSequence[] = [];
  let live: Hypothesis[] = [{ tokens: [], logProb: 0, attention: [] }];
  let state: DecoderState = model.initialDecoderState(encodedRows(1));
  for (let t = 0; t <= maxLength && live.length > 0 && finished.length < width; t++) {
    const n = live.length;
    const previous = Int32Array.from(live, (h) => (h.tokens.length === 0 ? BOS_ID : (h.tokens[h.tokens.length - 1] as number)));
    const encoded = encodedRows(n); // cached across steps, so created outside the step's scope
    const step = scoped(() => {
      const out = model.decodeStep(tf.tensor1d(previous, 'int32'), state, encoded, t);
      const logp = tf.logSoftmax(out.logits); // [n, V]
      const total = tf.add(logp, tf.tensor2d(live.map((h) => h.logProb), [n, 1]));
      const k = Math.min(2 * width, n * V);
      const { values, indices } = tf.topk(tf.reshape(total, [-1]), k, true);
      return { state: out.state, values, indices, attention: out.attention };
    });
    const values = step.values.dataSync();
    const indices = step.indices.dataSync();
    const weights = step.attention?.dataSync();
    const next: Hypothesis[] = [];
    const parents: number[] = [];
    const endedHere = new Set<number>();
    for (let rank = 0; rank < indices.length && next.length < width; rank++) {
      const flat = indices[rank] as number;
      const parent = Math.floor(flat / V);
      const token = flat % V;
      const from = live[parent] as Hypothesis;
      const attention = withAttention && weights !== undefined ? [...from.attention, Array.from(weights.subarray(parent * S, parent * S + sourceLength))] : from.attention;
      const logProb = values[rank] as number;
      if (token === EOS_ID) {
        // Only an EOS among the top `width` ends a beam (fairseq); a lower one would displace a better live beam.
        if (rank < width && finished.length < width) {
          finished.push(scored({ tokens: from.tokens, logProb, attention }, true, alpha, withAttention));
          endedHere.add(parent);
        }
        continue;
      }
      // At step maxLength only EOS may be emitted (at most maxLength tokens).
      if (t === maxLength) continue;
      next.push({ tokens: [...from.tokens, token], logProb, attention });
      parents.push(parent);
    }
    if (t === maxLength) {
      // Out of steps: the beams that did not end stay as they were, unfinished.
      tf.dispose([...decoderStateTensors(step.state), step.values, step.indices, ...(step.attention === undefined ? [] : [step.attention])]);
      live = live.filter((_, index) => !endedHere.has(index));
      break;
    }
    const old = state;
    state = next.length === 0 ? state : scoped(() => model.selectStateRows(step.state, tf.tensor1d(parents, 'int32')));
    if (t > 0) tf.dispose(decoderStateTensors(old));
    tf.dispose([...decoderStateTensors(step.state), step.values, step.indices, ...(step.attention === undefined ? [] : [step.attention])]);
    live = next;
  }
  const byScore = (a: ScoredSequence, b: ScoredSequence) => b.score - a.score;
  const unfinished = live.map((h) => scored(h, false, alpha, withAttention)).sort(byScore);
  const hypotheses = [...finished.sort(byScore), ...unfinished].slice(0, width);
  return { best: hypotheses[0] as ScoredSequence, hypotheses };
}

function scored(h: Hypothesis, finished: boolean, alpha: number, withAttention: boolean): ScoredSequence {
  const steps = h.tokens.length + (finished ? 1 : 0);
  return {
    tokens: h.tokens,
    finished,
    logProb: h.logProb,
    score: h.logProb / lengthPenalty(steps, alpha),
    ...(withAttention ? { attention: h.attention } : {}),
  };
}
