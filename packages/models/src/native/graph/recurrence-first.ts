/**
 * Control dependencies that give the whole-sequence kernels (BpttLstmSequence, BpttGruSequence and their gradients)
 * the CPU to themselves. TensorFlow runs every kernel whose inputs are ready, so a large matmul that does not depend
 * on a layer's recurrence ran beside it: the decoder's input projection beside the encoder's forward recurrence, the
 * decoder's weight and input gradients beside the encoder's backward one. The matmul took one core from the
 * kernel's team of threads, whose per-step barrier then waited on it: measured in reference training steps, a
 * sequence kernel took 3.5 ms on average against 1.6-2.2 ms alone, about 5 ms of a 25 ms step
 * (docs/native-tensorflow.md, "Recurrence first").
 *
 * So, for every sequence kernel S and every large matmul M (one over a layer's positions, more multiply-adds than
 * four of S's time steps) that neither depends on S nor feeds it:
 *   - M runs before S when a later sequence kernel needs M (the decoder's projection: it runs beside the encoder's
 *     projection instead, and is ready when the decoder's recurrence starts), or when M can start before S can
 *     (a language model's output-layer weight gradient, ready with the matmul that S waits for: the two run side by
 *     side, as before, instead of the weight gradient waiting for S);
 *   - otherwise M runs after S (the decoder's weight gradients, ready when the encoder's backward recurrence is,
 *     wait for it, then run beside the encoder's own).
 * "Can start": the earliest start with unlimited cores, each matmul and kernel costing its multiply-adds and every
 * other op nothing.
 * Small matmuls stay free: the many per-step ones of a decoder that keeps the step loop (attention) fill the other
 * core while that loop runs, and tying each of them to a recurrence would only pile them up at its end.
 * Sequence kernels that do not depend on each other (an encoder's two directions) run one after the other, each on
 * the whole team, rather than one on the team and one on a single thread beside it.
 *
 * Only the order changes, never a value: the graph computes the same bytes.
 */
import type { AttrValue, GraphNode } from './graph-def.ts';

/** Each sequence kernel's first output [T, B, w·H], by its width w in units of H. */
const SEQUENCE_KERNELS = new Map([
  ['BpttLstmSequence', { width: 1, gates: 4 }],
  ['BpttLstmSequenceGrad', { width: 4, gates: 4 }],
  ['BpttGruSequence', { width: 1, gates: 3 }],
  ['BpttGruSequenceGrad', { width: 3, gates: 3 }],
]);
/** The matmul ops and the attribute that transposes their left operand. */
const MATMULS = new Map([
  ['MatMul', 'transpose_a'],
  ['BatchMatMul', 'adj_x'],
  ['BatchMatMulV2', 'adj_x'],
  ['BatchMatMulV3', 'adj_x'],
]);
/** A matmul is large against a sequence kernel when it has more multiply-adds than this many of its time steps. */
const LARGE_IN_STEPS = 4;

/** The node an input names ("name", "name:k" or "^name"), and which output. */
function source(input: string): { readonly node: string; readonly output: number } {
  const name = input.startsWith('^') ? input.slice(1) : input;
  const colon = name.lastIndexOf(':');
  return colon < 0 ? { node: name, output: 0 } : { node: name.slice(0, colon), output: Number(name.slice(colon + 1)) };
}

/** `nodes` with the control dependencies above added (as "^name" inputs); the same array when there is nothing to order. */
export function recurrenceFirst(nodes: readonly GraphNode[]): readonly GraphNode[] {
  const sequence = nodes.flatMap((node, i) => (SEQUENCE_KERNELS.has(node.op) ? [i] : []));
  if (sequence.length === 0) return nodes;
  const indexOf = new Map(nodes.map((node, i) => [node.name, i]));
  const predecessors = nodes.map((node) => node.inputs.flatMap((input) => indexOf.get(source(input).node) ?? []));
  const added = nodes.map(() => [] as number[]);
  const shapeOf = (input: string): readonly number[] | undefined => {
    const { node, output } = source(input);
    const i = indexOf.get(node);
    return i === undefined ? undefined : nodes[i]?.outputShapes?.[output];
  };

  /** Whether `from` is an ancestor of `to`, counting the edges added so far. */
  const precedes = (from: number, to: number): boolean => {
    const seen = new Set<number>([to]);
    const stack = [to];
    while (stack.length > 0) {
      const node = stack.pop() as number;
      for (const p of [...(predecessors[node] as number[]), ...(added[node] as number[])]) {
        if (p === from) return true;
        if (!seen.has(p)) {
          seen.add(p);
          stack.push(p);
        }
      }
    }
    return false;
  };
  const independent = (a: number, b: number) => !precedes(a, b) && !precedes(b, a);
  /** `later` waits for `first`; never closes a cycle (independent() was checked against the current edges). */
  const order = (first: number, later: number) => (added[later] as number[]).push(first);

  sequence.forEach((first, k) => {
    for (const later of sequence.slice(k + 1)) if (independent(first, later)) order(first, later);
  });
  const matmuls = nodes.flatMap((node, i) => {
    const work = multiplyAdds(node, shapeOf);
    return work === undefined ? [] : [{ index: i, work }];
  });
  const start = earliestStarts(nodes, predecessors, (i) => {
    const node = nodes[i] as GraphNode;
    return SEQUENCE_KERNELS.has(node.op) ? (timeStepWork(node) ?? 0) * (node.outputShapes?.[0]?.[0] ?? 0) : (multiplyAdds(node, shapeOf) ?? 0);
  });
  for (const kernel of sequence) {
    const stepWork = timeStepWork(nodes[kernel] as GraphNode);
    for (const { index: matmul, work } of matmuls) {
      if (stepWork === undefined || work <= LARGE_IN_STEPS * stepWork || !independent(kernel, matmul)) continue;
      const neededLater = sequence.some((other) => other !== kernel && precedes(kernel, other) && precedes(matmul, other));
      if (neededLater || (start[matmul] as number) < (start[kernel] as number)) order(matmul, kernel);
      else order(kernel, matmul);
    }
  }
  return nodes.map((node, i) =>
    (added[i] as number[]).length === 0 ? node : { ...node, inputs: [...node.inputs, ...(added[i] as number[]).map((p) => `^${(nodes[p] as GraphNode).name}`)] },
  );
}

/** Each node's earliest start with unlimited cores (nodes are in execution order: inputs before their users). */
function earliestStarts(nodes: readonly GraphNode[], predecessors: readonly (readonly number[])[], cost: (i: number) => number): number[] {
  const finish: number[] = [];
  const start = nodes.map((_, i) => {
    const at = Math.max(0, ...(predecessors[i] as readonly number[]).map((p) => finish[p] ?? 0));
    finish[i] = at + cost(i);
    return at;
  });
  return start;
}

/** Multiply-adds of a matmul node (batch x M x N x K), or undefined for another op or unknown shapes. */
function multiplyAdds(node: GraphNode, shapeOf: (input: string) => readonly number[] | undefined): number | undefined {
  const transposeAttr = MATMULS.get(node.op);
  const output = node.outputShapes?.[0];
  const left = node.inputs[0] === undefined ? undefined : shapeOf(node.inputs[0]);
  if (transposeAttr === undefined || output === undefined || left === undefined || left.length < 2) return undefined;
  const transposed = (node.attrs.get(transposeAttr) as Extract<AttrValue, { kind: 'bool' }> | undefined)?.value === true;
  const k = left[left.length - (transposed ? 2 : 1)] as number;
  return output.reduce((product, d) => product * d, k);
}

/** Multiply-adds of one time step of a sequence kernel's recurrent matmul (B x H x gates·H). */
function timeStepWork(node: GraphNode): number | undefined {
  const kind = SEQUENCE_KERNELS.get(node.op);
  const first = node.outputShapes?.[0];
  if (kind === undefined || first === undefined || first.length !== 3) return undefined;
  const B = first[1] as number;
  const H = (first[2] as number) / kind.width;
  return B * H * kind.gates * H;
}
