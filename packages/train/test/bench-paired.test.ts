import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GatedSide } from '../bench/gated-side.ts';
import { binomialHalfCdf, comparePaired, medianConfidenceInterval, roundOrder, roundsPerLife } from '../bench/paired-stats.ts';
import { benchConfig } from '../bench/configs.ts';
import { gatedTorchCommand } from '../bench/torch-peer.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');

describe('paired bench statistics', () => {
  it('binomial(n, 1/2) cdf is exact', () => {
    // 15 rounds: P(X <= 3) = (1 + 15 + 105 + 455) / 2^15, P(X <= 4) adds C(15, 4) = 1365.
    expect(binomialHalfCdf(3, 15)).toBeCloseTo(576 / 32768, 15);
    expect(binomialHalfCdf(4, 15)).toBeCloseTo(1941 / 32768, 15);
    expect(binomialHalfCdf(-1, 15)).toBe(0);
    expect(binomialHalfCdf(15, 15)).toBe(1);
  });

  it('the 95% interval of a median of 15 values is the 4th to the 12th smallest', () => {
    const values = [9, 1, 14, 2, 13, 3, 12, 4, 11, 5, 10, 6, 15, 7, 8];
    const interval = medianConfidenceInterval(values);
    expect(interval).toEqual({ low: 4, high: 12, coverage: 1 - 2 * (576 / 32768) });
    // Five values cannot give 95% (the widest interval covers 1 - 2/32 = 93.75%).
    expect(medianConfidenceInterval([1, 2, 3, 4, 5])).toBeUndefined();
    expect(medianConfidenceInterval([1, 2, 3, 4, 5], 0.9)?.coverage).toBe(1 - 2 / 32);
  });

  it('a verdict needs the whole interval on one side of 1.0x', () => {
    const ours = Array.from({ length: 15 }, () => 10);
    // Theirs slower in 12 of 15 rounds, the 4th smallest ratio above 1: faster.
    const faster = comparePaired(ours, [8, 9, 9.5, 11, 11, 11, 12, 12, 12, 12, 13, 13, 13, 14, 20]);
    expect(faster.verdict).toBe('faster');
    expect(faster.wins).toBe(12);
    expect(faster.median).toBeCloseTo(1.2, 12);
    expect(faster.signTestP).toBeCloseTo(1 - binomialHalfCdf(11, 15), 15);
    // Two rounds more in which ours was slower put the interval's low end below 1: parity within noise.
    const parity = comparePaired(ours, [8, 9, 9.5, 9.8, 9.9, 11, 12, 12, 12, 12, 13, 13, 13, 14, 20]);
    expect(parity.verdict).toBe('parity within noise');
    const slower = comparePaired(ours, ours.map((x, k) => x * (0.8 + k / 100)));
    expect(slower.verdict).toBe('slower');
    expect(slower.wins).toBe(0);
    expect(() => comparePaired([1, 2], [1])).toThrow(/same, non-zero number of rounds \(got 2 and 1\)/);
  });

  it('rotates the window order from round to round, and splits the rounds between sets of processes', () => {
    expect([0, 1, 2, 3].map((round) => roundOrder(['a', 'b', 'c'], round).join(''))).toEqual(['abc', 'bca', 'cab', 'abc']);
    expect([0, 1, 2].map((life) => roundsPerLife({ windows: 15, lives: 3 }, life))).toEqual([5, 5, 5]);
    expect([0, 1, 2].map((life) => roundsPerLife({ windows: 11, lives: 3 }, life))).toEqual([4, 4, 3]);
  });
});

describe('paired bench gates', () => {
  it("the PyTorch peer's gate times its steps, not the wait, and ignores other callers of perf_counter", async () => {
    const script = resolve(import.meta.dirname, 'fixtures', 'fake_torch_peer.py');
    const { command, args } = gatedTorchCommand(script, benchConfig('reference'), 'fused', { windowSteps: 3, windows: 2, warmup: 1, threads: 1 });
    const side = new GatedSide('fake peer', command, args, { cwd: REPO_ROOT });
    try {
      await side.ready();
      await new Promise((done) => setTimeout(done, 300)); // a wait at the gate, never timed
      for (let w = 0; w < 2; w++) {
        const window = await side.runWindow();
        expect(window.stepMs).toHaveLength(3);
        for (const ms of window.stepMs) {
          expect(ms).toBeGreaterThanOrEqual(15);
          expect(ms).toBeLessThan(200);
        }
      }
    } finally {
      await side.stop();
    }
    expect(side.windows).toHaveLength(2);
  }, 30_000);

  it('our side (run-case.ts --gate) trains windows of steps with the training loop, and stops when told', async () => {
    const side = new GatedSide(
      'wasm / product',
      process.execPath,
      ['--conditions=@bptt/source', '--import', 'tsx', resolve(REPO_ROOT, 'packages/train/bench/run-case.ts'), '--backend', 'wasm', '--config', 'reference', '--paths', 'product', '--warmup', '1', '--gate', '2', '--windows', '2'],
      { cwd: REPO_ROOT },
    );
    try {
      await side.ready();
      await new Promise((done) => setTimeout(done, 300));
      const first = await side.runWindow();
      expect(first.stepMs).toHaveLength(2);
      expect(first.steps).toBe(3);
      expect(Math.max(...first.stepMs)).toBeLessThan(300 + Math.min(...first.stepMs)); // the gate's wait is not in a step
      expect(first.cpuMsPerStep).toBeGreaterThan(0);
      const second = await side.runWindow();
      expect(second.steps).toBe(5);
    } finally {
      await side.stop();
    }
    expect(JSON.parse(side.backendLine ?? '{}').backend).toBe('wasm');
  }, 120_000);
});
