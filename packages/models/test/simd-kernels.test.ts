/**
 * The WebAssembly SIMD kernels (src/fused/simd) on a memory of their own, in both the plain and the shared-memory
 * build: the transpose element by element, the row and segment sums bit for bit, the LSTM and GRU steps against
 * the JavaScript kernels of lstm-gates.ts and gru-gates.ts (float64 arithmetic, Math.exp and Math.tanh); and the
 * committed binaries against their source.
 */
import fs from 'node:fs';
import { createRng } from '@bptt/data';
import { describe, expect, it } from 'vitest';
import { gruGatesBackward, gruGatesForward } from '../src/fused/gru-gates.ts';
import { lstmGatesBackward, lstmGatesForward } from '../src/fused/lstm-gates.ts';
import { assembleKernels, GENERATED_PATH, generatedModuleText } from '../src/fused/simd/assemble.ts';
import { SIMD_KERNELS_PLAIN, SIMD_KERNELS_SHARED } from '../src/fused/simd/kernels.generated.ts';

type Kernel = (...args: number[]) => void;

interface Harness {
  readonly heap: Float32Array;
  readonly forward: Kernel;
  readonly backward: Kernel;
  readonly gruForward: Kernel;
  readonly gruBackward: Kernel;
  readonly transpose: Kernel;
  readonly sumRows: Kernel;
  readonly segmentSum: Kernel;
  /** Byte offset of a fresh, NaN-filled region of n floats (NaN shows any element a kernel forgot to write). */
  alloc(n: number): number;
  set(at: number, values: Float32Array): void;
  get(at: number, n: number): Float32Array;
}

const WasmApi = (globalThis as unknown as { WebAssembly: Record<string, new (...args: unknown[]) => { buffer?: ArrayBuffer; exports?: Record<string, unknown> }> })
  .WebAssembly;

function harness(kind: 'plain' | 'shared'): Harness {
  const memory = new WasmApi['Memory']!(kind === 'plain' ? { initial: 64 } : { initial: 64, maximum: 64, shared: true });
  const bytes = Buffer.from(kind === 'plain' ? SIMD_KERNELS_PLAIN : SIMD_KERNELS_SHARED, 'base64');
  const instance = new WasmApi['Instance']!(new WasmApi['Module']!(bytes), { env: { memory } });
  const heap = new Float32Array(memory.buffer as ArrayBuffer);
  let next = 64; // byte 0 stays unused: a null pointer means "absent"
  return {
    heap,
    forward: instance.exports!['lstm_gates_forward'] as Kernel,
    backward: instance.exports!['lstm_gates_backward'] as Kernel,
    gruForward: instance.exports!['gru_gates_forward'] as Kernel,
    gruBackward: instance.exports!['gru_gates_backward'] as Kernel,
    transpose: instance.exports!['transpose'] as Kernel,
    sumRows: instance.exports!['sum_rows'] as Kernel,
    segmentSum: instance.exports!['segment_sum'] as Kernel,
    alloc(n) {
      const at = next;
      next += Math.ceil((n * 4) / 16) * 16;
      heap.fill(Number.NaN, at / 4, at / 4 + n);
      return at;
    },
    set(at, values) {
      heap.set(values, at / 4);
    },
    get(at, n) {
      return heap.slice(at / 4, at / 4 + n);
    },
  };
}

const rng = createRng('simd-kernels');
const uniform = (n: number, scale: number) => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);

/** Largest |a - b| / max(1, |b|). */
function worstError(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let k = 0; k < expected.length; k++) {
    const e = expected[k] as number;
    const error = Math.abs((actual[k] as number) - e) / Math.max(1, Math.abs(e));
    worst = Math.max(worst, Number.isNaN(error) ? Infinity : error);
  }
  return worst;
}

// H = 4: one group of units per row; 12: three single groups; 20 and 128: four groups at a time plus the rest.
const SHAPES = [
  [1, 4],
  [3, 12],
  [2, 20],
  [5, 128],
] as const;

describe.each(['plain', 'shared'] as const)('SIMD kernels, %s memory', (kind) => {
  it.each([
    [4, 4],
    [8, 20],
    [36, 12],
  ])('transpose of a [%i, %i] matrix', (R, C) => {
    const k = harness(kind);
    const src = uniform(R * C, 1);
    const at = { src: k.alloc(R * C), dst: k.alloc(R * C), after: k.alloc(16) };
    k.set(at.src, src);
    k.transpose(at.src, at.dst, R, C);
    const dst = k.get(at.dst, R * C);
    for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) expect(dst[j * R + i]).toBe(src[i * C + j]);
    expect(k.get(at.after, 16).every(Number.isNaN)).toBe(true);
  });

  it.each([
    [1, 4],
    [7, 12],
    [300, 8],
  ])('sum over the rows of a [%i, %i] matrix, bit for bit a float32 loop in row order', (rows, width) => {
    const k = harness(kind);
    const src = uniform(rows * width, 100);
    const at = { src: k.alloc(rows * width), dst: k.alloc(width), after: k.alloc(16) };
    k.set(at.src, src);
    k.sumRows(at.src, at.dst, rows, width);
    const expected = new Float32Array(width);
    for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) expected[j] = (expected[j] as number) + (src[r * width + j] as number);
    expect(k.get(at.dst, width)).toEqual(expected);
    expect(k.get(at.after, 16).every(Number.isNaN)).toBe(true);
  });

  it('segment sum: rows added into their id\'s row in order, bit for bit; ids out of range dropped', () => {
    const k = harness(kind);
    const [rows, width, segments] = [9, 8, 4];
    const src = uniform(rows * width, 10);
    const ids = Int32Array.from([2, 0, 2, -1, 3, 2, 4, 0, 2]);
    const at = { src: k.alloc(rows * width), ids: k.alloc(rows), dst: k.alloc(segments * width), after: k.alloc(16) };
    k.set(at.src, src);
    new Int32Array(k.heap.buffer, at.ids, rows).set(ids);
    k.segmentSum(at.src, at.ids, at.dst, rows, width, segments);
    const expected = new Float32Array(segments * width);
    ids.forEach((id, r) => {
      if (id < 0 || id >= segments) return;
      for (let j = 0; j < width; j++) expected[id * width + j] = (expected[id * width + j] as number) + (src[r * width + j] as number);
    });
    expect(k.get(at.dst, segments * width)).toEqual(expected);
    expect(k.get(at.after, 16).every(Number.isNaN)).toBe(true);
  });

  it.each(SHAPES)('forward equals the JavaScript kernel (B = %i, H = %i), with pre-activations up to ±30', (B, H) => {
    const k = harness(kind);
    const [xProj, hProj, c] = [uniform(B * 4 * H, 15), uniform(B * 4 * H, 15), uniform(B * H, 3)];
    const at = { xProj: k.alloc(B * 4 * H), hProj: k.alloc(B * 4 * H), c: k.alloc(B * H) };
    k.set(at.xProj, xProj);
    k.set(at.hProj, hProj);
    k.set(at.c, c);
    const out = { h: k.alloc(B * H), c: k.alloc(B * H), saved: k.alloc(B * 5 * H), hCopy: k.alloc(B * H) };
    k.forward(at.xProj, at.hProj, at.c, out.h, out.c, out.saved, out.hCopy, B, H);

    const expected = { h: new Float32Array(B * H), c: new Float32Array(B * H), saved: new Float32Array(B * 5 * H) };
    lstmGatesForward(B, H, xProj, hProj, c, expected.h, expected.c, expected.saved);
    expect(worstError(k.get(out.saved, B * 5 * H), expected.saved)).toBeLessThan(1e-6);
    expect(worstError(k.get(out.c, B * H), expected.c)).toBeLessThan(1e-6);
    expect(worstError(k.get(out.h, B * H), expected.h)).toBeLessThan(1e-6);
    expect(k.get(out.hCopy, B * H)).toEqual(k.get(out.h, B * H));
  });

  it('forward saturates instead of overflowing, and lets NaN through', () => {
    const k = harness(kind);
    const [B, H] = [1, 8];
    // Gate pre-activations far outside exp's range in both directions, then one NaN.
    const xProj = Float32Array.from({ length: 4 * H }, (_, j) => (j % 2 === 0 ? 1e4 : -1e4));
    xProj[5] = Number.NaN;
    const at = { xProj: k.alloc(4 * H), hProj: k.alloc(4 * H), c: k.alloc(H) };
    k.set(at.xProj, xProj);
    k.set(at.hProj, new Float32Array(4 * H));
    k.set(at.c, new Float32Array(H).fill(0.5));
    const out = { h: k.alloc(H), c: k.alloc(H), saved: k.alloc(5 * H) };
    k.forward(at.xProj, at.hProj, at.c, out.h, out.c, out.saved, 0, B, H);
    const saved = k.get(out.saved, 5 * H);
    // i for units 0..7: σ(+1e4) = 1, σ(-1e4) = 0 (to within float32's smallest numbers), unit 5 NaN
    const i = Array.from(saved.slice(0, H));
    i.forEach((v, j) => {
      if (j === 5) expect(v).toBeNaN();
      else if (j % 2 === 0) expect(v).toBe(1);
      else {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThan(1e-37);
      }
    });
    // g (tanh) saturates at ±1
    expect(Array.from(saved.slice(2 * H, 3 * H))).toEqual([1, -1, 1, -1, 1, -1, 1, -1]);
    expect(Number.isNaN(k.get(out.h, H)[5])).toBe(true);
    expect(k.get(out.h, H).filter((v, j) => j !== 5 && !Number.isFinite(v))).toHaveLength(0);
  });

  it('σ and tanh within 1e-6 of Math.exp / Math.tanh over [-20, 20]', () => {
    const k = harness(kind);
    const H = 256;
    const z = Float32Array.from({ length: 4 * H }, (_, j) => -20 + (40 * (j % H)) / (H - 1));
    const at = { xProj: k.alloc(4 * H), hProj: k.alloc(4 * H), c: k.alloc(H) };
    k.set(at.xProj, z);
    k.set(at.hProj, new Float32Array(4 * H));
    k.set(at.c, new Float32Array(H));
    const out = { h: k.alloc(H), c: k.alloc(H), saved: k.alloc(5 * H) };
    k.forward(at.xProj, at.hProj, at.c, out.h, out.c, out.saved, 0, 1, H);
    const saved = k.get(out.saved, 5 * H);
    for (let j = 0; j < H; j++) {
      const x = z[j] as number;
      expect(Math.abs((saved[j] as number) - 1 / (1 + Math.exp(-x)))).toBeLessThan(1e-6);
      expect(Math.abs((saved[2 * H + j] as number) - Math.tanh(x))).toBeLessThan(1e-6);
    }
  });

  it.each(SHAPES)('backward equals the JavaScript kernel (B = %i, H = %i), with both extra gradients, the copy of dz and dzᵀ', (B, H) => {
    const k = harness(kind);
    // A real forward's activations, so i, f, g, o and tanh c' are in their ranges.
    const forwardIn = { xProj: uniform(B * 4 * H, 3), hProj: uniform(B * 4 * H, 3), c: uniform(B * H, 2) };
    const saved = new Float32Array(B * 5 * H);
    lstmGatesForward(B, H, forwardIn.xProj, forwardIn.hProj, forwardIn.c, new Float32Array(B * H), new Float32Array(B * H), saved);
    const [dh, dhExtra, dc, dcExtra] = [uniform(B * H, 1), uniform(B * H, 1), uniform(B * H, 1), uniform(B * H, 1)];
    const at = { saved: k.alloc(B * 5 * H), c: k.alloc(B * H), dh: k.alloc(B * H), dhExtra: k.alloc(B * H), dc: k.alloc(B * H), dcExtra: k.alloc(B * H) };
    k.set(at.saved, saved);
    k.set(at.c, forwardIn.c);
    k.set(at.dh, dh);
    k.set(at.dhExtra, dhExtra);
    k.set(at.dc, dc);
    k.set(at.dcExtra, dcExtra);
    // dzᵀ as one step (column block 1 of 3) of a [4H, 3B] matrix
    const steps = 3;
    const out = { dz: k.alloc(B * 4 * H), dzCopy: k.alloc(B * 4 * H), dcPrev: k.alloc(B * H), dzT: k.alloc(4 * H * steps * B) };
    k.backward(at.saved, at.c, at.dh, at.dhExtra, at.dc, at.dcExtra, out.dz, out.dzCopy, out.dcPrev, out.dzT + B * 4, steps * B * 4, B, H);

    const sum = (a: Float32Array, b: Float32Array) => a.map((v, j) => v + (b[j] as number));
    const expected = { dz: new Float32Array(B * 4 * H), dc: new Float32Array(B * H) };
    lstmGatesBackward(B, H, saved, forwardIn.c, sum(dh, dhExtra), sum(dc, dcExtra), expected.dz, expected.dc);
    const dz = k.get(out.dz, B * 4 * H);
    expect(worstError(dz, expected.dz)).toBeLessThan(1e-6);
    expect(worstError(k.get(out.dcPrev, B * H), expected.dc)).toBeLessThan(1e-6);
    expect(k.get(out.dzCopy, B * 4 * H)).toEqual(dz);
    const dzT = k.get(out.dzT, 4 * H * steps * B);
    for (let u = 0; u < 4 * H; u++) {
      for (let b = 0; b < B; b++) {
        expect(dzT[u * steps * B + B + b]).toBe(dz[b * 4 * H + u]);
        expect(Number.isNaN(dzT[u * steps * B + b])).toBe(true); // other steps' columns untouched
      }
    }
  });

  it.each(SHAPES)('GRU step forward and backward equal the JavaScript kernels (B = %i, H = %i)', (B, H) => {
    const k = harness(kind);
    const [xProj, hProj, h, dhNew] = [uniform(B * 3 * H, 10), uniform(B * 3 * H, 10), uniform(B * H, 1), uniform(B * H, 1)];
    const at = { xProj: k.alloc(B * 3 * H), hProj: k.alloc(B * 3 * H), h: k.alloc(B * H), dhNew: k.alloc(B * H) };
    k.set(at.xProj, xProj);
    k.set(at.hProj, hProj);
    k.set(at.h, h);
    k.set(at.dhNew, dhNew);
    const out = { h: k.alloc(B * H), gates: k.alloc(B * 3 * H), dxProj: k.alloc(B * 3 * H), dhProj: k.alloc(B * 3 * H), dh: k.alloc(B * H) };
    k.gruForward(at.xProj, at.hProj, at.h, out.h, out.gates, B, H);
    const expected = { h: new Float32Array(B * H), gates: new Float32Array(B * 3 * H) };
    gruGatesForward(B, H, xProj, hProj, h, expected.h, expected.gates);
    expect(worstError(k.get(out.gates, B * 3 * H), expected.gates)).toBeLessThan(1e-6);
    expect(worstError(k.get(out.h, B * H), expected.h)).toBeLessThan(1e-6);

    // The backward from the JavaScript forward's gates, so only the backward is compared.
    k.set(out.gates, expected.gates);
    k.gruBackward(out.gates, at.hProj, at.h, at.dhNew, out.dxProj, out.dhProj, out.dh, B, H);
    const grads = { dxProj: new Float32Array(B * 3 * H), dhProj: new Float32Array(B * 3 * H), dh: new Float32Array(B * H) };
    gruGatesBackward(B, H, expected.gates, hProj, h, dhNew, grads.dxProj, grads.dhProj, grads.dh);
    expect(worstError(k.get(out.dxProj, B * 3 * H), grads.dxProj)).toBeLessThan(1e-6);
    expect(worstError(k.get(out.dhProj, B * 3 * H), grads.dhProj)).toBeLessThan(1e-6);
    expect(worstError(k.get(out.dh, B * H), grads.dh)).toBeLessThan(1e-6);
  });

  it('backward without the optional pointers writes only dz and dc', () => {
    const k = harness(kind);
    const [B, H] = [2, 8];
    const saved = new Float32Array(B * 5 * H).fill(0.5);
    const at = { saved: k.alloc(B * 5 * H), c: k.alloc(B * H), dh: k.alloc(B * H), dc: k.alloc(B * H) };
    k.set(at.saved, saved);
    k.set(at.c, uniform(B * H, 1));
    k.set(at.dh, uniform(B * H, 1));
    k.set(at.dc, uniform(B * H, 1));
    const out = { dz: k.alloc(B * 4 * H), dcPrev: k.alloc(B * H) };
    const untouched = k.alloc(64);
    k.backward(at.saved, at.c, at.dh, 0, at.dc, 0, out.dz, 0, out.dcPrev, 0, 0, B, H);
    const expected = { dz: new Float32Array(B * 4 * H), dc: new Float32Array(B * H) };
    lstmGatesBackward(B, H, saved, k.get(at.c, B * H), k.get(at.dh, B * H), k.get(at.dc, B * H), expected.dz, expected.dc);
    expect(worstError(k.get(out.dz, B * 4 * H), expected.dz)).toBeLessThan(1e-6);
    expect(worstError(k.get(out.dcPrev, B * H), expected.dc)).toBeLessThan(1e-6);
    expect(k.get(untouched, 64).every(Number.isNaN)).toBe(true);
  });
});

describe('the committed SIMD binaries', () => {
  it('are what scripts/build-simd-kernels.ts makes from kernels-source.ts (run `npm run build:simd-kernels` after editing it)', async () => {
    expect(fs.readFileSync(GENERATED_PATH, 'utf8')).toBe(generatedModuleText(await assembleKernels()));
  });
});
