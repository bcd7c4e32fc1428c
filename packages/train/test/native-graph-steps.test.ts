/**
 * Training steps compiled into TensorFlow graphs (@bptt/models' GraphFunctionCache, used by trainSeq2Seq on the
 * `tensorflow` backend) train the same model as eager steps: losses, gradient norms, clipping and final weights.
 * Needs tfjs-node; skipped, with the reason, where it does not load (see docs/native-tensorflow.md).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '@bptt/data';
import { Seq2SeqModel, setFusedRecurrence, setNativeGraphSteps, tryLoadNativeTensorflow, type Seq2SeqModelOptions } from '@bptt/models';
import { InMemoryCheckpointStore } from '../src/checkpoint.ts';
import type { TrainConfigInput } from '../src/config.ts';
import { trainSeq2Seq } from '../src/train-seq2seq.ts';
import { expectSameRun } from './same-run.ts';
import { reverseData, TinySeq2Seq, weightsOf } from './tiny-models.ts';

const status = tryLoadNativeTensorflow();
if (!status.available) console.warn(`native-graph-steps.test.ts skipped: ${status.reason}`);

/**
 * Sources of 2 to 6 symbols and targets of 1 to 5. Each step's batch is the whole split in a new order: the
 * same shapes at every step (one graph) and a different padding in each row (which the graph must take as data).
 */
function paddedData(count: number, seed: string) {
  const rng = createRng(seed);
  const row = (length: number) => Array.from({ length }, () => 4 + rng.int(0, 5));
  return {
    source: Array.from({ length: count }, (_, i) => row(2 + (i % 5))),
    target: Array.from({ length: count }, (_, i) => row(1 + ((i * 3) % 5))),
  };
}

const model = (config: Seq2SeqModelOptions['config']) =>
  new Seq2SeqModel({ config: { embeddingDim: 6, hiddenDim: 8, ...config }, sourceVocabSize: 10, targetVocabSize: 10, seed: 3 });

const trainConfig = (overrides: Partial<TrainConfigInput> = {}): TrainConfigInput => ({
  seed: 2,
  batchSize: 10,
  epochs: 9, // one batch an epoch
  optimizer: { type: 'adam', lr: 0.02 },
  clip: { mode: 'norm', max: 0.3 },
  evalEvery: 3,
  diagnostics: { every: 0 },
  ...overrides,
});

async function train(graph: 'auto' | 'off', config: Seq2SeqModelOptions['config'], overrides: Partial<TrainConfigInput> = {}, data = paddedData(10, 'graph-steps')) {
  setNativeGraphSteps(graph);
  const m = model(config);
  try {
    const result = await trainSeq2Seq({ model: m, config: trainConfig(overrides), data: { train: data, valid: paddedData(4, 'graph-valid') } });
    return { result, weights: weightsOf(m) };
  } finally {
    m.dispose();
  }
}

describe.skipIf(!status.available)('training steps as TensorFlow graphs', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('tensorflow')).toBe(true);
  });
  afterEach(() => {
    setNativeGraphSteps('auto');
    setFusedRecurrence('auto');
  });

  it.each([
    { name: 'LSTM, no attention, clipping by norm', config: { cell: 'lstm', attention: 'none' }, overrides: {} },
    { name: 'GRU, 2 layers, general (multiplicative) attention, clipping by value', config: { cell: 'gru', layers: 2, attention: 'general' }, overrides: { clip: { mode: 'value', max: 0.05 } } },
    { name: 'bidirectional LSTM, additive attention, truncated BPTT', config: { cell: 'lstm', bidirectional: true, attention: 'additive' }, overrides: { bptt: { mode: 'truncated', k2: 3 } } },
    // SGD has no update in the graph (its momentum buffer appears at the first step): forward and backward only.
    { name: 'LSTM, SGD with momentum', config: { cell: 'lstm', attention: 'none' }, overrides: { optimizer: { type: 'sgd', lr: 0.5, momentum: 0.9 } } },
  ] as const)('$name: the same losses, norms, clipping and weights as eager steps, on padded batches', async ({ config, overrides }) => {
    const graph = await train('auto', config, overrides);
    // After the two traces (and one more when a first trace fills a cache of constants) every step is a graph.
    expect(graph.result.execution?.nativeGraph.disabledBecause).toBeUndefined();
    expect(graph.result.execution?.nativeGraph.graphCalls).toBeGreaterThanOrEqual(6);
    expect(graph.result.execution?.nativeGraph.compiled).toBe(1);
    expect(graph.result.history.steps.some((s) => s.clipped)).toBe(true);

    const eager = await train('off', config, overrides);
    expect(eager.result.execution).toBeUndefined();
    expectSameRun(graph, eager, 1e-5);
    // The graph runs the step-by-step recurrence; so does eager with fusion off: the same kernels.
    setFusedRecurrence('off');
    expectSameRun(graph, await train('off', config, overrides), 1e-5);
  });

  it.each([
    { name: 'embedding and variational', dropout: { embedding: 0.2, variational: 0.2 }, attention: 'none' },
    { name: 'DropConnect on W_hh, with attention', dropout: { weightDrop: 0.3 }, attention: 'dot' },
  ] as const)('dropout ($name) runs as graph steps, its masks fed in and drawn again each step: the same run as eager', async ({ dropout, attention }) => {
    const config = { cell: 'lstm', attention, dropout } as const;
    const graph = await train('auto', config);
    expect(graph.result.execution?.nativeGraph.disabledBecause).toBeUndefined();
    expect(graph.result.execution?.nativeGraph.graphCalls).toBeGreaterThanOrEqual(6);
    expectSameRun(graph, await train('off', config), 1e-5);
  });

  it.each([
    { name: 'p = 0 (the model\'s own inputs)', teacherForcing: { type: 'constant', ratio: 0 }, compiled: 1 },
    { name: 'p = 0.5 (coins drawn beforehand, an input of the graph)', teacherForcing: { type: 'constant', ratio: 0.5 }, compiled: 1 },
    // p = 1, 0.8, ..., 0: gold, mixed and model-input graphs for the same batch shape (the one gold step is traced once).
    { name: 'a linear schedule from p = 1 to 0', teacherForcing: { type: 'linear', k: 1, c: 0.2, min: 0 }, compiled: 2 },
  ] as const)('sampled decoder inputs, $name: the same losses, norms and weights as eager steps', async ({ teacherForcing, compiled }) => {
    const overrides = { teacherForcing, epochs: 12 } as Partial<TrainConfigInput>;
    const graph = await train('auto', { cell: 'lstm', attention: 'dot' }, overrides);
    expect(graph.result.execution?.nativeGraph.disabledBecause).toBeUndefined();
    expect(graph.result.execution?.nativeGraph.graphCalls).toBeGreaterThan(0);
    expect(graph.result.execution?.nativeGraph.compiled).toBeGreaterThanOrEqual(compiled);
    expectSameRun(graph, await train('off', { cell: 'lstm', attention: 'dot' }, overrides), 1e-5);
  });

  it('a model that flips its own coins with teacherForcing.rng (not teacherForcing.coins) gets the same coins, eager, as with graphs off', async () => {
    // TinySeq2Seq reads its inputs back (no graph) and draws coins from the rng: it must see the step's generator
    // untouched by the coins the trainer drew for graphs.
    const run = async (graph: 'auto' | 'off') => {
      setNativeGraphSteps(graph);
      const m = new TinySeq2Seq({ vocab: 9, hidden: 5, seed: 1 });
      const config = trainConfig({ epochs: 4, teacherForcing: { type: 'constant', ratio: 0.5 } });
      const result = await trainSeq2Seq({ model: m, config, data: { train: reverseData(10, 2, 5, 5, 'coins'), valid: reverseData(4, 2, 5, 5, 'coins-valid') } });
      return { result, weights: weightsOf(m) };
    };
    const graph = await run('auto');
    expect(graph.result.execution?.nativeGraph.graphCalls).toBe(0);
    const eager = await run('off');
    expect(graph.result.history).toEqual(eager.result.history);
    expect(graph.weights).toEqual(eager.weights);
  });

  it('a run resumed from a checkpoint ends with the weights of the uninterrupted run, bit for bit', async () => {
    setNativeGraphSteps('auto');
    const config = trainConfig({ epochs: 12, checkpointEvery: 2 });
    const data = { train: paddedData(10, 'graph-steps'), valid: paddedData(4, 'graph-valid') };
    const whole = model({ cell: 'lstm', attention: 'none' });
    const full = await trainSeq2Seq({ model: whole, config, data });
    const store = new InMemoryCheckpointStore();
    const interrupted = model({ cell: 'lstm', attention: 'none' });
    await expect(
      trainSeq2Seq({ model: interrupted, config, data, store, onProgress: (e) => { if (e.step === 6) throw new Error('killed'); } }),
    ).rejects.toThrow('killed');
    const resumed = model({ cell: 'lstm', attention: 'none' });
    const rest = await trainSeq2Seq({ model: resumed, config, data, store });
    expect(rest.execution?.nativeGraph.graphCalls).toBeGreaterThan(0);
    expect(weightsOf(resumed)).toEqual(weightsOf(whole));
    expect(rest.history).toEqual(full.history);
    [whole, interrupted, resumed].forEach((m) => m.dispose());
  });
});
