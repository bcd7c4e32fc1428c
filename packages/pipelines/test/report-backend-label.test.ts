import { describe, expect, it } from 'vitest';
import type { LoadedRun } from '../src/stages/report/load.ts';
import { backendLabel, runBackendLabel } from '../src/stages/report/sections/common.ts';

const run = (summary: Partial<LoadedRun['summary']>) => ({ summary: { backend: 'tensorflow', intraOpThreads: 1, steps: 400, ...summary } }) as unknown as LoadedRun;

describe('the backend a run trained on, as the report words it', () => {
  it('names graph steps only where some were tried', () => {
    expect(runBackendLabel(run({ nativeGraph: { policy: 'auto', graphSteps: 397, eagerSteps: 3 } }))).toBe('tensorflow, 1 thread per kernel, 397 of 400 steps as graphs');
    // Dropout: three steps traced, their graphs differed, the rest ran op by op.
    expect(runBackendLabel(run({ nativeGraph: { policy: 'auto', graphSteps: 0, eagerSteps: 3, stoppedBecause: 'traces differ' } }))).toBe('tensorflow, 1 thread per kernel, 0 of 400 steps as graphs');
    // Sampled decoder inputs: never traced.
    expect(runBackendLabel(run({ nativeGraph: { policy: 'auto', graphSteps: 0, eagerSteps: 0 } }))).toBe('tensorflow, 1 thread per kernel');
    expect(runBackendLabel(run({ backend: 'wasm', intraOpThreads: undefined }))).toBe('wasm');
    expect(backendLabel(run({ nativeGraph: { policy: 'auto', graphSteps: 397, eagerSteps: 3 } }))).toBe('tensorflow, 1 thread per kernel');
  });
});
