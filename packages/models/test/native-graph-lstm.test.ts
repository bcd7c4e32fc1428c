/**
 * The LSTM layer that traced training steps use on native TensorFlow (src/native/lstm-graph-sequence.ts: per-step
 * forward, hand-written BPTT backward, its recurrence one step-kernels addon kernel each way, or its time steps on the
 * addon's kernels, or composed from TensorFlow's ops) against the unrolled nn.LSTMCell reference with runSequence's padding semantics; and the routing
 * that puts it into traced graphs (nn/graph-layer-run.ts). Skipped, with the reason, where tfjs-node does not load.
 */
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-backend-cpu';
import { graphLstmSequence } from '../src/native/lstm-graph-sequence.ts';
import { CompiledNativeFunction, GraphFunctionCache, nativeStepKernels, nativeKernelBackend, setNativeStepKernels, traceNativeFunction, tryLoadNativeTensorflow } from '../src/native/index.ts';
import type { GraphNode } from '../src/native/graph/index.ts';
import { recurrenceFirst } from '../src/native/graph/recurrence-first.ts';
import { setFusedRecurrence } from '../src/nn/fusion-policy.ts';
import { Seq2SeqModel } from '../src/seq2seq/model.ts';
import { makeSeq2SeqBatch } from '../src/batch/seq2seq-batch.ts';
import { expectSameValueAndGrads, maxAbsDiff, randomTensor, referenceLstmStep } from './recurrent-reference.ts';

const status = tryLoadNativeTensorflow();
if (!status.available) console.warn(`native-graph-lstm.test.ts skipped: ${status.reason}`);

const B = 3;
const I = 5;
const H = 4;
/** More than one chunk of the backward's weight-gradient matmuls (8 positions each). */
const T = 10;
/** Right-padded rows, one of them a single token (the backward direction then starts in padding for 9 steps). */
const LENGTHS = [10, 3, 1];

const DIRECTIONS = [
  { reverse: false, padded: false, carried: false },
  { reverse: false, padded: true, carried: true },
  { reverse: true, padded: false, carried: true },
  { reverse: true, padded: true, carried: false },
] as const;
/**
 * Each case on every kernel choice: the addon's sequence kernels (`auto`, where built), its step kernels (`steps`),
 * TensorFlow's composed ops (`off`).
 */
const CASES = DIRECTIONS.flatMap((c) => (['auto', 'steps', 'off'] as const).map((stepKernels) => ({ ...c, stepKernels })));

function stepMasks(padded: boolean): (tf.Tensor2D | undefined)[] | undefined {
  if (!padded) return undefined;
  return Array.from({ length: T }, (_, t) => tf.tensor2d(LENGTHS.map((n) => (t < n ? 1 : 0)), [B, 1]));
}

/** runSequence's loop with the reference cell: positions in processing order, state carried through padding. */
function referenceRun(xs: tf.Tensor2D[], h0: tf.Tensor2D, c0: tf.Tensor2D, W_ih: tf.Tensor2D, W_hh: tf.Tensor2D, b: tf.Tensor1D, reverse: boolean, masks: (tf.Tensor2D | undefined)[] | undefined) {
  const outputs = new Array<tf.Tensor2D>(T);
  let h = h0;
  let c = c0;
  for (let k = 0; k < T; k++) {
    const t = reverse ? T - 1 - k : k;
    const next = referenceLstmStep(xs[t] as tf.Tensor2D, h, c, W_ih, W_hh, b);
    const real = masks?.[t];
    h = real === undefined ? next.h : tf.add(h, tf.mul(real, tf.sub(next.h, h)));
    c = real === undefined ? next.c : tf.add(c, tf.mul(real, tf.sub(next.c, c)));
    outputs[t] = h;
  }
  return { outputs, final: { h, c } };
}

describe.skipIf(!status.available)('graphLstmSequence (the LSTM layer of traced training steps)', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('tensorflow')).toBe(true);
  });

  afterEach(() => setNativeStepKernels('auto'));

  test.each(CASES)('matches the unrolled nn.LSTMCell loop, values and every gradient (reverse: $reverse, padded: $padded, carried state: $carried, step kernels: $stepKernels)', ({ reverse, padded, carried, stepKernels }) => {
    setNativeStepKernels(stepKernels);
    const xs = Array.from({ length: T }, (_, t) => randomTensor(`graph-lstm.x${t}`, [B, I], 1) as tf.Tensor2D);
    const outputWeights = Array.from({ length: T }, (_, t) => randomTensor(`graph-lstm.r${t}`, [B, H], 1));
    const finalHWeight = randomTensor('graph-lstm.p', [B, H], 1);
    const finalCWeight = randomTensor('graph-lstm.s', [B, H], 1);
    const masks = stepMasks(padded);
    const loss = (outputs: tf.Tensor2D[], final: { h: tf.Tensor2D; c: tf.Tensor2D }): tf.Scalar =>
      tf.addN([
        ...outputs.map((o, t) => tf.sum(tf.mul(o, outputWeights[t] as tf.Tensor))),
        tf.sum(tf.mul(final.h, finalHWeight)),
        tf.sum(tf.mul(final.c, finalCWeight)),
      ]) as tf.Scalar;
    const graph = (W_ih: tf.Tensor, W_hh: tf.Tensor, b: tf.Tensor, h0: tf.Tensor, c0: tf.Tensor, ...x: tf.Tensor[]): tf.Scalar => {
      const weights = { kernel: W_ih as tf.Tensor2D, recurrentKernel: W_hh as tf.Tensor2D, bias: b as tf.Tensor1D };
      const run = graphLstmSequence(tf.stack(x) as tf.Tensor3D, h0 as tf.Tensor2D, c0 as tf.Tensor2D, weights, { reverse, stepMasks: masks });
      return loss(run.outputs, run.final);
    };
    const reference = (W_ih: tf.Tensor, W_hh: tf.Tensor, b: tf.Tensor, h0: tf.Tensor, c0: tf.Tensor, ...x: tf.Tensor[]): tf.Scalar => {
      const run = referenceRun(x as tf.Tensor2D[], h0 as tf.Tensor2D, c0 as tf.Tensor2D, W_ih as tf.Tensor2D, W_hh as tf.Tensor2D, b as tf.Tensor1D, reverse, masks);
      return loss(run.outputs, run.final);
    };
    const args = [
      randomTensor('graph-lstm.W_ih', [I, 4 * H]),
      randomTensor('graph-lstm.W_hh', [H, 4 * H]),
      randomTensor('graph-lstm.b', [4 * H]),
      carried ? randomTensor('graph-lstm.h0', [B, H], 1) : tf.zeros([B, H]),
      carried ? randomTensor('graph-lstm.c0', [B, H], 1) : tf.zeros([B, H]),
      ...xs,
    ];
    // Outputs position by position, not only through the loss.
    const got = graphLstmSequence(tf.stack(xs) as tf.Tensor3D, args[3] as tf.Tensor2D, args[4] as tf.Tensor2D, { kernel: args[0] as tf.Tensor2D, recurrentKernel: args[1] as tf.Tensor2D, bias: args[2] as tf.Tensor1D }, { reverse, stepMasks: masks });
    const want = referenceRun(xs, args[3] as tf.Tensor2D, args[4] as tf.Tensor2D, args[0] as tf.Tensor2D, args[1] as tf.Tensor2D, args[2] as tf.Tensor1D, reverse, masks);
    want.outputs.forEach((o, t) => expect(maxAbsDiff(got.outputs[t] as tf.Tensor, o), `output at position ${t}`).toBeLessThan(1e-5));
    expect(maxAbsDiff(got.final.c, want.final.c)).toBeLessThan(1e-5);
    if (padded) {
      // Carried through padding: a padded position repeats the state of the row's last real step (forward) or
      // the initial state (backward).
      const row = 2; // length 1
      const pick = (x: tf.Tensor2D) => tf.slice(x, [row, 0], [1, H]);
      const expected = reverse ? pick(args[3] as tf.Tensor2D) : pick(got.outputs[0] as tf.Tensor2D);
      expect(maxAbsDiff(pick(got.outputs[T - 1] as tf.Tensor2D), expected)).toBeLessThan(1e-6);
    }
    expectSameValueAndGrads(graph, reference, args, ['kernel', 'recurrentKernel', 'bias', 'h0', 'c0', ...xs.map((_, t) => `x${t}`)]);
  });
});

describe.skipIf(!status.available)('traced seq2seq steps run their LSTM layers as graphLstmSequence, their GRU layers as the GRU sequence kernels', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('tensorflow')).toBe(true);
  });

  function tracedOps(cell: 'lstm' | 'gru' = 'lstm'): Map<string, number> {
    const counts = new Map<string, number>();
    for (const node of tracedStep(cell)) counts.set(node.op, (counts.get(node.op) ?? 0) + 1);
    return counts;
  }

  function tracedStep(cell: 'lstm' | 'gru'): readonly GraphNode[] {
    const model = new Seq2SeqModel({
      config: { cell, embeddingDim: 6, hiddenDim: 4, layers: 1, attention: 'none', bidirectional: true },
      sourceVocabSize: 9,
      targetVocabSize: 9,
      seed: 3,
    });
    const batch = makeSeq2SeqBatch({ source: [[4, 5, 6], [7]], target: [[5, 6], [4, 8, 7]] }, [0, 1]);
    const weights = model.trainableVariables;
    const { trace } = traceNativeFunction(nativeKernelBackend('test'), [...weights, batch.source, batch.sourceMask, batch.targetIn, batch.targetOut, batch.targetMask], () => {
      const { value, grads } = tf.variableGrads(() => model.forward(batch, { training: true, teacherForcing: { ratio: 1 } }).loss);
      return [value, ...Object.values(grads)];
    });
    model.dispose();
    if (!trace.ok) throw new Error(`not traced: ${trace.reason}`);
    return trace.graph.nodes;
  }

  test('a step compiled with recurrenceFirst\'s order gives the bytes of the same step compiled without it', () => {
    for (const cell of ['lstm', 'gru'] as const) {
      const model = new Seq2SeqModel({
        config: { cell, embeddingDim: 6, hiddenDim: 40, layers: 1, attention: 'none', bidirectional: true },
        sourceVocabSize: 9,
        targetVocabSize: 9,
        seed: 5,
      });
      const batch = makeSeq2SeqBatch({ source: [[4, 5, 6, 7, 8], [7]], target: [[5, 6], [4, 8, 7, 6]] }, [0, 1]);
      const inputs = [...model.trainableVariables, batch.source, batch.sourceMask, batch.targetIn, batch.targetOut, batch.targetMask];
      const { outputs, trace } = traceNativeFunction(nativeKernelBackend('test'), inputs, () => {
        const { value, grads } = tf.variableGrads(() => model.forward(batch, { training: true, teacherForcing: { ratio: 1 } }).loss);
        return [value, ...Object.values(grads)];
      });
      if (!trace.ok) throw new Error(`not traced: ${trace.reason}`);
      const runs = [true, false].map((ordered) => {
        const compiled = new CompiledNativeFunction(nativeKernelBackend('test'), trace.graph, { ordered });
        const values = compiled.run(inputs).map((t) => Buffer.from((t.dataSync() as Float32Array).buffer));
        compiled.dispose();
        return values;
      });
      expect(runs[0]!.length, cell).toBe(outputs.length);
      runs[0]!.forEach((bytes, k) => expect(bytes.equals(runs[1]![k]!), `${cell} output ${k}`).toBe(true));
      tf.dispose([...outputs]);
      model.dispose();
    }
  });

  test('compiled steps keep large matmuls from running beside a sequence kernel (recurrenceFirst)', () => {
    const sequence = nativeStepKernels().sequence;
    for (const cell of ['lstm', 'gru'] as const) {
      const nodes = tracedStep(cell);
      const ordered = recurrenceFirst(nodes);
      const opOf = new Map(nodes.map((n) => [n.name, n.op]));
      const edges = ordered.flatMap((n) => n.inputs.filter((input) => input.startsWith('^')).map((input) => `${opOf.get(input.slice(1))} -> ${n.op}`));
      if (!sequence) {
        expect(edges, cell).toEqual([]);
        continue;
      }
      const forward = cell === 'lstm' ? 'BpttLstmSequence' : 'BpttGruSequence';
      // The encoder's two directions one after the other, each way.
      expect(edges.filter((e) => e === `${forward} -> ${forward}`), cell).toHaveLength(1);
      expect(edges.filter((e) => e === `${forward}Grad -> ${forward}Grad`), cell).toHaveLength(1);
      // The decoder's input projection before the encoder's recurrences; gradients nothing recurrent needs after them.
      expect(edges.filter((e) => e === `BatchMatMulV2 -> ${forward}`).length, cell).toBeGreaterThan(0);
      expect(edges.filter((e) => e === `${forward}Grad -> BatchMatMulV2`).length, cell).toBeGreaterThan(0);
      // And nothing else; a matmul that can start before a backward kernel may also go before it (the output layer's
      // weight gradient, ready with the dh that kernel waits for).
      const kinds = [`${forward} -> ${forward}`, `${forward}Grad -> ${forward}Grad`, `BatchMatMulV2 -> ${forward}`, `${forward}Grad -> BatchMatMulV2`, `BatchMatMulV2 -> ${forward}Grad`];
      for (const edge of edges) expect(kinds, `${cell}: ${edge}`).toContain(edge);
    }
  });

  test('a training step compiles after two calls on either path, although its first call fills the kernels\' cache of kept constants', () => {
    // Sizes no other test uses, so the shape-only zeros the LSTM kernels keep (lstm-block.ts) are made during the
    // first call. Constants are written into a trace where first read, so that trace matches the second.
    try {
      for (const policy of ['auto', 'off'] as const) {
        setFusedRecurrence(policy);
        expectCompiledAfterTwoCalls(policy);
      }
    } finally {
      setFusedRecurrence('auto');
    }
  });

  function expectCompiledAfterTwoCalls(policy: 'auto' | 'off'): void {
    const model = new Seq2SeqModel({ config: { cell: 'lstm', embeddingDim: 5, hiddenDim: policy === 'auto' ? 7 : 9, layers: 1, attention: 'none' }, sourceVocabSize: 9, targetVocabSize: 9, seed: 4 });
    const batch = makeSeq2SeqBatch({ source: [[4, 5, 6], [7]], target: [[5, 6], [4, 8, 7]] }, [0, 1]);
    const inputs = [...model.trainableVariables, batch.source, batch.sourceMask, batch.targetIn, batch.targetOut, batch.targetMask];
    const cache = new GraphFunctionCache(nativeKernelBackend('test'), { beforeFirstRun: () => {} });
    for (let call = 0; call < 3; call++) {
      const outputs = cache.run('step', inputs, () => {
        const { value, grads } = tf.variableGrads(() => model.forward(batch, { training: true, teacherForcing: { ratio: 1 } }).loss);
        return [value, ...Object.values(grads)];
      });
      tf.dispose([...outputs]);
    }
    expect(cache.status(), `BPTT_FUSED_RECURRENCE=${policy}`).toEqual({ graphCalls: 1, eagerCalls: 2, compiled: 1 });
    cache.dispose();
    model.dispose();
  }

  test('one sequence kernel per layer and direction each way; else one gradient kernel per step and direction, and one matmul per step fewer than the tfjs step loop (BPTT_FUSED_RECURRENCE=off)', () => {
    // Encoder: 4 source steps (the longest source and EOS) x 2 directions; decoder: 4 steps (BOS + the longest target).
    const steps = 4 * 2 + 4;
    const layers = 2 + 1;
    try {
      const sequence = nativeStepKernels().sequence;
      const whole = tracedOps();
      // With the addon on an FMA CPU, each layer's recurrence is one kernel each way, and no per-step kernel is left.
      expect(whole.get('BpttLstmSequence')).toBe(sequence ? layers : undefined);
      expect(whole.get('BpttLstmSequenceGrad')).toBe(sequence ? layers : undefined);
      if (sequence) for (const op of ['BpttLstmCell', 'BpttLstmCellGrad', 'LSTMBlockCellGrad']) expect(whole.get(op), op).toBeUndefined();
      setNativeStepKernels('steps');
      const fused = nativeStepKernels().available;
      expect(nativeStepKernels().sequence).toBe(false);
      const graph = tracedOps();
      expect(graph.get('BpttLstmSequence')).toBeUndefined();
      // With the step-kernels addon, one BpttLstmCell and one BpttLstmCellGrad per step; without, LSTMBlockCellGrad.
      expect(graph.get('BpttLstmCell')).toBe(fused ? steps : undefined);
      expect(graph.get('BpttLstmCellGrad')).toBe(fused ? steps : undefined);
      expect(graph.get('LSTMBlockCellGrad')).toBe(fused ? undefined : steps);
      setNativeStepKernels('off');
      const composed = tracedOps();
      expect(composed.get('LSTMBlockCellGrad')).toBe(steps);
      expect(composed.get('BpttLstmCell')).toBeUndefined();
      // The step kernels replace elementwise ops only: the same matmuls either way.
      expect(composed.get('BatchMatMulV2')).toBe(graph.get('BatchMatMulV2'));
      setFusedRecurrence('off');
      const loop = tracedOps();
      expect(loop.get('LSTMBlockCellGrad')).toBe(steps);
      // The loop's autodiff computes a recurrent-weight gradient per step and adds them up; the graph layer computes
      // the weight gradients per chunk of positions (here one chunk per layer and direction, as many matmuls as the
      // loop's input projection gradient).
      expect(loop.get('BatchMatMulV2')! - graph.get('BatchMatMulV2')!).toBe(steps);
    } finally {
      setFusedRecurrence('auto');
      setNativeStepKernels('auto');
    }
  });

  test('GRU layers: one BpttGruSequence per layer and direction each way where the sequence kernels are registered; else one gate kernel per step', () => {
    const steps = 4 * 2 + 4;
    const layers = 2 + 1;
    try {
      const sequence = nativeStepKernels().sequence;
      const whole = tracedOps('gru');
      expect(whole.get('BpttGruSequence')).toBe(sequence ? layers : undefined);
      expect(whole.get('BpttGruSequenceGrad')).toBe(sequence ? layers : undefined);
      if (sequence) for (const op of ['BpttGruGates', 'BpttGruGatesGrad']) expect(whole.get(op), op).toBeUndefined();
      setNativeStepKernels('steps');
      const stepwise = tracedOps('gru');
      expect(stepwise.get('BpttGruSequence')).toBeUndefined();
      expect(stepwise.get('BpttGruGates')).toBe(nativeStepKernels().available ? steps : undefined);
    } finally {
      setNativeStepKernels('auto');
    }
  });
});
