/**
 * Reverse-mode differentiation over tfjs-core's tape, like `tf.engine().gradients(f, xs, undefined, true)`, but
 * releasing memory as the backward pass goes, the way PyTorch's autograd does.
 *
 * tfjs-core 4's engine keeps everything until the whole backward pass ends: every tensor a kernel saved for its
 * gradient (`node.saved`), every intermediate gradient (dL/d output of every node), and whatever a custom gradient
 * computed on the side. The peak of one training step is then the forward pass's saved tensors PLUS every gradient
 * of the backward pass. On an unrolled decoder (a few dozen kernels per time step) the second half is as large as
 * the first: measured on the bench's larger configuration, the step-by-step path's peak resident memory was
 * 1.5-2.2x PyTorch's.
 *
 * Here each tape node, once its input gradients are computed, drops
 *   - the tensors it saved for the backward pass (the engine clones them for the node, so no one else holds them),
 *   - the gradients of its outputs (each tensor is the output of exactly one node, visited once),
 *   - anything its gradient function created on the side (the call runs inside tf.tidy),
 * and saved tensors of nodes that are not on a path from `xs` to `y` are dropped before the backward pass starts.
 * A gradient tensor can sit in the map under several ids (a gradient function may pass `dy` straight through), so
 * tensors in the map are reference-counted and disposed only when no entry holds them. Results (the gradients of
 * `xs`) and `y` are never released. Values are identical to the engine's: the same gradient functions run in the
 * same order with the same accumulation (`tf.add` in tape order).
 *
 * Nested differentiation (calling this inside another gradient computation) falls back to the engine, whose tape
 * must then outlive the inner call.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The part of tfjs-core's tape node this module reads (see tfjs-core/dist/tape.d.ts). */
interface TapeNode {
  readonly id: number;
  readonly kernelName: string;
  readonly inputs: Record<string, tf.Tensor>;
  readonly outputs: tf.Tensor[];
  readonly saved?: tf.Tensor[];
  readonly gradient?: (dys: tf.Tensor[]) => Record<string, () => tf.Tensor>;
}

/** Engine internals used by `Engine.gradients` itself; private in the typings, stable across tfjs-core 4.x. */
interface TapeEngine {
  readonly state: { activeTape: TapeNode[] | null; gradientDepth: number };
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T;
}

export interface ReleasingGradients {
  readonly value: tf.Tensor;
  /** d value / d x for each x of `xs` (read after `f` ran, so `f` may append to it); undefined if not reached. */
  readonly grads: (tf.Tensor | undefined)[];
}

export function gradientsReleasingTape(f: () => tf.Tensor, xs: tf.Tensor[]): ReleasingGradients {
  const engine = tf.engine() as unknown as TapeEngine;
  if (engine.state.gradientDepth > 0) {
    const { value, grads } = tf.engine().gradients(f, xs, undefined, true);
    return { value, grads: [...grads] };
  }
  try {
    const y = engine.scopedRun(
      () => engine.startTape(),
      () => engine.endTape(),
      () => engine.tidy('forward', f),
    );
    const tape = engine.state.activeTape ?? [];
    if (!(y instanceof tf.Tensor)) throw new Error('gradientsReleasingTape: f must return a tensor');
    const path = nodesFromXsToY(tape, xs, y);
    const onPath = new Set(path.map((node) => node.id));
    for (const node of tape) if (!onPath.has(node.id)) disposeAll(node.saved);
    return engine.tidy('backward', () => {
      const grads = new GradientMap();
      grads.set(y.id, tf.onesLike(y));
      const results = new Set(xs.map((x) => x.id));
      for (let i = path.length - 1; i >= 0; i--) backpropagateNode(path[i] as TapeNode, grads, results, engine);
      return { value: y, grads: xs.map((x) => grads.get(x.id)) };
    });
  } finally {
    // Also after a failure, so a thrown forward or backward pass does not leave its saved tensors behind.
    for (const node of engine.state.activeTape ?? []) disposeAll(node.saved);
    engine.state.activeTape = null;
  }
}

function backpropagateNode(node: TapeNode, grads: GradientMap, results: ReadonlySet<number>, engine: TapeEngine): void {
  if (node.gradient === undefined) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
  const gradient = node.gradient;
  // A null dy (an output that does not reach y) becomes zeros inside node.gradient, as in the engine.
  const dys = node.outputs.map((output) => grads.get(output.id)) as tf.Tensor[];
  const names = Object.keys(node.inputs);
  const dxs = engine.tidy(() => {
    const byInput = gradient(dys);
    return names.map((name) => {
      const compute = byInput[name];
      if (compute === undefined) {
        throw new Error(`Cannot backprop through input ${name}. Available gradients found: ${Object.keys(byInput).join(',')}.`);
      }
      return compute();
    });
  });
  names.forEach((name, k) => {
    const dx = dxs[k] as tf.Tensor;
    const x = node.inputs[name] as tf.Tensor;
    if (dx.dtype !== 'float32') {
      throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' dtype, but has '${dx.dtype}'`);
    }
    if (!tf.util.arraysEqual(dx.shape, x.shape)) {
      throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape '${dx.shape}', which does not match the shape of the input '${x.shape}'`);
    }
    grads.accumulate(x.id, dx);
  });
  for (const output of node.outputs) if (!results.has(output.id)) grads.release(output.id);
  // A gradient function may hand back a saved tensor as an input's gradient; the map owns it from then on.
  disposeAll(node.saved?.filter((tensor) => !grads.holds(tensor)));
}

/** Tensor id -> dL/d tensor, with each gradient tensor disposed once no id maps to it. */
class GradientMap {
  private readonly byId = new Map<number, tf.Tensor>();
  private readonly holders = new Map<tf.Tensor, number>();

  get(id: number): tf.Tensor | undefined {
    return this.byId.get(id);
  }

  holds(tensor: tf.Tensor): boolean {
    return this.holders.has(tensor);
  }

  set(id: number, tensor: tf.Tensor): void {
    this.release(id);
    this.byId.set(id, tensor);
    this.holders.set(tensor, (this.holders.get(tensor) ?? 0) + 1);
  }

  accumulate(id: number, dx: tf.Tensor): void {
    const current = this.byId.get(id);
    this.set(id, current === undefined ? dx : tf.add(current, dx));
    // dx was just added into the sum: unless the map holds it elsewhere, it is no longer needed.
    if (current !== undefined && !this.holders.has(dx)) dx.dispose();
  }

  release(id: number): void {
    const tensor = this.byId.get(id);
    if (tensor === undefined) return;
    this.byId.delete(id);
    const left = (this.holders.get(tensor) ?? 1) - 1;
    if (left > 0) {
      this.holders.set(tensor, left);
      return;
    }
    this.holders.delete(tensor);
    tensor.dispose();
  }
}

/**
 * The nodes on a path from some x to y, in tape order, with inputs not computed from any x pruned: the same
 * selection as tfjs-core's getFilteredNodesXToY (which the package does not export to Node).
 */
function nodesFromXsToY(tape: readonly TapeNode[], xs: readonly tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((input) => fromX.has(input.id))) {
      nodesFromX.add(node.id);
      for (const output of node.outputs) fromX.add(output.id);
    }
  }
  const leadsToY = new Set([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i] as TapeNode;
    if (node.outputs.some((output) => leadsToY.has(output.id))) {
      nodesToY.add(node.id);
      for (const input of Object.values(node.inputs)) leadsToY.add(input.id);
    }
  }
  return tape
    .filter((node) => nodesFromX.has(node.id) && nodesToY.has(node.id))
    .map((node) => ({ ...node, inputs: Object.fromEntries(Object.entries(node.inputs).filter(([, input]) => fromX.has(input.id))) }));
}

function disposeAll(tensors: readonly tf.Tensor[] | undefined): void {
  if (tensors !== undefined) for (const tensor of tensors) tensor.dispose();
}
