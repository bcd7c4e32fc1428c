/**
 * A traced function (trace.ts) compiled into one TensorFlow session: the graph is written as a SavedModel and
 * loaded by tfjs-node's own loader (TF_LoadSessionFromSavedModel), and every later call is one TF_SessionRun.
 * TensorFlow then runs the whole graph in C++: no per-op dispatch from JavaScript (about 20 us a kernel through
 * tfjs-node), Grappler's graph rewrites, and independent ops in parallel on the inter-op pool, except that large
 * matmuls wait for or go before the whole-sequence kernels they could run beside (recurrence-first.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { NativeKernelBackend } from '../execute.ts';
import { encodeSavedModel, tfDataTypeName } from './graph-def.ts';
import { recurrenceFirst } from './recurrence-first.ts';
import type { TracedGraph } from './trace.ts';

const TAG = 'serve';

interface SessionBackend extends NativeKernelBackend {
  loadSavedModelMetaGraph(path: string, tags: string): number;
  runSavedModel(id: number, inputs: readonly tf.Tensor[], inputInfos: readonly { name: string; tfDtype: string }[], outputNames: readonly string[]): tf.Tensor[];
  deleteSavedModel(id: number): void;
}

export class CompiledNativeFunction {
  private sessionId: number | undefined;
  private readonly inputInfos: { name: string; tfDtype: string }[];

  /**
   * `ordered`: false compiles the graph without recurrenceFirst's control dependencies (the tests compare the two;
   * the results are the same, only the kernels' order differs).
   */
  constructor(
    private readonly backend: NativeKernelBackend,
    private readonly graph: TracedGraph,
    { ordered = true }: { readonly ordered?: boolean } = {},
  ) {
    this.inputInfos = graph.inputs.map((input) => ({ name: `${input.name}:0`, tfDtype: tfDataTypeName(input.dtype) }));
    const directory = mkdtempSync(join(tmpdir(), 'bptt-graph-'));
    try {
      writeFileSync(join(directory, 'saved_model.pb'), encodeSavedModel(ordered ? recurrenceFirst(graph.nodes) : graph.nodes, [TAG]));
      // The session holds the graph from here on; the file is only the way in.
      this.sessionId = (backend as SessionBackend).loadSavedModelMetaGraph(directory, TAG);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }

  /** One session run; inputs must have the traced dtypes and shapes. The caller owns the outputs. */
  run(inputs: readonly tf.Tensor[]): tf.Tensor[] {
    if (this.sessionId === undefined) throw new Error('this compiled function was disposed');
    if (inputs.length !== this.graph.inputs.length) {
      throw new RangeError(`compiled function: expected ${this.graph.inputs.length} inputs, got ${inputs.length}`);
    }
    inputs.forEach((tensor, i) => {
      const traced = this.graph.inputs[i] as TracedGraph['inputs'][number];
      if (tensor.dtype !== traced.dtype || !tf.util.arraysEqual(tensor.shape, [...traced.shape])) {
        throw new RangeError(
          `compiled function: input ${i} is ${tensor.dtype} [${tensor.shape}], it was traced as ${traced.dtype} [${traced.shape}]`,
        );
      }
    });
    return (this.backend as SessionBackend).runSavedModel(this.sessionId, inputs, this.inputInfos, this.graph.outputs);
  }

  dispose(): void {
    if (this.sessionId === undefined) return;
    (this.backend as SessionBackend).deleteSavedModel(this.sessionId);
    this.sessionId = undefined;
  }
}
