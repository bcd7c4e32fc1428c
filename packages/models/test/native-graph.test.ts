/**
 * Training steps as TensorFlow graphs (src/native/graph): the protobuf writer, tracing by execution, compiled
 * sessions and the per-shape cache. The writer's tests run everywhere; the rest need tfjs-node and are skipped,
 * with the reason, where it does not load (see docs/native-tensorflow.md).
 */
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, test } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import '@tensorflow/tfjs-backend-cpu';
import { ProtoWriter } from '../src/native/graph/protobuf.ts';
import { DT, tensorValue } from '../src/native/graph/graph-def.ts';
import {
  CompiledNativeFunction,
  encodeSavedModel,
  feedAsGraphInput,
  GraphFunctionCache,
  graphStepsApply,
  nativeGraphStepsFromEnv,
  nativeKernelBackend,
  registerGraphConstant,
  traceNativeFunction,
  tryLoadNativeTensorflow,
} from '../src/native/index.ts';

const status = tryLoadNativeTensorflow();
if (!status.available) console.warn(`native-graph.test.ts: the TensorFlow part is skipped: ${status.reason}`);

describe('ProtoWriter (protobuf wire format)', () => {
  test('varints, negative int64, floats, strings, packed lists and nested messages', () => {
    const bytes = new ProtoWriter()
      .int(1, 300) // the protobuf documentation's varint example: ac 02
      .int(2, -1) // int64 -1: ten bytes
      .float(3, 1.5)
      .string(4, 'hi')
      .packedInts(5, [1, 300])
      .message(6, (m) => m.int(1, 1))
      .finish();
    expect([...bytes]).toEqual([
      0x08, 0xac, 0x02,
      0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
      0x1d, 0x00, 0x00, 0xc0, 0x3f,
      0x22, 0x02, 0x68, 0x69,
      0x2a, 0x03, 0x01, 0xac, 0x02,
      0x32, 0x02, 0x08, 0x01,
    ]);
  });

  test('a map field is one entry message per key, key 1 and value 2', () => {
    const bytes = new ProtoWriter().map(5, [['a', 7]], (entry, v) => entry.int(2, v)).finish();
    expect([...bytes]).toEqual([0x2a, 0x05, 0x0a, 0x01, 0x61, 0x10, 0x07]);
  });
});

describe('graph constants', () => {
  const bytesOf = (values: Float32Array | Int32Array | Uint8Array) => new Uint8Array(values.buffer, values.byteOffset, values.byteLength);

  test('a constant whose elements all repeat the first keeps one element (TensorFlow fills the shape from it)', () => {
    const zeros = tensorValue(DT.float, [64, 256], bytesOf(new Float32Array(64 * 256)));
    expect(zeros).toEqual({ dtype: DT.float, shape: [64, 256], content: new Uint8Array(4), filled: true });
    expect(tensorValue(DT.int32, [3], bytesOf(new Int32Array([-7, -7, -7])))).toMatchObject({ content: bytesOf(new Int32Array([-7])), filled: true });
    expect(tensorValue(DT.bool, [2, 2], new Uint8Array([1, 1, 1, 1]))).toMatchObject({ content: new Uint8Array([1]), filled: true });
    // Not uniform, a single element, or no elements: the bytes as they are.
    const mixed = bytesOf(new Float32Array([0, 0, 1e-30]));
    expect(tensorValue(DT.float, [3], mixed)).toEqual({ dtype: DT.float, shape: [3], content: mixed });
    expect(tensorValue(DT.float, [], bytesOf(new Float32Array([2])))).not.toHaveProperty('filled');
    expect(tensorValue(DT.float, [4, 0], new Uint8Array(0))).not.toHaveProperty('filled');
  });
});

describe('BPTT_NATIVE_GRAPH', () => {
  test('auto by default, off on request, a clear error otherwise; graphs only on the tensorflow backend', async () => {
    expect(nativeGraphStepsFromEnv({})).toBe('auto');
    expect(nativeGraphStepsFromEnv({ BPTT_NATIVE_GRAPH: 'off' })).toBe('off');
    expect(() => nativeGraphStepsFromEnv({ BPTT_NATIVE_GRAPH: 'yes' })).toThrow(/BPTT_NATIVE_GRAPH: expected one of auto, off, got "yes"/);
    await tf.setBackend('cpu');
    expect(graphStepsApply()).toBe(false);
  });
});

const B = 3;
const I = 4;
const H = 5;

/** A small function with what training steps use: gather, matmul, nonlinearity, reduction, several outputs. */
function smallStep(table: tf.Tensor, ids: tf.Tensor, w: tf.Tensor): tf.Tensor[] {
  return tf.tidy(() => {
    const x = tf.gather(table, ids);
    const h = tf.tanh(tf.matMul(x, w));
    return [h, tf.sum(tf.square(h))];
  });
}

function inputs(seed: number): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return [
    tf.randomNormal([7, I], 0, 1, 'float32', seed),
    tf.tensor1d([seed % 7, (seed + 3) % 7, 6], 'int32'),
    tf.randomNormal([I, H], 0, 1, 'float32', seed + 1),
  ];
}

function maxDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

describe.skipIf(!status.available)('graphs on native TensorFlow', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('tensorflow')).toBe(true);
  });

  test('a traced function runs eagerly as usual, and its compiled graph computes it for new inputs', () => {
    const backend = nativeKernelBackend('test');
    const first = inputs(1);
    const { outputs, trace } = traceNativeFunction(backend, first, () => smallStep(...first));
    expect(trace.ok).toBe(true);
    if (!trace.ok) return;
    const eager = smallStep(...first);
    outputs.forEach((o, k) => expect(maxDifference(o, eager[k] as tf.Tensor)).toBe(0));
    expect(trace.graph.inputs.map((i) => i.dtype)).toEqual(['float32', 'int32', 'float32']);

    const compiled = new CompiledNativeFunction(backend, trace.graph);
    const second = inputs(2);
    const fromGraph = compiled.run(second);
    const expected = smallStep(...second);
    expect(fromGraph.map((t) => t.shape)).toEqual([[B, H], []]);
    fromGraph.forEach((o, k) => expect(maxDifference(o, expected[k] as tf.Tensor)).toBeLessThan(1e-6));
    // Not a replay of the traced values: the second inputs give other numbers.
    expect(maxDifference(fromGraph[0] as tf.Tensor, eager[0] as tf.Tensor)).toBeGreaterThan(1e-3);

    expect(() => compiled.run([second[0], second[1]])).toThrow(/expected 3 inputs, got 2/);
    expect(() => compiled.run([second[0], second[1], tf.zeros([I, H + 1])])).toThrow(/input 2 is float32 \[4,6\], it was traced as float32 \[4,5\]/);
    compiled.dispose();
    expect(() => compiled.run(second)).toThrow(/disposed/);
    tf.dispose([...first, ...second, ...outputs, ...eager, ...fromGraph, ...expected]);
  });

  test('gather runs TensorFlow\'s GatherV2 without reading the indices back: traceable, any dtype, range checked by TensorFlow', () => {
    const flags = tf.tensor1d([1, 0, 1], 'bool');
    const picked = tf.gather(flags, tf.tensor1d([2, 1], 'int32'));
    expect(picked.dtype).toBe('bool');
    expect(Array.from(picked.dataSync())).toEqual([1, 0]);
    const table = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    expect(() => tf.gather(table, tf.tensor1d([5], 'int32')).dataSync()).toThrow(/indices\[0\] = 5 is not in \[0, 3\)/);
    const ids = tf.tensor1d([2, 0], 'int32');
    const { outputs, trace } = traceNativeFunction(nativeKernelBackend('test'), [table, ids], () => [tf.gather(table, ids)]);
    expect(trace.ok).toBe(true);
    expect(outputs[0]?.arraySync()).toEqual([[5, 6], [1, 2]]);
  });

  test('the SavedModel file decodes with tfjs-node\'s own TensorFlow message classes', () => {
    const backend = nativeKernelBackend('test');
    const x = inputs(3);
    const { outputs, trace } = traceNativeFunction(backend, x, () => smallStep(...x));
    if (!trace.ok) throw new Error(trace.reason);
    const messages = createRequire(import.meta.url)('@tensorflow/tfjs-node/dist/proto/api_pb') as {
      SavedModel: { deserializeBinary(bytes: Uint8Array): SavedModelMessage };
    };
    const model = messages.SavedModel.deserializeBinary(encodeSavedModel(trace.graph.nodes, ['serve']));
    const [metaGraph] = model.getMetaGraphsList();
    expect(metaGraph?.getMetaInfoDef().getTagsList()).toEqual(['serve']);
    const nodes = metaGraph?.getGraphDef().getNodeList() ?? [];
    expect(nodes.map((n) => n.getName())).toEqual(trace.graph.nodes.map((n) => n.name));
    expect(nodes.map((n) => n.getOp())).toEqual(trace.graph.nodes.map((n) => n.op));
    const matMul = nodes.find((n) => n.getOp() === 'MatMul' || n.getOp() === 'BatchMatMulV2');
    expect(matMul?.getInputList()).toEqual(trace.graph.nodes.find((n) => n.name === matMul?.getName())?.inputs);
    tf.dispose([...x, ...outputs]);
  });

  test('filled constants (zeros, a repeated int, all-true) compile to the full tensors, and decode as one typed value', () => {
    const backend = nativeKernelBackend('test');
    const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    const fn = () => [
      tf.add(x, tf.zeros([2, 3])),
      tf.mul(tf.cast(x, 'int32'), tf.tensor2d(new Int32Array(6).fill(-3), [2, 3], 'int32')),
      tf.logicalAnd(tf.greater(x, 2), tf.ones([2, 3], 'bool')),
    ];
    const { outputs, trace } = traceNativeFunction(backend, [x], fn);
    if (!trace.ok) throw new Error(trace.reason);
    // The three [2, 3] constants (other Consts here are shapes and scalars, kept as bytes).
    const filled = trace.graph.nodes
      .map((n) => n.attrs.get('value'))
      .filter((v) => v?.kind === 'tensor' && v.value.shape.length === 2);
    expect(filled).toHaveLength(3);
    for (const value of filled) expect(value).toMatchObject({ kind: 'tensor', value: { shape: [2, 3], filled: true } });
    const messages = createRequire(import.meta.url)('@tensorflow/tfjs-node/dist/proto/api_pb') as {
      SavedModel: { deserializeBinary(bytes: Uint8Array): SavedModelMessage };
    };
    const decoded = messages.SavedModel.deserializeBinary(encodeSavedModel(trace.graph.nodes, ['serve']));
    const zerosNode = decoded.getMetaGraphsList()[0]?.getGraphDef().getNodeList().find((n) => n.getOp() === 'Const');
    const tensor = zerosNode?.getAttrMap().get('value')?.getTensor();
    expect(tensor?.getFloatValList()).toEqual([0]);
    expect(tensor?.getTensorContent_asU8().length).toBe(0);

    const compiled = new CompiledNativeFunction(backend, trace.graph);
    const other = tf.tensor2d([[0, 3, 1], [7, -2, 9]]);
    const fromGraph = compiled.run([other]);
    expect(fromGraph[0]?.arraySync()).toEqual([[0, 3, 1], [7, -2, 9]]);
    expect(fromGraph[1]?.arraySync()).toEqual([[0, -9, -3], [-21, 6, -27]]);
    expect(fromGraph[2]?.dataSync()).toEqual(new Uint8Array([0, 1, 0, 1, 0, 1]));
    compiled.dispose();
    tf.dispose([x, other, ...outputs, ...fromGraph]);
  });

  test('what cannot be a graph is refused with the reason, and the call still returns its values', () => {
    const backend = nativeKernelBackend('test');
    const x = tf.tensor1d([1, 2, 3]);
    const readBack = traceNativeFunction(backend, [x], () => {
      const doubled = tf.mul(x, 2);
      const n = doubled.dataSync()[0] as number; // data-dependent: a value decides what follows
      return [tf.add(doubled, n)];
    });
    expect(readBack.trace).toEqual({ ok: false, reason: expect.stringMatching(/read back into JavaScript/) as unknown });
    expect(readBack.outputs[0]?.dataSync()).toEqual(new Float32Array([4, 6, 8]));

    const outside = tf.tensor1d([10, 20, 30]);
    const external = traceNativeFunction(backend, [x], () => [tf.add(x, outside)]);
    expect(external.trace).toEqual({ ok: false, reason: expect.stringMatching(/neither an input of the traced function nor made inside it/) as unknown });

    // The same tensor declared immutable is written into the graph as a constant.
    registerGraphConstant(outside);
    const registered = traceNativeFunction(backend, [x], () => [tf.add(x, outside)]);
    expect(registered.trace.ok).toBe(true);
    if (registered.trace.ok) {
      const compiled = new CompiledNativeFunction(backend, registered.trace.graph);
      const [sum] = compiled.run([tf.tensor1d([0, 1, 2])]);
      expect(sum?.dataSync()).toEqual(new Float32Array([10, 21, 32]));
      compiled.dispose();
    }
  });

  test('the cache compiles a function after two identical traces per input shape, and keeps one that changes eager', () => {
    const backend = nativeKernelBackend('test');
    let firstRuns = 0;
    const cache = new GraphFunctionCache(backend, { beforeFirstRun: () => (firstRuns += 1) });
    const call = (seed: number, rows = B, on = cache) => {
      const [table, , w] = inputs(seed);
      const ids = tf.tensor1d(Array.from({ length: rows }, (_, r) => (seed + r) % 7), 'int32');
      const args = [table, ids, w] as const;
      const out = on.run(`${rows}`, args, () => smallStep(...args));
      const expected = smallStep(...args);
      expect(maxDifference(out[0] as tf.Tensor, expected[0] as tf.Tensor)).toBeLessThan(1e-6);
      tf.dispose([table, ids, w, ...out, ...expected]);
    };
    call(1);
    call(2);
    expect(cache.status()).toEqual({ graphCalls: 0, eagerCalls: 2, compiled: 1 });
    expect(firstRuns).toBe(0);
    call(3);
    call(4);
    expect(cache.status()).toEqual({ graphCalls: 2, eagerCalls: 2, compiled: 1 });
    // Freed heap is given back once per compiled graph, before its first run (load-pages.ts, releaseFreedHeap).
    expect(firstRuns).toBe(1);
    call(5, 6); // another shape: traced anew
    expect(cache.status()).toEqual({ graphCalls: 2, eagerCalls: 3, compiled: 1 });
    cache.dispose();

    // Past maxTracedKeys distinct keys, a new key runs eagerly without tracing, however often it comes.
    const bounded = new GraphFunctionCache(backend, { maxTracedKeys: 1 });
    for (const rows of [B, B, B, 6, 6, 6]) {
      const [table, , w] = inputs(rows);
      const ids = tf.tensor1d(Array.from({ length: rows }, (_, r) => r % 7), 'int32');
      const args = [table, ids, w] as const;
      tf.dispose([table, ids, w, ...bounded.run(`${rows}`, args, () => smallStep(...args))]);
    }
    expect(bounded.status()).toEqual({ graphCalls: 1, eagerCalls: 5, compiled: 1 });
    expect(bounded.usable).toBe(true);
    bounded.dispose();

    // A libtensorflow that cannot load the graph (another version, a missing op): the calls go on eagerly.
    const unloadable = new GraphFunctionCache(backend, {
      compile: () => {
        throw new Error('Op type not registered');
      },
    });
    for (let k = 0; k < 3; k++) call(k + 1, B, unloadable);
    expect(unloadable.status()).toEqual({
      graphCalls: 0,
      eagerCalls: 3,
      compiled: 0,
      disabledBecause: 'TensorFlow could not load the traced graph: Op type not registered',
    });
    expect(unloadable.usable).toBe(false);

    // A constant drawn in JavaScript at every call (a dropout mask, say): never the same graph twice.
    const changing = new GraphFunctionCache(backend);
    let draw = 0;
    for (let k = 0; k < 5; k++) {
      const x = tf.tensor1d([1, 2]);
      draw += 1;
      const [y] = changing.run('x', [x], () => [tf.mul(x, tf.scalar(draw))]);
      expect(y?.dataSync()).toEqual(new Float32Array([draw, 2 * draw]));
      tf.dispose([x, y as tf.Tensor]);
    }
    expect(changing.status()).toEqual({
      graphCalls: 0,
      eagerCalls: 5,
      compiled: 0,
      disabledBecause: expect.stringMatching(/3 traces in a row with the same input shapes built different graphs/) as unknown,
    });
    expect(changing.usable).toBe(false);
    changing.dispose();
  });
});

interface NodeMessage {
  getName(): string;
  getOp(): string;
  getInputList(): string[];
  getAttrMap(): { get(key: string): { getTensor(): { getFloatValList(): number[]; getTensorContent_asU8(): Uint8Array } } | undefined };
}
interface SavedModelMessage {
  getMetaGraphsList(): { getMetaInfoDef(): { getTagsList(): string[] }; getGraphDef(): { getNodeList(): NodeMessage[] } }[];
}

describe.skipIf(!status.available)('inputs a traced function feeds itself (feedAsGraphInput)', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('tensorflow')).toBe(true);
  });

  test('are placeholders, not constants: the traces match although their values differ, and each graph run takes what feed gives', () => {
    const cache = new GraphFunctionCache(nativeKernelBackend('test'), { beforeFirstRun: () => {} });
    const x = tf.tensor1d([1, 2, 3]);
    let drawn = 0;
    // A value drawn in JavaScript at every call, as a dropout mask is.
    const fn = () => {
      drawn += 1;
      const noise = tf.tensor1d([drawn, 2 * drawn, 3 * drawn]);
      feedAsGraphInput(noise, `noise ${noise.shape}`);
      return [tf.mul(x, noise)];
    };
    const feed = (call: number) => (fed: readonly string[]) => {
      expect(fed).toEqual(['noise 3']);
      return [tf.tensor1d([10 * call, 10 * call, 10 * call])];
    };
    const results = [0, 1, 2, 3].map((call) => {
      const [y] = cache.run('f', [x], fn, { feed: feed(call) });
      return Array.from((y as tf.Tensor).dataSync());
    });
    // Two traced (eager) calls with their own draws, then two graph runs with the fed values.
    expect(results).toEqual([[1, 4, 9], [2, 8, 18], [20, 40, 60], [30, 60, 90]]);
    expect(cache.status()).toEqual({ graphCalls: 2, eagerCalls: 2, compiled: 1 });
    expect(drawn).toBe(2);
    // A compiled graph that feeds itself needs the values.
    expect(() => cache.run('f', [x], fn)).toThrow('GraphFunctionCache.run: the graph for f feeds itself 1 inputs; pass options.feed');
    cache.dispose();
  });

  test('outside a trace it does nothing', () => {
    const t = tf.tensor1d([1, 2]);
    feedAsGraphInput(t, 'unused');
    expect(Array.from(t.dataSync())).toEqual([1, 2]);
  });
});
