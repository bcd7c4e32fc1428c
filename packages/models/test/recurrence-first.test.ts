/**
 * recurrenceFirst (src/native/graph/recurrence-first.ts): the control dependencies that keep large matmuls from
 * running beside a whole-sequence kernel, on graphs shaped like a traced seq2seq step. Pure: no TensorFlow needed.
 * That TensorFlow loads and runs the ordered graphs, with the same results, is native-graph-lstm.test.ts's.
 */
import { describe, expect, test } from 'vitest';
import type { GraphNode } from '../src/native/graph/index.ts';
import { recurrenceFirst } from '../src/native/graph/recurrence-first.ts';

const node = (name: string, op: string, shape: readonly number[], ...inputs: string[]): GraphNode => ({ name, op, inputs, attrs: new Map(), outputShapes: [shape] });
const transposedLeft = (n: GraphNode): GraphNode => ({ ...n, attrs: new Map([['adj_x', { kind: 'bool', value: true }]]) });

/**
 * A one-layer encoder-decoder step (T = 20, B = 8, H = 16, inputs of 8): projections, recurrences, their gradients,
 * weight gradients, an optimizer. One time step of a recurrence is 8 x 16 x 64 = 8,192 multiply-adds; the layer
 * matmuls have 81,920 (large), the output layer's 2,304 to 23,040 (small).
 */
function seq2seqStep(): GraphNode[] {
  return [
    node('x_enc', 'Placeholder', [160, 8]),
    node('x_dec', 'Placeholder', [160, 8]),
    node('w', 'Placeholder', [8, 64]),
    node('proj_enc', 'BatchMatMulV2', [160, 64], 'x_enc', 'w'),
    node('proj_dec', 'BatchMatMulV2', [160, 64], 'x_dec', 'w'),
    node('enc', 'BpttLstmSequence', [20, 8, 16], 'proj_enc'),
    node('dec', 'BpttLstmSequence', [20, 8, 16], 'proj_dec', 'enc:1', 'enc:2'),
    node('logits', 'BatchMatMulV2', [20, 8, 9], 'dec', 'w'),
    node('dlogits', 'Sub', [20, 8, 9], 'logits', 'x_dec'),
    transposedLeft(node('dw_out', 'BatchMatMulV2', [16, 9], 'dec', 'dlogits')),
    node('dh', 'BatchMatMulV2', [20, 8, 16], 'dlogits', 'w'),
    node('dec_grad', 'BpttLstmSequenceGrad', [20, 8, 64], 'dec:2', 'dh'),
    node('enc_grad', 'BpttLstmSequenceGrad', [20, 8, 64], 'enc:2', 'dec_grad:1', 'dec_grad:2'),
    transposedLeft(node('dw_dec', 'BatchMatMulV2', [8, 64], 'x_dec', 'dec_grad')),
    node('dx_dec', 'BatchMatMulV2', [20, 8, 8], 'dec_grad', 'w'),
    transposedLeft(node('dw_enc', 'BatchMatMulV2', [8, 64], 'x_enc', 'enc_grad')),
    node('update', 'AddN', [8, 64], 'dw_dec', 'dx_dec', 'dw_enc', 'dw_out'),
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
      dw_dec: ['^enc_grad'],
      dx_dec: ['^enc_grad'],
      // The output layer's weight gradient is as independent of the two backward recurrences, but small: left free.
    });
  });

  test('a large matmul that can start before the recurrence runs before it, beside the matmul the recurrence waits for', () => {
    // A language model's window (T = 10, B = 4, H = 8, 100 words): the output layer's weight gradient is ready with
    // dh, which the backward recurrence needs; waiting for the recurrence instead would leave a core idle twice.
    const window = [
      node('x', 'Placeholder', [40, 8]),
      node('w_ih', 'Placeholder', [8, 32]),
      node('w_out', 'Placeholder', [8, 100]),
      node('proj', 'BatchMatMulV2', [40, 32], 'x', 'w_ih'),
      node('lstm', 'BpttLstmSequence', [10, 4, 8], 'proj'),
      node('rows', 'Reshape', [40, 8], 'lstm'),
      node('logits', 'BatchMatMulV2', [40, 100], 'rows', 'w_out'),
      node('dlogits', 'Sub', [40, 100], 'logits', 'x'),
      node('dh', 'BatchMatMulV2', [40, 8], 'dlogits', 'w_out'),
      transposedLeft(node('dw_out', 'BatchMatMulV2', [8, 100], 'rows', 'dlogits')),
      node('grad', 'BpttLstmSequenceGrad', [10, 4, 32], 'lstm:2', 'dh'),
      transposedLeft(node('dw_ih', 'BatchMatMulV2', [8, 32], 'x', 'grad')),
    ];
    expect(controlInputs(recurrenceFirst(window))).toEqual({ grad: ['^dw_out'] });
  });

  test('a matmul of up to four time steps\' work, or of unknown shapes, is left free', () => {
    const step = seq2seqStep();
    const proj = step.findIndex((n) => n.name === 'proj_dec');
    // The decoder's projection cut to 64 rows: 64 x 64 outputs x 8 inputs = 32,768 multiply-adds, four time steps'.
    const fourSteps = [...step];
    fourSteps[1] = node('x_dec', 'Placeholder', [64, 8]);
    fourSteps[proj] = node('proj_dec', 'BatchMatMulV2', [64, 64], 'x_dec', 'w');
    expect(controlInputs(recurrenceFirst(fourSteps))['enc']).toBeUndefined();
    const unknown = step.map((n) => (n.name === 'proj_dec' ? { ...n, outputShapes: undefined } : n));
    expect(controlInputs(recurrenceFirst(unknown))['enc']).toBeUndefined();
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
      node('x', 'Placeholder', [5, 2, 12]),
      node('forward', 'BpttGruSequence', [5, 2, 4], 'x'),
      node('backward', 'BpttGruSequence', [5, 2, 4], 'x'),
      node('both', 'ConcatV2', [5, 2, 8], 'forward', 'backward'),
      node('grad_forward', 'BpttGruSequenceGrad', [5, 2, 12], 'both'),
      node('grad_backward', 'BpttGruSequenceGrad', [5, 2, 12], 'both'),
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
    const plain = [node('a', 'Placeholder', [4, 4]), node('b', 'BatchMatMulV2', [4, 4], 'a', 'a')];
    expect(recurrenceFirst(plain)).toBe(plain);
  });
});
