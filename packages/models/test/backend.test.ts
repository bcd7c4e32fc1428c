import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { backendChoiceFromEnv, BackendUnavailableError, DEFAULT_INTRA_OP_THREADS, initBackend, intraOpThreadsFromEnv } from '@bptt/models';
import { tryLoadNativeTensorflow } from '../src/native/index.ts';

describe('initBackend', () => {
  it('cpu and wasm start on request and say what runs', async () => {
    const cpu = await initBackend('cpu');
    expect(cpu).toMatchObject({ name: 'cpu', requested: 'cpu', reason: "requested 'cpu'", versions: { tfjsCore: '4.22.0', backend: '4.22.0' } });
    expect(tf.getBackend()).toBe('cpu');
    const wasm = await initBackend('wasm');
    expect(wasm.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(wasm.wasm?.threads).toBeGreaterThanOrEqual(1);
    expect(wasm.wasm?.kernelFixes.join('; ')).toMatch(/UnsortedSegmentSum.*BatchMatMul transpose/);
    // Plain JSON: it goes into every result file.
    expect(JSON.parse(JSON.stringify(wasm))).toEqual(wasm);
    // Gradients are registered by initBackend (tfjs-core ships them separately).
    expect(tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([3])).dataSync()[0]).toBe(6);
  });

  it('auto prefers native TensorFlow, else wasm, and records why', async () => {
    const native = tryLoadNativeTensorflow();
    const info = await initBackend('auto');
    if (native.available) {
      expect(info.name).toBe('tensorflow');
    } else {
      expect(info.name).toBe('wasm');
      expect(info.attempts[0]).toMatchObject({ backend: 'tensorflow', ok: false });
      expect(info.reason).toMatch(/^auto: 'tensorflow' unavailable \(.+\); using 'wasm'$/);
    }
  });

  it('a forced backend that cannot start is a clear error', async () => {
    if (tryLoadNativeTensorflow().available) return; // nothing to test where tfjs-node is installed
    await expect(initBackend('tensorflow')).rejects.toThrow(BackendUnavailableError);
    await expect(initBackend('tensorflow')).rejects.toThrow(/backend 'tensorflow' was requested but cannot start: .*tfjs-node/);
  });

  it('BPTT_BACKEND selects the backend; a bad value is named', () => {
    expect(backendChoiceFromEnv({ BPTT_BACKEND: 'wasm' })).toBe('wasm');
    expect(backendChoiceFromEnv({}, 'cpu')).toBe('cpu');
    expect(() => backendChoiceFromEnv({ BPTT_BACKEND: 'gpu' })).toThrow("BPTT_BACKEND must be one of auto, tensorflow, wasm, cpu, got 'gpu'");
  });

  it("TF_NUM_INTRAOP_THREADS: one thread per native kernel unless set; a bad value stops initBackend, named", async () => {
    expect(intraOpThreadsFromEnv({})).toBe(DEFAULT_INTRA_OP_THREADS);
    expect(DEFAULT_INTRA_OP_THREADS).toBe(1);
    expect(intraOpThreadsFromEnv({ TF_NUM_INTRAOP_THREADS: '4' })).toBe(4);
    expect(intraOpThreadsFromEnv({ TF_NUM_INTRAOP_THREADS: '0' })).toBe(0);
    expect(() => intraOpThreadsFromEnv({ TF_NUM_INTRAOP_THREADS: 'two' })).toThrow(
      "TF_NUM_INTRAOP_THREADS must be a whole number (0 = one thread per core), got 'two'",
    );
    const saved = process.env['TF_NUM_INTRAOP_THREADS'];
    process.env['TF_NUM_INTRAOP_THREADS'] = '-1';
    try {
      // Not a reason to fall back to wasm: the user asked for something that cannot be.
      await expect(initBackend('auto')).rejects.toThrow("TF_NUM_INTRAOP_THREADS must be a whole number (0 = one thread per core), got '-1'");
    } finally {
      if (saved === undefined) delete process.env['TF_NUM_INTRAOP_THREADS'];
      else process.env['TF_NUM_INTRAOP_THREADS'] = saved;
    }
  });
});
