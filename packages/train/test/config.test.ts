import { describe, expect, it } from 'vitest';
import { parseTrainConfig, trainConfigSchema } from '../src/config.ts';
import { TrainConfigError } from '../src/errors.ts';

describe('train config', () => {
  it('fills every default, nested sections included', () => {
    expect(parseTrainConfig({})).toEqual({
      seed: 0,
      batchSize: 32,
      epochs: 10,
      optimizer: { type: 'adam', lr: 0.001, betas: [0.9, 0.999], eps: 1e-8 },
      lrSchedule: { type: 'constant' },
      bptt: { mode: 'full' },
      clip: { mode: 'norm', max: 1 },
      teacherForcing: { type: 'constant', ratio: 1 },
      evalEvery: 100,
      earlyStopping: { enabled: false, patience: 5, minDelta: 0, restoreBestWeights: true },
      checkpointEvery: 500,
      diagnostics: { every: 100, batchSize: 8, streamSteps: 50 },
    });
  });

  it('fills the defaults of a chosen variant', () => {
    const config = parseTrainConfig({
      optimizer: { type: 'sgd' },
      bptt: { mode: 'truncated' },
      teacherForcing: { type: 'inverseSigmoid' },
    });
    expect(config.optimizer).toEqual({ type: 'sgd', lr: 0.1, momentum: 0, nesterov: false });
    expect(config.bptt).toEqual({ mode: 'truncated', k1: 35, k2: 35 });
    expect(config.teacherForcing).toEqual({ type: 'inverseSigmoid', k: 1000 });
  });

  it('k1 defaults to k2', () => {
    expect(parseTrainConfig({ bptt: { mode: 'truncated', k2: 20 } }).bptt).toEqual({ mode: 'truncated', k1: 20, k2: 20 });
  });

  it('a parsed config parses to itself', () => {
    const config = parseTrainConfig({ bptt: { mode: 'truncated', k1: 5, k2: 9 }, lrSchedule: { type: 'plateau' } });
    expect(parseTrainConfig(config)).toEqual(config);
  });

  it('errors name the source, the field and the value', () => {
    const error = (input: unknown): TrainConfigError => {
      try {
        parseTrainConfig(input, 'runs/lm.json');
      } catch (e) {
        if (e instanceof TrainConfigError) return e;
      }
      throw new Error('expected a TrainConfigError');
    };
    const lr = error({ optimizer: { type: 'adam', lr: -1 } });
    expect(lr.message).toContain('runs/lm.json');
    expect(lr.issues).toEqual([expect.stringMatching(/^optimizer\.lr: .*\(got -1\)$/)]);
    expect(error({ bptt: { mode: 'truncated', k1: 50, k2: 10 } }).issues).toEqual([
      expect.stringMatching(/^bptt\.k2: bptt\.k2 must be >= bptt\.k1.*\(got 10\)$/),
    ]);
    expect(error({ clip: { mode: 'nrm' } }).issues).toEqual([expect.stringMatching(/^clip\.mode: .*\(got "nrm"\)$/)]);
    expect(error({ lerningRate: 1 }).issues).toEqual([expect.stringMatching(/^\(root\): .*lerningRate/)]);
    expect(error({ teacherForcing: { type: 'linear', min: 2 } }).issues).toEqual([
      expect.stringMatching(/^teacherForcing\.min: .*\(got 2\)$/),
    ]);
    expect(error({ batchSize: 0, epochs: 1.5 }).issues).toHaveLength(2);
  });

  it('the schema is exported for embedding in larger configs', () => {
    expect(trainConfigSchema.safeParse({ seed: 'x' }).success).toBe(false);
  });
});
