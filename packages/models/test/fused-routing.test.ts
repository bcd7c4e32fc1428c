/**
 * The product models route LSTM layers to one fused sequence kernel (BlockLSTMV2 on the native backend, the
 * JavaScript lstmSequence elsewhere) when the math allows. These tests run each model twice, fused ('always') and
 * step by step ('off'), and require the same loss, gradients and states to 1e-5, on the backend under test
 * (cpu by default; CI reruns this file on native TensorFlow). Each case also checks that the fused kernel really
 * ran, so a routing condition that silently falls back cannot pass.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUTO_FUSED_BACKENDS,
  batchifyAlignedStream,
  makeSeq2SeqBatch,
  RecurrentLanguageModel,
  Seq2SeqModel,
  streamChunk,
  fusedRecurrence,
  fusedRecurrenceFromEnv,
  setFusedRecurrence,
  type FusedRecurrence,
  type RecurrentState,
  type Seq2SeqBatch,
  type Seq2SeqModelConfigInput,
} from '@bptt/models';
import { randomIds, useTestBackend } from './helpers.ts';

const FUSED_KERNELS = ['BpttLstmSequence', 'BpttNativeBlockLstmV2'];
const rng = createRng('fused-routing');
// Sources of 2..7 tokens (+ EOS): padded rows, plus one full-length row.
const split = { source: [...randomIds(rng, 5, 4, 9, 2, 6), randomIds(rng, 1, 4, 9, 7, 7)[0] as number[]], target: randomIds(rng, 6, 4, 9, 2, 5) };
let batch: Seq2SeqBatch;

beforeAll(async () => {
  await useTestBackend();
  batch = makeSeq2SeqBatch(split, [0, 1, 2, 3, 4, 5]);
});
afterAll(() => tf.dispose(Object.values(batch)));

interface Outcome {
  readonly loss: number;
  readonly grads: Record<string, number[]>;
  readonly kernels: readonly string[];
}

async function seq2seqOutcome(config: Seq2SeqModelConfigInput, extra: { window?: number; training?: boolean }): Promise<Outcome> {
  const model = new Seq2SeqModel({ config: { embeddingDim: 6, hiddenDim: 8, ...config }, sourceVocabSize: 10, targetVocabSize: 10, seed: 5 });
  const vars = model.trainableVariables;
  let result: { loss: number; grads: Record<string, number[]> } | undefined;
  const profile = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(
      () =>
        model.forward(batch, {
          training: extra.training ?? false,
          teacherForcing: { ratio: 1 },
          dropoutRng: createRng('masks'),
          encoderGradientWindow: extra.window,
        }).loss,
      vars as tf.Variable[],
    );
    result = { loss: value.dataSync()[0] as number, grads: byName(model, grads) };
    tf.dispose([value, ...Object.values(grads)]);
  });
  model.dispose();
  return { ...(result as { loss: number; grads: Record<string, number[]> }), kernels: profile.kernelNames };
}

/** Gradients keyed by parameter name (tfjs variable names are numbered per process). */
function byName(model: { namedWeights: ReadonlyMap<string, tf.Variable> }, grads: tf.NamedTensorMap): Record<string, number[]> {
  return Object.fromEntries([...model.namedWeights].map(([name, v]) => [name, Array.from((grads[v.name] as tf.Tensor).dataSync())]));
}

function expectClose(fused: Outcome, unrolled: Outcome): void {
  expect(fused.loss).toBeCloseTo(unrolled.loss, 5);
  expect(Object.keys(fused.grads).sort()).toEqual(Object.keys(unrolled.grads).sort());
  for (const [name, values] of Object.entries(unrolled.grads)) {
    const other = fused.grads[name] as number[];
    const worst = Math.max(...values.map((v, i) => Math.abs(v - (other[i] as number))));
    expect(worst, `gradient of ${name}`).toBeLessThan(1e-5);
  }
}

async function under<T>(policy: FusedRecurrence, body: () => Promise<T>): Promise<T> {
  const previous = fusedRecurrence();
  setFusedRecurrence(policy);
  try {
    return await body();
  } finally {
    setFusedRecurrence(previous);
  }
}

const ranFused = (o: Outcome) => o.kernels.some((k) => FUSED_KERNELS.includes(k));

const cases: [string, Seq2SeqModelConfigInput, { window?: number; training?: boolean }][] = [
  ['LSTM, no attention, padded sources', { attention: 'none' }, {}],
  ['bidirectional 2-layer LSTM, concat-linear bridge, Luong general attention', { bidirectional: true, layers: 2, attention: 'general' }, {}],
  ['LSTM, Luong dot attention', { attention: 'dot' }, {}],
  ['bidirectional LSTM, sum bridge, general attention, encoder window 3', { bidirectional: true, bridge: 'sum', attention: 'general' }, { window: 3 }],
  ['LSTM, additive attention (encoder fused, decoder step by step)', { attention: 'additive' }, {}],
  ['LSTM with DropConnect on W_hh, training', { attention: 'none', dropout: { weightDrop: 0.3 } }, { training: true }],
  ['LSTM, encoder window 2, 2 layers', { layers: 2, attention: 'none' }, { window: 2 }],
];

describe.each(cases)('fused sequence kernel = step-by-step run: %s', (_, config, extra) => {
  it('gives the same loss and gradients (1e-5), and the fused kernel ran', async () => {
    const unrolled = await under('off', () => seq2seqOutcome(config, extra));
    const fused = await under('always', () => seq2seqOutcome(config, extra));
    expect(ranFused(unrolled)).toBe(false);
    expect(ranFused(fused)).toBe(true);
    expectClose(fused, unrolled);
  });
});

describe('auto', () => {
  it('fuses exactly on the backends AUTO_FUSED_BACKENDS names (CI runs this on cpu, wasm and tensorflow)', async () => {
    expect([...AUTO_FUSED_BACKENDS].sort()).toEqual(['tensorflow', 'wasm']);
    const outcome = await under('auto', () => seq2seqOutcome({ attention: 'none' }, {}));
    expect(ranFused(outcome)).toBe(AUTO_FUSED_BACKENDS.includes(tf.getBackend()));
  });
});

describe('fused routing falls back where the math needs the per-step graph', () => {
  it.each([
    ['GRU', { cell: 'gru' } as Seq2SeqModelConfigInput, {}],
    ['variational dropout on h', { dropout: { variational: 0.2 } } as Seq2SeqModelConfigInput, { training: true }],
  ])('%s runs step by step even under "always"', async (_, config, extra) => {
    const outcome = await under('always', () => seq2seqOutcome({ attention: 'none', ...config }, extra));
    expect(ranFused(outcome)).toBe(false);
  });
});

describe('language model chunks (TBPTT with a carried state)', () => {
  const tokens = Array.from({ length: 49 }, () => rng.int(0, 9));
  const stream = batchifyAlignedStream({ source: tokens.slice(0, 48), target: tokens.slice(1, 49) }, 3);

  async function lmOutcome(): Promise<Outcome & { finalState: number[][]; middle: number[][] }> {
    const model = new RecurrentLanguageModel({ config: { cell: 'lstm', embeddingDim: 5, hiddenDim: 7, layers: 2 }, inputVocabSize: 10, seed: 3 });
    const first = model.forward(streamChunk(stream, 0, 8), model.initialState(3), { training: false });
    // The second chunk starts from a carried (non-zero) state, and only its last 5 steps count (k1 < k2).
    const carried: RecurrentState = first.finalState.map((s) => tf.keep(s.clone()));
    let outcome: Omit<Outcome, 'kernels'> & { finalState: number[][]; middle: number[][] } = { loss: 0, grads: {}, finalState: [], middle: [] };
    const profile = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => {
        const r = model.forward(streamChunk(stream, 8, 8), carried, { training: false, lossSteps: 5 });
        outcome = { ...outcome, finalState: r.finalState.map((s) => Array.from(s.dataSync())), middle: (r.stateAt?.(3) ?? []).map((s) => Array.from(s.dataSync())) };
        return r.loss;
      }, model.trainableVariables as tf.Variable[]);
      outcome = { ...outcome, loss: value.dataSync()[0] as number, grads: byName(model, grads) };
      tf.dispose([value, ...Object.values(grads)]);
    });
    tf.dispose([...carried]);
    model.dispose();
    return { ...outcome, kernels: profile.kernelNames };
  }

  it('gives the same loss, gradients, final state and intermediate states', async () => {
    const unrolled = await under('off', lmOutcome);
    const fused = await under('always', lmOutcome);
    expect(ranFused(fused)).toBe(true);
    expect(ranFused(unrolled)).toBe(false);
    expectClose(fused, unrolled);
    for (const [a, b] of [
      [fused.finalState, unrolled.finalState],
      [fused.middle, unrolled.middle],
    ] as const) {
      expect(a.length).toBe(4);
      a.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - (b[i]?.[j] as number))).toBeLessThan(1e-5)));
    }
  });
});

describe('BPTT_FUSED_RECURRENCE', () => {
  it('reads auto, always and off, defaults to auto, and rejects anything else by name and value', () => {
    expect(fusedRecurrenceFromEnv({})).toBe('auto');
    expect(fusedRecurrenceFromEnv({ BPTT_FUSED_RECURRENCE: 'off' })).toBe('off');
    expect(fusedRecurrenceFromEnv({ BPTT_FUSED_RECURRENCE: 'always' })).toBe('always');
    expect(() => fusedRecurrenceFromEnv({ BPTT_FUSED_RECURRENCE: 'fast' })).toThrow(/BPTT_FUSED_RECURRENCE: expected one of auto, always, off, got "fast"/);
  });
});
