/**
 * Truncated BPTT over a stream with the windows run as TensorFlow graphs (train-stream.ts, graph-step.ts): windows
 * of one chunk (k1 = k2, full BPTT) and windows split where the next one starts (k2 > k1) train the same language
 * model as eager steps, the carried state passing through the graph's inputs and outputs, dropout masks too; a
 * resumed run carries the same state. Needs tfjs-node; skipped, with the reason, where it does not load.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '@bptt/data';
import {
  initBackend,
  nativeKernelBackend,
  nativeStepKernels,
  RecurrentLanguageModel,
  setNativeGraphSteps,
  traceNativeFunction,
  tryLoadNativeTensorflow,
  type LanguageModelConfigInput,
} from '@bptt/models';
import { InMemoryCheckpointStore } from '../src/checkpoint.ts';
import type { TrainConfigInput } from '../src/config.ts';
import { trainStream } from '../src/train-stream.ts';
import { expectSameRun } from './same-run.ts';
import { weightsOf } from './tiny-models.ts';

const status = tryLoadNativeTensorflow();
if (!status.available) console.warn(`native-graph-stream.test.ts skipped: ${status.reason}`);

/** A stream whose next token depends on the last two, so the model has something to learn. */
function stream(length: number, seed: string) {
  const rng = createRng(seed);
  const ids = [1, 2];
  while (ids.length < length + 1) ids.push(rng.next() < 0.8 ? 1 + (((ids.at(-1) as number) + (ids.at(-2) as number)) % 9) : 1 + rng.int(0, 8));
  return { source: ids.slice(0, length), target: ids.slice(1, length + 1) };
}

const VOCAB = 10;
const model = (config: LanguageModelConfigInput) => new RecurrentLanguageModel({ config: { embeddingDim: 6, hiddenDim: 8, layers: 1, ...config }, inputVocabSize: VOCAB, seed: 5 });

const trainConfig = (overrides: Partial<TrainConfigInput> = {}): TrainConfigInput => ({
  seed: 4,
  batchSize: 4,
  epochs: 2,
  optimizer: { type: 'adam', lr: 0.02 },
  clip: { mode: 'norm', max: 0.1 },
  bptt: { mode: 'truncated', k1: 5, k2: 5 },
  evalEvery: 4,
  diagnostics: { every: 0 },
  ...overrides,
});

// 4 rows of 23 steps: with k1 = k2 = 5, windows of 5 steps; the last one (steps 18-22) scores only its last 3.
const data = { train: stream(92, 'stream-train'), valid: stream(40, 'stream-valid') };

async function train(graph: 'auto' | 'off', config: LanguageModelConfigInput, overrides: Partial<TrainConfigInput> = {}) {
  setNativeGraphSteps(graph);
  const m = model(config);
  try {
    const result = await trainStream({ model: m, config: trainConfig(overrides), data });
    return { result, weights: weightsOf(m) };
  } finally {
    m.dispose();
  }
}

describe.skipIf(!status.available)('stream training windows as TensorFlow graphs', () => {
  beforeAll(async () => {
    // As the trainer's users start it: with the gradients TBPTT(k1 < k2) needs (backend/gradients.ts).
    await initBackend('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
  });
  afterEach(() => setNativeGraphSteps('auto'));

  it.each([
    { name: 'LSTM, TBPTT k1 = k2 = 5, clipping by norm', config: { cell: 'lstm' }, overrides: {}, steps: 10 },
    { name: 'GRU, 2 layers, clipping by value', config: { cell: 'gru', layers: 2 }, overrides: { clip: { mode: 'value', max: 0.05 } }, steps: 10 },
    { name: 'LSTM, tied embeddings, full BPTT', config: { cell: 'lstm', embeddingDim: 8, tieEmbeddings: true }, overrides: { bptt: { mode: 'full' }, epochs: 6 }, steps: 6 },
    // Windows of 5 every 3 steps: each split in two chunks where the next window starts (its state handed on).
    { name: 'LSTM, TBPTT k1 = 3 < k2 = 5, SGD', config: { cell: 'lstm' }, overrides: { bptt: { mode: 'truncated', k1: 3, k2: 5 }, optimizer: { type: 'sgd', lr: 0.5 } }, steps: 16 },
  ] as const)('$name: the same losses, norms, clipping and weights as eager steps', async ({ config, overrides, steps }) => {
    const graph = await train('auto', config, overrides);
    const status = graph.result.execution?.nativeGraph;
    expect(status?.disabledBecause).toBeUndefined();
    // Two traces per chunk shape, then graphs.
    expect(status?.graphCalls).toBeGreaterThanOrEqual(4);
    expect(status?.compiled).toBeGreaterThanOrEqual(1);
    const eager = await train('off', config, overrides);
    expect(eager.result.execution).toBeUndefined();
    expect(graph.result.history.steps.length).toBe(steps);
    if (!('clip' in overrides)) expect(graph.result.history.steps.some((s) => s.clipped)).toBe(true);
    expectSameRun(graph, eager, 1e-5);
    // Validation ran on the state the graphs handed on: the same validation losses.
    const evals = (r: typeof graph) => r.result.history.evaluations.map((e) => e.validLoss);
    expect(evals(graph).length).toBeGreaterThan(0);
    evals(graph).forEach((loss, k) => expect(loss).toBeCloseTo(evals(eager)[k] as number, 5));
  });

  it('a traced window runs the LSTM layer as one whole-sequence kernel each way, keeping no per-step states', () => {
    if (!nativeStepKernels().sequence) return console.warn(`sequence kernels not registered here: ${nativeStepKernels().detail}`);
    const m = model({ cell: 'lstm' });
    const chunk = { source: tf.tensor2d([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]], [2, 5], 'int32'), target: tf.tensor2d([[2, 3, 4, 5, 6], [4, 3, 2, 1, 2]], [2, 5], 'int32'), mask: tf.ones([2, 5]) as tf.Tensor2D };
    const state = m.initialState(2) as tf.Tensor2D[];
    let stateAt: unknown;
    const { outputs, trace } = traceNativeFunction(nativeKernelBackend('test'), [...m.trainableVariables, chunk.source, chunk.target, chunk.mask, ...state], () => {
      const { value, grads } = tf.variableGrads(() => {
        const result = m.forward(chunk, state, { training: true });
        stateAt = result.stateAt;
        return result.loss;
      });
      return [value, ...Object.values(grads)];
    });
    if (!trace.ok) throw new Error(`not traced: ${trace.reason}`);
    const ops = trace.graph.nodes.map((node) => node.op);
    expect(ops.filter((op) => op === 'BpttLstmSequence')).toHaveLength(1);
    expect(ops.filter((op) => op === 'BpttLstmSequenceGrad')).toHaveLength(1);
    expect(ops).not.toContain('BlockLSTMV2');
    expect(stateAt).toBeUndefined();
    tf.dispose([...outputs, chunk.source, chunk.target, chunk.mask, ...state]);
    m.dispose();
  });

  it('a model with dropout runs as graph steps, its masks fed in and drawn again each window: the same run as eager', async () => {
    const config = { cell: 'lstm', dropout: { variational: 0.2, weightDrop: 0.2 } } as const;
    const graph = await train('auto', config);
    expect(graph.result.execution?.nativeGraph.disabledBecause).toBeUndefined();
    expect(graph.result.execution?.nativeGraph.graphCalls).toBeGreaterThanOrEqual(4);
    expectSameRun(graph, await train('off', config), 1e-5);
  });

  it('a run resumed from a checkpoint carries the same state and ends with the same weights, bit for bit', async () => {
    setNativeGraphSteps('auto');
    const config = trainConfig({ epochs: 3, checkpointEvery: 3 });
    const whole = model({ cell: 'lstm' });
    const full = await trainStream({ model: whole, config, data });
    const store = new InMemoryCheckpointStore();
    const interrupted = model({ cell: 'lstm' });
    // Step 7 is inside the second epoch: the checkpoint of step 6 holds a carried state from a graph's outputs.
    await expect(trainStream({ model: interrupted, config, data, store, onProgress: (e) => { if (e.step === 7) throw new Error('killed'); } })).rejects.toThrow('killed');
    const resumed = model({ cell: 'lstm' });
    const rest = await trainStream({ model: resumed, config, data, store });
    expect(rest.execution?.nativeGraph.graphCalls).toBeGreaterThan(0);
    expect(weightsOf(resumed)).toEqual(weightsOf(whole));
    expect(rest.history).toEqual(full.history);
    [whole, interrupted, resumed].forEach((m) => m.dispose());
  });
});
