/**
 * Records what a function does on tfjs-node's backend as a TensorFlow graph, while it runs (trace by execution, as
 * torch.jit.trace and tf.function do). Every tfjs kernel on the `tensorflow` backend ends in the addon's
 * `executeOp(name, attrs, inputIds, numOutputs)`, and every tensor made from JavaScript data in
 * `createTensor(shape, dtype, values)`; for the length of the call both are wrapped, so each executed op becomes a
 * graph node and each tensor made from JavaScript a Const. The call itself runs normally and returns real values.
 *
 * What cannot become a graph is reported, not guessed: a computed value read back into JavaScript (control flow or
 * constants that depend on data), a tensor that is neither a declared input nor made inside the call (state the
 * graph would freeze), an attribute kind the encoder does not know. Values that change from call to call without
 * being inputs (a step counter folded into a constant) are caught by comparing two traces (compiled-function.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NativeKernelBackend, TfeOpAttr } from '../execute.ts';
import { DT, tensorValue, tfDataType, type AttrValue, type GraphNode } from './graph-def.ts';

export interface TracedGraph {
  readonly nodes: readonly GraphNode[];
  /**
   * Placeholder names, one per declared input, in order; then one per tensor the traced function fed in
   * (feedAsGraphInput), in the order it made them.
   */
  readonly inputs: readonly { readonly name: string; readonly dtype: tf.DataType; readonly shape: readonly number[] }[];
  /** What each fed input is (feedAsGraphInput's descriptions), in order: a later run must supply their values. */
  readonly fed: readonly string[];
  /** Graph tensor names ("out_k:0"), one per output, in order. */
  readonly outputs: readonly string[];
}

export interface TraceOptions {
  /**
   * Inputs whose values fn may read in JavaScript (a padding mask that decides which kernels run). The graph is
   * then only valid for those values: the caller makes them part of its cache key.
   */
  readonly readableInputs?: readonly number[];
}

export type TraceOutcome =
  | { readonly ok: true; readonly graph: TracedGraph }
  | { readonly ok: false; readonly reason: string };

/** The addon calls the trace wraps (tfjs-node's binding; see binding/tfjs_backend.cc). */
interface OutputMetadata {
  readonly id: number;
  readonly shape: number[];
  readonly dtype: number;
}
interface TraceableBinding {
  readonly TF_ATTR_STRING: number;
  readonly TF_ATTR_INT: number;
  readonly TF_ATTR_FLOAT: number;
  readonly TF_ATTR_BOOL: number;
  readonly TF_ATTR_TYPE: number;
  readonly TF_ATTR_SHAPE: number;
  createTensor(shape: number[], dtype: number, values: ArrayBufferView): number;
  executeOp(name: string, attrs: TfeOpAttr[], inputIds: number[], numOutputs: number): OutputMetadata[];
  tensorDataSync(id: number): ArrayBufferView;
}
interface TraceableBackend extends NativeKernelBackend {
  binding: NativeKernelBackend['binding'];
  getInputTensorIds(tensors: readonly tf.Tensor[]): number[];
  write(values: unknown, shape: number[], dtype: tf.DataType): object;
  /** tfjs-node's tensor table: `values` is set while a tensor made from JavaScript has not been uploaded yet. */
  readonly tensorMap: { get(dataId: object): { readonly values: unknown } | undefined };
}

/**
 * Runs `fn` once, normally, and returns its outputs together with the graph it executed, whose placeholders are
 * `inputs` (in order) and whose outputs are fn's results. `fn` must use no tensor other than `inputs` and those
 * it creates. The outputs belong to the caller, as fn's results would.
 */
export function traceNativeFunction(
  backend: NativeKernelBackend,
  inputs: readonly tf.Tensor[],
  fn: () => readonly tf.Tensor[],
  options: TraceOptions = {},
): { readonly outputs: readonly tf.Tensor[]; readonly trace: TraceOutcome } {
  if (tracing) throw new Error('traceNativeFunction: a trace is already running (traces do not nest)');
  const traceable = backend as TraceableBackend;
  const real = traceable.binding as unknown as TraceableBinding;
  const recorder = new GraphRecorder(real);
  const readable = new Set(options.readableInputs ?? []);
  traceable.getInputTensorIds(inputs).forEach((id, i) => recorder.declareInput(id, inputs[i] as tf.Tensor, readable.has(i)));
  for (const tensor of graphConstants) if (tensor.isDisposed) graphConstants.delete(tensor);
  const constants = [...graphConstants];
  traceable.getInputTensorIds(constants).forEach((id, i) => recorder.declareConstant(id, constants[i] as tf.Tensor));

  traceable.binding = recordingBinding(real, recorder) as unknown as NativeKernelBackend['binding'];
  const stopWatching = watchUploads(traceable, recorder);
  tracing = true;
  active = { recorder, backend: traceable };
  try {
    const outputs = fn();
    // Materialises outputs still held as JavaScript values (they become Consts) while the recorder listens.
    const outputIds = traceable.getInputTensorIds(outputs);
    return { outputs, trace: recorder.finish(outputIds, outputs) };
  } finally {
    tracing = false;
    active = undefined;
    stopWatching();
    traceable.binding = real as unknown as NativeKernelBackend['binding'];
  }
}

/** A copy of the addon object with three calls replaced (a Proxy cannot: the addon's methods are read-only). */
function recordingBinding(real: TraceableBinding, recorder: GraphRecorder): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (let o: object | null = real; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const key of Object.getOwnPropertyNames(o)) {
      if (key === 'constructor' || key in copy) continue;
      const value: unknown = (real as unknown as Record<string, unknown>)[key];
      copy[key] = typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(real) : value;
    }
  }
  return Object.assign(copy, { createTensor: recorder.createTensor, executeOp: recorder.executeOp, tensorDataSync: recorder.tensorDataSync });
}

/**
 * tfjs-node uploads a tensor made from JavaScript data when an op first uses it, so an upload during the call may
 * be of a tensor made before it: an outside tensor too, unless made inside (tracked through `write`). Shadows the
 * two backend methods on the instance; the returned function removes the shadows.
 */
function watchUploads(traceable: TraceableBackend, recorder: GraphRecorder): () => void {
  const prototype = Object.getPrototypeOf(traceable) as TraceableBackend;
  const madeInside = new WeakSet<object>();
  traceable.write = (values, shape, dtype) => {
    const dataId = prototype.write.call(traceable, values, shape, dtype);
    madeInside.add(dataId);
    return dataId;
  };
  traceable.getInputTensorIds = (tensors) => {
    for (const tensor of tensors) {
      if (traceable.tensorMap.get(tensor.dataId)?.values != null && !madeInside.has(tensor.dataId)) recorder.outsideTensor('an op');
    }
    return prototype.getInputTensorIds.call(traceable, tensors);
  };
  return () => {
    delete (traceable as Partial<TraceableBackend>).write;
    delete (traceable as Partial<TraceableBackend>).getInputTensorIds;
  };
}

let tracing = false;
/** The running trace's recorder and backend (feedAsGraphInput's way in). */
let active: { readonly recorder: GraphRecorder; readonly backend: TraceableBackend } | undefined;

/**
 * Inside a traced call, makes `tensor`, made from JavaScript data during the call, an input of the graph (fed at
 * every run) instead of a constant: for values drawn afresh at each call that a caller can draw again from
 * `description` alone (a dropout mask from its generator and site). Outside a trace it does nothing.
 */
export function feedAsGraphInput(tensor: tf.Tensor, description: string): void {
  if (!tracing || active === undefined) return;
  const [id] = active.backend.getInputTensorIds([tensor]);
  active.recorder.declareFedInput(id as number, tensor, description);
}

/** Tensors made once, outside any traced call, and never written to (see registerGraphConstant). */
const graphConstants = new Set<tf.Tensor>();

/**
 * Declares a kept tensor immutable, so a traced function may use it although it is not an input: the graph holds
 * its value as a constant (read when the trace first meets it). For caches of fixed tensors (zeros a kernel needs).
 */
export function registerGraphConstant(tensor: tf.Tensor): void {
  graphConstants.add(tensor);
}

/**
 * Whether a graph is being traced. Code whose choice of kernels would read data asks this and takes the form that
 * holds for any data instead (Padding: masks at every step rather than lengths read back), so one graph serves
 * every batch of the same shapes.
 */
export function isTracingGraph(): boolean {
  return tracing;
}

class GraphRecorder {
  private readonly nodes: GraphNode[] = [];
  private readonly inputs: { name: string; dtype: tf.DataType; shape: readonly number[] }[] = [];
  /** Addon tensor id -> graph tensor that holds its value. */
  private readonly sources = new Map<number, string>();
  /** Ids fn may read back: its constants and the readable inputs. */
  private readonly readable = new Set<number>();
  /**
   * Constants not yet in the graph, written where an op first reads them (or where an output is one): a constant then
   * gets the same place and name whether it was made inside this call or is a kept one made before it, so the first
   * trace of a function that fills a cache of constants matches the second. Unread ones are never written.
   */
  private readonly pendingConstants = new Map<number, () => Map<string, AttrValue>>();
  private readonly fed: string[] = [];
  private problem: string | undefined;

  constructor(private readonly binding: TraceableBinding) {}

  /** A tensor made inside the call that becomes a placeholder after the declared inputs (feedAsGraphInput). */
  declareFedInput(id: number, tensor: tf.Tensor, description: string): void {
    if (this.sources.has(id)) {
      this.fail(`a tensor fed as a graph input (${description}) was already used as a constant`);
      return;
    }
    this.pendingConstants.delete(id);
    this.declareInput(id, tensor, true);
    this.fed.push(description);
  }

  declareInput(id: number, tensor: tf.Tensor, readable: boolean): void {
    const name = `in_${this.inputs.length}`;
    if (readable) this.readable.add(id);
    this.inputs.push({ name, dtype: tensor.dtype, shape: tensor.shape });
    this.addNode(name, 'Placeholder', [], placeholderAttrs(tensor), [tensor.shape]);
    // The same tensor passed twice: both placeholders are fed the same value, the graph reads the first.
    if (!this.sources.has(id)) this.sources.set(id, name);
  }

  /** A registered constant (registerGraphConstant): its value is read when an op first reads it. */
  declareConstant(id: number, tensor: tf.Tensor): void {
    if (this.sources.has(id) || this.pendingConstants.has(id)) return;
    this.pendingConstants.set(id, () => constAttrs(tfDataType(tensor.dtype), tensor.shape, this.binding.tensorDataSync(id)));
    this.readable.add(id);
  }

  private materialiseConstant(id: number): string | undefined {
    const attrs = this.pendingConstants.get(id);
    if (attrs === undefined) return undefined;
    this.pendingConstants.delete(id);
    const name = `const_${this.nodes.length}`;
    this.addNode(name, 'Const', [], attrs());
    this.sources.set(id, name);
    return name;
  }

  readonly createTensor = (shape: number[], dtype: number, values: ArrayBufferView): number => {
    const id = this.binding.createTensor(shape, dtype, values);
    if (dtype === DT.string) {
      this.fail('a string tensor is made inside the traced function');
      return id;
    }
    // Copied now (the caller's array may be reused), written at first use.
    const attrs = constAttrs(dtype, shape, values);
    this.pendingConstants.set(id, () => attrs);
    this.readable.add(id);
    return id;
  };

  readonly executeOp = (op: string, attrs: TfeOpAttr[], inputIds: number[], numOutputs: number): OutputMetadata[] => {
    const outputs = this.binding.executeOp(op, attrs, inputIds, numOutputs);
    const inputs = inputIds.map((id) => {
      const source = this.sources.get(id) ?? this.materialiseConstant(id);
      if (source === undefined) {
        this.outsideTensor(`op ${op}`);
        return 'missing';
      }
      return source;
    });
    // Named after its inputs' constants are written (see pendingConstants).
    const name = `${op}_${this.nodes.length}`;
    this.addNode(name, op, inputs, this.convertAttrs(op, attrs), outputs.map((output) => output.shape));
    outputs.forEach((output, k) => this.sources.set(output.id, k === 0 ? name : `${name}:${k}`));
    return outputs;
  };

  readonly tensorDataSync = (id: number): ArrayBufferView => {
    if (this.sources.has(id) && !this.readable.has(id)) {
      this.fail('a computed value is read back into JavaScript inside the traced function (a data-dependent step)');
    }
    return this.binding.tensorDataSync(id);
  };

  finish(outputIds: readonly number[], outputs: readonly tf.Tensor[]): TraceOutcome {
    const names = outputIds.map((id, k) => {
      const source = this.sources.get(id) ?? this.materialiseConstant(id);
      if (source === undefined) this.fail(`output ${k} is neither an input of the traced function nor made inside it`);
      const name = `out_${k}`;
      const dtype = tfDataType((outputs[k] as tf.Tensor).dtype);
      this.addNode(name, 'Identity', [source ?? 'missing'], new Map([['T', { kind: 'type', value: dtype }]]));
      return `${name}:0`;
    });
    if (this.problem !== undefined) return { ok: false, reason: this.problem };
    return { ok: true, graph: { nodes: this.nodes, inputs: this.inputs, fed: this.fed, outputs: names } };
  }

  private addNode(name: string, op: string, inputs: readonly string[], attrs: ReadonlyMap<string, AttrValue>, outputShapes?: readonly (readonly number[])[]): void {
    this.nodes.push(outputShapes === undefined ? { name, op, inputs, attrs } : { name, op, inputs, attrs, outputShapes });
  }

  outsideTensor(user: string): void {
    this.fail(
      `${user} reads a tensor that is neither an input of the traced function nor made inside it ` +
        '(pass it as an input, or registerGraphConstant it if it never changes)',
    );
  }

  private fail(reason: string): void {
    this.problem ??= reason;
  }

  private convertAttrs(op: string, attrs: readonly TfeOpAttr[]): Map<string, AttrValue> {
    const b = this.binding;
    const converted = new Map<string, AttrValue>();
    for (const { name, type, value } of attrs) {
      const list = Array.isArray(value);
      let attr: AttrValue | undefined;
      if (type === b.TF_ATTR_STRING && typeof value === 'string') attr = { kind: 'string', value };
      else if (type === b.TF_ATTR_INT) attr = list ? { kind: 'ints', value } : { kind: 'int', value: Number(value) };
      else if (type === b.TF_ATTR_FLOAT) attr = list ? { kind: 'floats', value } : { kind: 'float', value: Number(value) };
      else if (type === b.TF_ATTR_BOOL) attr = list ? { kind: 'bools', value: value.map(Boolean) } : { kind: 'bool', value: Boolean(value) };
      else if (type === b.TF_ATTR_TYPE && !list) attr = { kind: 'type', value: Number(value) };
      else if (type === b.TF_ATTR_SHAPE && list) attr = { kind: 'shape', value };
      if (attr === undefined) {
        this.fail(`op ${op}: attribute ${name} of kind ${type} (${JSON.stringify(value)}) cannot be written to a graph`);
        continue;
      }
      converted.set(name, attr);
    }
    return converted;
  }
}

function constAttrs(dtype: number, shape: readonly number[], values: ArrayBufferView): Map<string, AttrValue> {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return new Map<string, AttrValue>([
    ['dtype', { kind: 'type', value: dtype }],
    ['value', { kind: 'tensor', value: tensorValue(dtype, shape, bytes) }],
  ]);
}

function placeholderAttrs(tensor: tf.Tensor): Map<string, AttrValue> {
  return new Map<string, AttrValue>([
    ['dtype', { kind: 'type', value: tfDataType(tensor.dtype) }],
    ['shape', { kind: 'shape', value: tensor.shape }],
  ]);
}
