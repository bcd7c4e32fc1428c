/**
 * Control dependencies that give the whole-sequence kernels (BpttLstmSequence, BpttGruSequence and their gradients)
 * the CPU to themselves. TensorFlow runs every kernel whose inputs are ready, so a large matmul that does not depend
 * on a layer's recurrence ran beside it: the decoder's input projection beside the encoder's forward recurrence, the
 * decoder's weight and input gradients beside the encoder's backward one. The matmul took one core from the
 * kernel's team of threads, whose per-step barrier then waited on it: measured in reference training steps, a
 * sequence kernel took 3.5 ms on average against 1.6-2.2 ms alone, about 5 ms of a 25 ms step
 * (docs/native-tensorflow.md, "Recurrence first").
 *
 * So, for every sequence kernel S and every matmul M that neither depends on S nor feeds it:
 *   - M runs before S when a later sequence kernel needs M (the decoder's projection: it runs beside the encoder's
 *     projection instead, and is ready when the decoder's recurrence starts);
 *   - otherwise M runs after S (the decoder's weight gradients wait for the encoder's backward recurrence, then run
 *     beside the encoder's own).
 * Sequence kernels that do not depend on each other (an encoder's two directions) run one after the other, each on
 * the whole team, rather than one on the team and one on a single thread beside it.
 *
 * Only the order changes, never a value: the graph computes the same bytes.
 */
import type { GraphNode } from './graph-def.ts';

const SEQUENCE_KERNELS = new Set(['BpttLstmSequence', 'BpttLstmSequenceGrad', 'BpttGruSequence', 'BpttGruSequenceGrad']);
const MATMULS = new Set(['MatMul', 'BatchMatMul', 'BatchMatMulV2', 'BatchMatMulV3']);

/** The node an input names ("name", "name:k" or "^name"). */
function producer(input: string): string {
  const name = input.startsWith('^') ? input.slice(1) : input;
  const colon = name.lastIndexOf(':');
  return colon < 0 ? name : name.slice(0, colon);
}

/** `nodes` with the control dependencies above added (as "^name" inputs); the same array when there is nothing to order. */
export function recurrenceFirst(nodes: readonly GraphNode[]): readonly GraphNode[] {
  const sequence = nodes.flatMap((node, i) => (SEQUENCE_KERNELS.has(node.op) ? [i] : []));
  if (sequence.length === 0) return nodes;
  const indexOf = new Map(nodes.map((node, i) => [node.name, i]));
  const predecessors = nodes.map((node) => node.inputs.flatMap((input) => indexOf.get(producer(input)) ?? []));
  const added = nodes.map(() => [] as number[]);

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
  const matmuls = nodes.flatMap((node, i) => (MATMULS.has(node.op) ? [i] : []));
  for (const kernel of sequence) {
    for (const matmul of matmuls) {
      if (!independent(kernel, matmul)) continue;
      const neededLater = sequence.some((other) => other !== kernel && precedes(kernel, other) && precedes(matmul, other));
      if (neededLater) order(matmul, kernel);
      else order(kernel, matmul);
    }
  }
  return nodes.map((node, i) =>
    (added[i] as number[]).length === 0 ? node : { ...node, inputs: [...node.inputs, ...(added[i] as number[]).map((p) => `^${(nodes[p] as GraphNode).name}`)] },
  );
}
