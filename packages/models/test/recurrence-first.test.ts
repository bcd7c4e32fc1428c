/**
 * recurrenceFirst (src/native/graph/recurrence-first.ts): the control dependencies that keep large matmuls from
 * running beside a whole-sequence kernel, on graphs shaped like a traced seq2seq step. Pure: no TensorFlow needed.
 * That TensorFlow loads and runs the ordered graphs, with the same results, is native-graph-lstm.test.ts's.
 */
import { describe, expect, test } from 'vitest';
import type { GraphNode } from '../src/native/graph/index.ts';
import { recurrenceFirst } from '../src/native/graph/recurrence-first.ts';

const node = (name: string, op: string, ...inputs: string[]): GraphNode => ({ name, op, inputs, attrs: new Map() });

/** A one-layer encoder-decoder step: projections, recurrences, their gradients, weight gradients, an optimizer. */
function seq2seqStep(): GraphNode[] {
  return [
    node('x_enc', 'Placeholder'),
    node('x_dec', 'Placeholder'),
    node('w', 'Placeholder'),
    node('proj_enc', 'BatchMatMulV2', 'x_enc', 'w'),
    node('proj_dec', 'BatchMatMulV2', 'x_dec', 'w'),
    node('enc', 'BpttLstmSequence', 'proj_enc'),
    node('dec', 'BpttLstmSequence', 'proj_dec', 'enc:1', 'enc:2'),
    node('logits', 'BatchMatMulV2', 'dec', 'w'),
    node('dlogits', 'Sub', 'logits', 'x_dec'),
    node('dw_out', 'BatchMatMulV2', 'dec', 'dlogits'),
    node('dh', 'BatchMatMulV2', 'dlogits', 'w'),
    node('dec_grad', 'BpttLstmSequenceGrad', 'dec:2', 'dh'),
    node('enc_grad', 'BpttLstmSequenceGrad', 'enc:2', 'dec_grad:1', 'dec_grad:2'),
    node('dw_dec', 'BatchMatMulV2', 'x_dec', 'dec_grad'),
    node('dx_dec', 'BatchMatMulV2', 'dec_grad', 'w'),
    node('dw_enc', 'BatchMatMulV2', 'x_enc', 'enc_grad'),
    node('update', 'AddN', 'dw_dec', 'dx_dec', 'dw_enc', 'dw_out'),
  ];
}

const controlInputs = (nodes: readonly GraphNode[]) =>
  Object.fromEntries(nodes.flatMap((n) => {
    const control = n.inputs.filter((input) => input.startsWith('^'));
    return control.length === 0 ? [] : [[n.name, control]];
  }));

describe('recurrenceFirst', () => {
  test('a matmul a later recurrence needs runs before the one it could run beside; the others after it', () => {
    expect(controlInputs(recurrenceFirst(seq2seqStep()))).toEqual({
      // The decoder's projection runs beside the encoder's, before the encoder's recurrence.
      enc: ['^proj_dec'],
      // Gradients no recurrence needs wait for the recurrences they could have run beside.
      dw_out: ['^dec_grad', '^enc_grad'],
      dw_dec: ['^enc_grad'],
      dx_dec: ['^enc_grad'],
    });
  });

  test('control inputs follow the data inputs, which stay as they were', () => {
    const before = seq2seqStep();
    const after = recurrenceFirst(before);
    after.forEach((n, i) => {
      const data = n.inputs.filter((input) => !input.startsWith('^'));
      expect(data, n.name).toEqual(before[i]!.inputs);
      expect(n.inputs.slice(0, data.length), n.name).toEqual(data);
      expect([n.name, n.op, n.attrs]).toEqual([before[i]!.name, before[i]!.op, before[i]!.attrs]);
    });
  });

  test('independent recurrences (an encoder\'s two directions) run one after the other, in trace order', () => {
    const nodes = [
      node('x', 'Placeholder'),
      node('forward', 'BpttGruSequence', 'x'),
      node('backward', 'BpttGruSequence', 'x'),
      node('both', 'ConcatV2', 'forward', 'backward'),
      node('grad_forward', 'BpttGruSequenceGrad', 'both'),
      node('grad_backward', 'BpttGruSequenceGrad', 'both'),
    ];
    expect(controlInputs(recurrenceFirst(nodes))).toEqual({ backward: ['^forward'], grad_backward: ['^grad_forward'] });
  });

  test('the ordered graph has no cycle, and a graph without sequence kernels is returned as it is', () => {
    const ordered = recurrenceFirst(seq2seqStep());
    const byName = new Map(ordered.map((n) => [n.name, n]));
    const state = new Map<string, 'open' | 'done'>();
    const visit = (name: string): void => {
      if (state.get(name) === 'done') return;
      expect(state.get(name), `cycle through ${name}`).toBeUndefined();
      state.set(name, 'open');
      for (const input of byName.get(name)!.inputs) visit(input.replace(/^\^/, '').replace(/:\d+$/, ''));
      state.set(name, 'done');
    };
    ordered.forEach((n) => visit(n.name));
    const plain = [node('a', 'Placeholder'), node('b', 'BatchMatMulV2', 'a', 'a')];
    expect(recurrenceFirst(plain)).toBe(plain);
  });
});
