import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  beamSearch,
  EOS_ID,
  evaluateSeq2Seq,
  greedyDecode,
  lengthPenalty,
  makeSeq2SeqBatch,
  makeSourceBatch,
  predictTeacherForced,
  Seq2SeqModel,
  type AttentionType,
} from '@bptt/models';
import { randomIds, useTestBackend } from './helpers.ts';

beforeAll(async () => {
  await useTestBackend();
});

const V = 9;
const sources = randomIds(createRng('decode-src'), 5, 3, 8, 2, 6);

/**
 * An untrained model with its weights scaled up (so outputs vary with the source) and its EOS logit raised by
 * `eosBias` (so that some outputs end early and some run to maxLength).
 */
function model(attention: AttentionType, eosBias: number, inputFeeding = false) {
  const m = new Seq2SeqModel({ config: { embeddingDim: 6, hiddenDim: 8, attention, inputFeeding }, sourceVocabSize: V, targetVocabSize: V, seed: 12 });
  for (const [name, weight] of m.namedWeights) {
    if (name !== 'output.b') weight.assign(tf.tidy(() => tf.mul(weight, 3)));
  }
  const bias = m.namedWeights.get('output.b') as tf.Variable;
  const raise = new Float32Array(V);
  raise[EOS_ID] = eosBias;
  bias.assign(tf.tidy(() => tf.add(bias, tf.tensor1d(raise))));
  return m;
}

/** The first EOS bias for which greedy decoding of `sources` both ends early and runs long. */
function mixedModel(attention: AttentionType, inputFeeding: boolean) {
  const { source, sourceMask } = makeSourceBatch(sources);
  for (let bias = -2; bias <= 4; bias += 0.25) {
    const m = model(attention, bias, inputFeeding);
    const lengths = greedyDecode(m, source, sourceMask, { maxLength: 6 }).map((g) => (g.finished ? g.tokens.length : 99));
    if (new Set(lengths).size >= 2) {
      tf.dispose([source, sourceMask]);
      return m;
    }
    m.dispose();
  }
  throw new Error('no EOS bias gives varied output lengths');
}

describe.each([
  ['none', false],
  ['additive', false],
  ['dot', true],
] as const)('decoding (attention %s, input feeding %s)', (attention, inputFeeding) => {
  it('beam search of width 1 is greedy decoding', () => {
    const m = mixedModel(attention, inputFeeding);
    const { source, sourceMask } = makeSourceBatch(sources);
    const greedy = greedyDecode(m, source, sourceMask, { maxLength: 6 });
    const beams = beamSearch(m, source, sourceMask, { width: 1, maxLength: 6, lengthPenalty: 0.6 });
    greedy.forEach((g, i) => {
      const best = beams[i]?.best;
      expect(best?.tokens).toEqual(g.tokens);
      expect(best?.finished).toBe(g.finished);
      expect(best?.logProb).toBeCloseTo(g.logProb, 4);
      if (attention === 'none') expect(g.attention).toBeUndefined();
      else {
        expect(best?.attention?.length).toBe(g.attention?.length);
        best?.attention?.forEach((row, t) => row.forEach((w, s) => expect(w).toBeCloseTo(g.attention?.[t]?.[s] as number, 5)));
      }
    });
    tf.dispose([source, sourceMask]);
    m.dispose();
  });

  it('greedy decoding is the free-running (p = 0) path of the training forward pass', () => {
    const m = mixedModel(attention, inputFeeding);
    const targets = sources.map(() => [4, 4, 4, 4, 4]); // only the length matters: 6 decoder steps
    const batch = makeSeq2SeqBatch({ source: sources, target: targets }, [0, 1, 2, 3, 4]);
    const freeRunning = tf.tidy(() => tf.argMax(m.run(batch, { training: false, teacherForcing: { ratio: 0 } }).logits, 2).arraySync() as number[][]);
    const greedy = greedyDecode(m, batch.source, batch.sourceMask, { maxLength: 5 });
    greedy.forEach((g, b) => {
      const expected = freeRunning[b] as number[];
      const eos = expected.indexOf(EOS_ID);
      expect(g.tokens).toEqual(eos === -1 ? expected.slice(0, 5) : expected.slice(0, eos));
    });
    tf.dispose(Object.values(batch));
    m.dispose();
  });
});

describe('beam search', () => {
  it('an exhaustive beam finds the best-scoring sequence (GNMT length penalty), checked by brute force', () => {
    for (const alpha of [0, 1.5]) {
      const m = model('general', 0.5);
      const maxLength = 2;
      const source = [sources[0] as number[]];
      // Every output of at most 2 tokens, scored through the teacher-forced pass.
      const nonEos = [...Array(V).keys()].filter((id) => id !== EOS_ID);
      const candidates: number[][] = [[], ...nonEos.map((a) => [a]), ...nonEos.flatMap((a) => nonEos.map((b) => [a, b]))];
      const batch = makeSeq2SeqBatch({ source: candidates.map(() => source[0] as number[]), target: candidates }, candidates.map((_, i) => i));
      const nll = tf.tidy(() => tf.sum(m.run(batch, { training: false, teacherForcing: { ratio: 1 } }).nllPerToken, 1).arraySync() as number[]);
      const scores = candidates.map((c, i) => -(nll[i] as number) / lengthPenalty(c.length + 1, alpha));
      const bestIndex = scores.indexOf(Math.max(...scores));

      const { source: src, sourceMask } = makeSourceBatch(source);
      const [result] = beamSearch(m, src, sourceMask, { width: candidates.length, maxLength, lengthPenalty: alpha });
      expect(result?.best.finished).toBe(true);
      expect(result?.best.tokens).toEqual(candidates[bestIndex]);
      expect(result?.best.score).toBeCloseTo(scores[bestIndex] as number, 4);
      // Hypotheses come sorted by score, finished ones first.
      const finished = result?.hypotheses.filter((h) => h.finished) ?? [];
      for (let i = 1; i < finished.length; i++) expect((finished[i - 1] as { score: number }).score).toBeGreaterThanOrEqual((finished[i] as { score: number }).score);
      tf.dispose([src, sourceMask, ...Object.values(batch)]);
      m.dispose();
    }
  });

  it('stops once `width` hypotheses have ended, and keeps unfinished ones flagged at maxLength', () => {
    const m = model('none', -20); // EOS is (almost) never chosen
    const { source, sourceMask } = makeSourceBatch(sources.slice(0, 2));
    const results = beamSearch(m, source, sourceMask, { width: 3, maxLength: 4 });
    for (const r of results) {
      expect(r.hypotheses.length).toBe(3);
      for (const h of r.hypotheses) {
        expect(h.finished).toBe(false);
        expect(h.tokens.length).toBe(4);
      }
    }
    expect(() => beamSearch(m, source, sourceMask, { width: 0, maxLength: 4 })).toThrow(/beam width must be a positive integer, got 0/);
    tf.dispose([source, sourceMask]);
    m.dispose();
  });
});

describe('teacher-forced evaluation and NLL', () => {
  it('predictTeacherForced returns the argmax after each gold prefix, and attention over real source tokens', () => {
    const m = model('dot', 0);
    const targets = randomIds(createRng('t'), 5, 3, 8, 1, 4);
    const batch = makeSeq2SeqBatch({ source: sources, target: targets }, [0, 1, 2, 3, 4]);
    const predictions = predictTeacherForced(m, batch);
    const argmax = tf.tidy(() => tf.argMax(m.run(batch, { training: false, teacherForcing: { ratio: 1 } }).logits, 2).arraySync() as number[][]);
    predictions.forEach((p, b) => {
      const target = targets[b] as number[];
      expect(p.gold).toEqual([...target, EOS_ID]);
      expect(p.predicted).toEqual((argmax[b] as number[]).slice(0, target.length + 1));
      expect(p.attention?.length).toBe(target.length + 1);
      for (const row of p.attention ?? []) {
        expect(row.length).toBe((sources[b] as number[]).length + 1); // + the source EOS
        expect(row.reduce((a, w) => a + w, 0)).toBeCloseTo(1, 5);
      }
    });
    tf.dispose(Object.values(batch));
    m.dispose();
  });

  it('evaluateSeq2Seq sums NLL exactly over batches and reports perplexity', () => {
    const m = model('additive', 0);
    const split = { source: sources, target: randomIds(createRng('t2'), 5, 3, 8, 1, 4) };
    const whole = evaluateSeq2Seq(m, split, { batchSize: 5 });
    const pieces = evaluateSeq2Seq(m, split, { batchSize: 2 });
    expect(pieces.tokenCount).toBe(split.target.reduce((a, t) => a + t.length + 1, 0));
    expect(pieces.tokenCount).toBe(whole.tokenCount);
    expect(pieces.nllSum).toBeCloseTo(whole.nllSum, 3);
    expect(pieces.perplexity).toBeCloseTo(Math.exp(pieces.nllSum / pieces.tokenCount), 6);
    const batch = makeSeq2SeqBatch(split, [0, 1, 2, 3, 4]);
    const forward = tf.tidy(() => m.forward(batch, { training: false, teacherForcing: { ratio: 1 } }).nllSum.dataSync()[0] as number);
    expect(whole.nllSum).toBeCloseTo(forward, 3);
    pieces.perExample.forEach((e, i) => expect(e.tokens).toBe((split.target[i] as number[]).length + 1));
    tf.dispose(Object.values(batch));
    m.dispose();
  });
});
