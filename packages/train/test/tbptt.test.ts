import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RecurrentState } from '@bptt/models';
import type { TrainConfigInput } from '../src/config.ts';
import { tbpttWindow, tbpttWindowCount } from '../src/stream-batches.ts';
import { trainSeq2Seq } from '../src/train-seq2seq.ts';
import { trainStream } from '../src/train-stream.ts';
import { lmStream, reverseData, TinyRnnLm, TinySeq2Seq, useTestBackend, weightsOf } from './tiny-models.ts';

beforeAll(useTestBackend);

describe('TBPTT(k1, k2) windows', () => {
  it('every k1 steps: loss of the last k1 steps, gradient through the last k2 steps', () => {
    expect(tbpttWindowCount(12, 3)).toBe(4);
    const windows = [0, 1, 2, 3].map((i) => tbpttWindow(i, 12, 3, 5));
    expect(windows).toEqual([
      { start: 0, end: 3, lossStart: 0, nextStart: 1 },
      { start: 1, end: 6, lossStart: 3, nextStart: 4 },
      { start: 4, end: 9, lossStart: 6, nextStart: 7 },
      { start: 7, end: 12, lossStart: 9, nextStart: undefined },
    ]);
  });

  it('k1 = k2 gives disjoint chunks (word_language_model); a short last window keeps k2', () => {
    expect([0, 1, 2].map((i) => tbpttWindow(i, 10, 4, 4))).toEqual([
      { start: 0, end: 4, lossStart: 0, nextStart: 4 },
      { start: 4, end: 8, lossStart: 4, nextStart: 6 },
      { start: 6, end: 10, lossStart: 8, nextStart: undefined },
    ]);
    expect(() => tbpttWindow(3, 10, 4, 4)).toThrow(RangeError);
  });
});

const seq2seqData = { train: reverseData(24, 3, 6, 5, 'tbptt-train'), valid: reverseData(8, 6, 6, 5, 'tbptt-valid') };
const seq2seqConfig = (bptt: TrainConfigInput['bptt']): TrainConfigInput => ({
  seed: 3,
  batchSize: 8,
  epochs: 2,
  bptt,
  optimizer: { type: 'sgd', lr: 0.5 },
  clip: { mode: 'none' },
  evalEvery: 3,
  diagnostics: { every: 3, batchSize: 4 },
});

describe('seq2seq: truncated BPTT through the encoder', () => {
  it('k2 >= the source length gives exactly the gradients (and weights) of full BPTT', async () => {
    const full = new TinySeq2Seq({ vocab: 9, hidden: 6, seed: 1 });
    const truncated = new TinySeq2Seq({ vocab: 9, hidden: 6, seed: 1 });
    const fullRun = await trainSeq2Seq({ model: full, config: seq2seqConfig({ mode: 'full' }), data: seq2seqData });
    // Longest source is 6 tokens + EOS = 7 encoder steps.
    const truncatedRun = await trainSeq2Seq({ model: truncated, config: seq2seqConfig({ mode: 'truncated', k2: 7 }), data: seq2seqData });
    const trainingWindows = (model: TinySeq2Seq) => new Set(model.calls.filter((c) => c.training).map((c) => c.encoderGradientWindow));
    expect(trainingWindows(truncated)).toEqual(new Set([7]));
    expect(trainingWindows(full)).toEqual(new Set([undefined]));
    expect(weightsOf(truncated)).toEqual(weightsOf(full));
    expect(truncatedRun.history.steps.map((s) => s.gradNorm)).toEqual(fullRun.history.steps.map((s) => s.gradNorm));
    expect(truncatedRun.diagnostics).toEqual(fullRun.diagnostics);
  });

  it('a small k2 leaves the early encoder steps without gradient (probes read exactly zero)', async () => {
    const model = new TinySeq2Seq({ vocab: 9, hidden: 6, seed: 1 });
    const full = new TinySeq2Seq({ vocab: 9, hidden: 6, seed: 1 });
    const run = await trainSeq2Seq({ model, config: seq2seqConfig({ mode: 'truncated', k2: 2 }), data: seq2seqData });
    const fullRun = await trainSeq2Seq({ model: full, config: seq2seqConfig({ mode: 'full' }), data: seq2seqData });
    expect(run.diagnostics.map((d) => d.step)).toEqual([0, 3, 6]);
    for (const flow of run.diagnostics) {
      expect(flow.encoder).toHaveLength(7);
      expect(flow.encoder.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
      flow.encoder.slice(5).forEach((norm) => expect(norm).toBeGreaterThan(0));
      expect(flow.decoder).toHaveLength(7); // 6 target tokens + EOS
      flow.decoder.forEach((norm) => expect(norm).toBeGreaterThan(0));
    }
    for (const flow of fullRun.diagnostics) flow.encoder.forEach((norm) => expect(norm).toBeGreaterThan(0));
    // Same loss at step 0 (the forward pass is unchanged), different gradients afterwards.
    expect(run.diagnostics[0]?.loss).toBe(fullRun.diagnostics[0]?.loss);
    expect(weightsOf(model)).not.toEqual(weightsOf(full));
  });
});

/**
 * TBPTT as Sutskever describes it, written independently of the trainer: one forward call per time step, every
 * state kept in a table, and plain SGD. Each update re-runs the steps [t - k2, t) from the stored state at t - k2.
 */
async function referenceTbptt(
  model: TinyRnnLm,
  stream: { source: number[]; target: number[] },
  rows: number,
  k1: number,
  k2: number,
  lr: number,
  epochs: number,
): Promise<void> {
  const n = Math.floor(stream.source.length / rows);
  const column = (ids: number[], s: number) => Array.from({ length: rows }, (_, b) => [ids[b * n + s] as number]);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const states = new Map<number, RecurrentState>([[0, model.initialState(rows)]]);
    for (let i = 0; i * k1 < n; i++) {
      const end = Math.min((i + 1) * k1, n);
      const lossStart = i * k1;
      const start = Math.max(0, end - k2);
      const fresh: [number, tf.Tensor2D][] = [];
      const { grads } = tf.variableGrads(() => {
        let state = states.get(start) as RecurrentState;
        let nll: tf.Scalar = tf.scalar(0);
        let count = 0;
        for (let s = start; s < end; s++) {
          const chunk = {
            source: tf.tensor2d(column(stream.source, s), [rows, 1], 'int32'),
            target: tf.tensor2d(column(stream.target, s), [rows, 1], 'int32'),
            mask: tf.fill([rows, 1], s >= lossStart ? 1 : 0) as tf.Tensor2D,
          };
          const result = model.forward(chunk, state, { training: true });
          nll = tf.add(nll, result.nllSum);
          count += result.tokenCount;
          state = result.finalState;
          fresh.push([s + 1, tf.keep(state[0] as tf.Tensor2D)]);
        }
        return tf.div(nll, count);
      }, model.trainableVariables);
      for (const [position, h] of fresh) states.set(position, [tf.keep(h.clone())]);
      tf.dispose(fresh.map(([, h]) => h));
      tf.tidy(() => {
        for (const variable of model.trainableVariables) {
          variable.assign(tf.sub(variable, tf.mul(grads[variable.name] as tf.Tensor, lr)));
        }
      });
      tf.dispose(Object.values(grads));
    }
    states.forEach((state) => tf.dispose([...state]));
  }
}

describe('streams: TBPTT(k1, k2) against an independent step-by-step implementation', () => {
  const stream = lmStream(96, 5, 'tbptt-stream');
  const cases: [string, TrainConfigInput['bptt'], number, number][] = [
    ['k1 = k2 (disjoint chunks)', { mode: 'truncated', k1: 4, k2: 4 }, 4, 4],
    ['k1 < k2 < 2 k1 (overlapping windows)', { mode: 'truncated', k1: 3, k2: 5 }, 3, 5],
    ['k2 > 2 k1 (the next window starts two windows back)', { mode: 'truncated', k1: 2, k2: 7 }, 2, 7],
    ['k2 >= row length (every update backpropagates to the start)', { mode: 'truncated', k1: 5, k2: 24 }, 5, 24],
    ['full BPTT (one window per epoch)', { mode: 'full' }, 24, 24],
  ];
  for (const [name, bptt, k1, k2] of cases) {
    it(name, async () => {
      const trained = new TinyRnnLm({ vocab: 10, hidden: 5, seed: 7 });
      const reference = new TinyRnnLm({ vocab: 10, hidden: 5, seed: 7 });
      const result = await trainStream({
        model: trained,
        config: { batchSize: 4, epochs: 2, bptt, optimizer: { type: 'sgd', lr: 0.5 }, clip: { mode: 'none' }, diagnostics: { every: 0 } },
        data: { train: stream },
      });
      expect(result.steps).toBe(2 * Math.ceil(24 / k1));
      await referenceTbptt(reference, stream, 4, k1, k2, 0.5, 2);
      const expected = weightsOf(reference);
      weightsOf(trained).forEach((values, v) => values.forEach((x, i) => expect(x).toBeCloseTo(expected[v]?.[i] as number, 5)));
      expect(weightsOf(trained)).not.toEqual(weightsOf(new TinyRnnLm({ vocab: 10, hidden: 5, seed: 7 })));
    });
  }

  it('k2 >= row length: each update equals full BPTT of that loss from the start of the row', async () => {
    // With k2 covering the row, truncated windows [0, t) are full BPTT of the last k1 losses; the first update
    // of both runs sees the same loss, so their first gradient norms agree exactly.
    const a = await trainStream({
      model: new TinyRnnLm({ vocab: 10, hidden: 5, seed: 7 }),
      config: { batchSize: 4, epochs: 1, bptt: { mode: 'truncated', k1: 24, k2: 100 }, clip: { mode: 'none' }, diagnostics: { every: 0 } },
      data: { train: stream },
    });
    const b = await trainStream({
      model: new TinyRnnLm({ vocab: 10, hidden: 5, seed: 7 }),
      config: { batchSize: 4, epochs: 1, bptt: { mode: 'full' }, clip: { mode: 'none' }, diagnostics: { every: 0 } },
      data: { train: stream },
    });
    expect(a.history.steps).toEqual(b.history.steps);
  });

  it('gradient-flow diagnostic: zero beyond k2 steps back, non-zero within', async () => {
    const config = (bptt: TrainConfigInput['bptt']): TrainConfigInput => ({
      batchSize: 4,
      epochs: 1,
      bptt,
      diagnostics: { every: 1000, batchSize: 2, streamSteps: 8 },
    });
    const valid = lmStream(40, 5, 'tbptt-valid');
    const truncated = await trainStream({
      model: new TinyRnnLm({ vocab: 10, hidden: 5, seed: 7 }),
      config: config({ mode: 'truncated', k1: 3, k2: 3 }),
      data: { train: stream, valid },
    });
    const full = await trainStream({
      model: new TinyRnnLm({ vocab: 10, hidden: 5, seed: 7 }),
      config: config({ mode: 'full' }),
      data: { train: stream, valid },
    });
    const [first] = truncated.diagnostics;
    expect(first?.hidden).toHaveLength(8);
    expect(first?.hidden.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    first?.hidden.slice(5).forEach((norm) => expect(norm).toBeGreaterThan(0));
    full.diagnostics[0]?.hidden.forEach((norm) => expect(norm).toBeGreaterThan(0));
    // The last step's gradient is the same either way: truncation only removes the far past.
    expect(first?.hidden[7]).toBeCloseTo(full.diagnostics[0]?.hidden[7] as number, 6);
    expect(first?.loss).toBeCloseTo(full.diagnostics[0]?.loss as number, 6);
  });
});
