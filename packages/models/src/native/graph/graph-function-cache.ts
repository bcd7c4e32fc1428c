/**
 * Runs one function, called again and again with inputs of a few shapes (a training step), as a compiled
 * TensorFlow graph per shape, the way tf.function retraces per input signature:
 *
 *   1st call with a key   run eagerly while tracing; keep the encoded graph
 *   2nd call              run eagerly while tracing again; if both graphs are byte-identical, compile them
 *   later calls           one session run
 *
 * Two identical traces are the evidence that nothing the function folds into a constant changes from call to
 * call: a value drawn in JavaScript would differ, and then the function stays eager, unless the function feeds it
 * in as an input (feedAsGraphInput: dropout masks) that `feed` draws again for each run. After `maxMismatches` differing traces in a row for one key (or any trace that cannot become a graph)
 * the cache stops tracing for good and says why in `status()`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NativeKernelBackend } from '../execute.ts';
import { CompiledNativeFunction } from './compiled-function.ts';
import { encodeSavedModel } from './graph-def.ts';
import { releaseFreedHeap } from '../load-pages.ts';
import { traceNativeFunction, type TracedGraph, type TraceOptions } from './trace.ts';

export interface GraphFunctionCacheOptions {
  /** Compiled graphs kept (least recently used dropped first; default 32). */
  readonly maxGraphs?: number;
  /** Keys with a trace waiting for an identical one (default 32). */
  readonly maxPending?: number;
  /**
   * Distinct keys ever traced (default 64). Each costs eager traced calls and a compilation; past this many, calls
   * with a new key run eagerly without tracing, so a workload of ever-new shapes costs little more than eager.
   */
  readonly maxTracedKeys?: number;
  /** Consecutive differing traces of one key after which the function stays eager (default 2). */
  readonly maxMismatches?: number;
  /** Loads a traced graph (default: a CompiledNativeFunction on the backend); tests inject failures here. */
  readonly compile?: (graph: TracedGraph) => CompiledNativeFunction;
  /** Run before a newly compiled graph's first run (default: releaseFreedHeap, load-pages.ts). */
  readonly beforeFirstRun?: () => void;
}

export interface GraphFunctionStatus {
  readonly graphCalls: number;
  readonly eagerCalls: number;
  readonly compiled: number;
  /** Why the cache stopped tracing, once it has. */
  readonly disabledBecause?: string;
}

export class GraphFunctionCache {
  private readonly graphs = new Map<string, CompiledNativeFunction>();
  /** Per key: the last trace, and how many traces in a row differed from the one before. */
  private readonly pending = new Map<string, { readonly encoded: Uint8Array; readonly mismatches: number }>();
  private disabledBecause: string | undefined;
  private graphCalls = 0;
  private eagerCalls = 0;
  private compiled = 0;
  private readonly maxGraphs: number;
  private readonly maxPending: number;
  private readonly maxMismatches: number;
  private readonly maxTracedKeys: number;
  private readonly compile: (graph: TracedGraph) => CompiledNativeFunction;
  private readonly tracedKeys = new Set<string>();
  private readonly beforeFirstRun: () => void;
  private readonly neverRun = new WeakSet<CompiledNativeFunction>();
  /** What each compiled graph feeds itself (TracedGraph.fed). */
  private readonly fed = new WeakMap<CompiledNativeFunction, readonly string[]>();

  constructor(
    private readonly backend: NativeKernelBackend,
    options: GraphFunctionCacheOptions = {},
  ) {
    this.maxGraphs = options.maxGraphs ?? 32;
    this.maxPending = options.maxPending ?? 32;
    this.maxTracedKeys = options.maxTracedKeys ?? 64;
    this.maxMismatches = options.maxMismatches ?? 2;
    this.compile = options.compile ?? ((graph) => new CompiledNativeFunction(backend, graph));
    this.beforeFirstRun = options.beforeFirstRun ?? (() => void releaseFreedHeap());
  }

  /** Whether run() can still produce graphs: tracing has not stopped, or graphs were compiled before it did. */
  get usable(): boolean {
    return this.disabledBecause === undefined || this.graphs.size > 0;
  }

  /**
   * fn's outputs for `inputs`, from the graph compiled for `key` when there is one. `key` must determine
   * everything fn's graph depends on besides the inputs' values: their shapes, and the values of readable inputs.
   * `feed` gives the values of the inputs fn feeds itself (feedAsGraphInput) from their descriptions, for a run of
   * the compiled graph; the cache disposes them after the run.
   */
  run(key: string, inputs: readonly tf.Tensor[], fn: () => readonly tf.Tensor[], options: TraceOptions & { readonly feed?: (fed: readonly string[]) => tf.Tensor[] } = {}): readonly tf.Tensor[] {
    const graph = this.graphs.get(key);
    if (graph !== undefined) {
      this.graphs.delete(key);
      this.graphs.set(key, graph); // most recently used last
      this.graphCalls += 1;
      // The eager calls that traced it have ended and freed their tensors: give that memory back before the
      // graph's executor threads allocate their own (load-pages.ts, releaseFreedHeap).
      if (this.neverRun.delete(graph)) this.beforeFirstRun();
      const fedNames = this.fed.get(graph) ?? [];
      if (fedNames.length === 0) return graph.run(inputs);
      if (options.feed === undefined) throw new Error(`GraphFunctionCache.run: the graph for ${key} feeds itself ${fedNames.length} inputs; pass options.feed`);
      const fed = options.feed(fedNames);
      try {
        return graph.run([...inputs, ...fed]);
      } finally {
        tf.dispose(fed);
      }
    }
    this.eagerCalls += 1;
    if (this.disabledBecause !== undefined) return fn();
    if (!this.tracedKeys.has(key)) {
      if (this.tracedKeys.size >= this.maxTracedKeys) return fn();
      this.tracedKeys.add(key);
    }

    const { outputs, trace } = traceNativeFunction(this.backend, inputs, fn, options);
    if (!trace.ok) {
      this.disabledBecause = trace.reason;
      this.pending.clear();
      return outputs;
    }
    // The fed inputs' descriptions are part of what must match: the same graph fed other values is another function.
    const encoded = concatBytes(encodeSavedModel(trace.graph.nodes, []), new TextEncoder().encode(JSON.stringify(trace.graph.fed)));
    const previous = this.pending.get(key);
    this.pending.delete(key);
    if (previous === undefined || !sameBytes(previous.encoded, encoded)) {
      // Constants are written where first read (trace.ts), so a cache of them filled during the first call does not
      // make its trace differ; one differing trace is still tolerated (say, a first call that creates state), and
      // traces that keep differing mean the function is not the same computation from call to call.
      const mismatches = previous === undefined ? 0 : previous.mismatches + 1;
      if (mismatches >= this.maxMismatches) {
        this.disabledBecause =
          `${mismatches + 1} traces in a row with the same input shapes built different graphs: the function folds ` +
          'a value that changes from call to call into a constant (a dropout mask or a sampled input drawn in ' +
          'JavaScript), so it stays eager';
        this.pending.clear();
        return outputs;
      }
      this.pending.set(key, { encoded, mismatches });
      if (this.pending.size > this.maxPending) this.pending.delete(this.pending.keys().next().value as string);
      return outputs;
    }
    let compiled: CompiledNativeFunction;
    try {
      compiled = this.compile(trace.graph);
    } catch (error) {
      // A libtensorflow that cannot load what this one traced (another version, an op it lacks): stay eager.
      this.disabledBecause = `TensorFlow could not load the traced graph: ${error instanceof Error ? error.message : String(error)}`;
      this.pending.clear();
      return outputs;
    }
    this.graphs.set(key, compiled);
    this.fed.set(compiled, trace.graph.fed);
    this.neverRun.add(compiled);
    this.compiled += 1;
    if (this.graphs.size > this.maxGraphs) {
      const [oldestKey, oldest] = this.graphs.entries().next().value as [string, CompiledNativeFunction];
      oldest.dispose();
      this.graphs.delete(oldestKey);
    }
    return outputs;
  }

  status(): GraphFunctionStatus {
    return {
      graphCalls: this.graphCalls,
      eagerCalls: this.eagerCalls,
      compiled: this.compiled,
      ...(this.disabledBecause === undefined ? {} : { disabledBecause: this.disabledBecause }),
    };
  }

  dispose(): void {
    for (const graph of this.graphs.values()) graph.dispose();
    this.graphs.clear();
    this.pending.clear();
  }
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
