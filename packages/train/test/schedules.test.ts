import { describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../src/config.ts';
import { initialPlateauState, learningRateAt, teacherForcingRatioAt, updatePlateau, type PlateauState } from '../src/schedules.ts';

const lrSchedule = (input: unknown) => parseTrainConfig({ lrSchedule: input }).lrSchedule;
const tfSchedule = (input: unknown) => parseTrainConfig({ teacherForcing: input }).teacherForcing;

describe('learning-rate schedules', () => {
  it('constant', () => {
    expect(learningRateAt(lrSchedule({ type: 'constant' }), 0.01, 0, 100)).toBe(0.01);
    expect(learningRateAt(lrSchedule({ type: 'constant' }), 0.01, 99, 100)).toBe(0.01);
  });

  it('step: lr * gamma^floor(step / stepSize)', () => {
    const schedule = lrSchedule({ type: 'step', stepSize: 10, gamma: 0.5 });
    expect(learningRateAt(schedule, 0.1, 0, 100)).toBe(0.1);
    expect(learningRateAt(schedule, 0.1, 9, 100)).toBe(0.1);
    expect(learningRateAt(schedule, 0.1, 10, 100)).toBe(0.05);
    expect(learningRateAt(schedule, 0.1, 25, 100)).toBe(0.025);
  });

  it('exponential: lr * gamma^step', () => {
    const schedule = lrSchedule({ type: 'exponential', gamma: 0.9 });
    expect(learningRateAt(schedule, 1, 0, 100)).toBe(1);
    expect(learningRateAt(schedule, 1, 1, 100)).toBeCloseTo(0.9, 15);
    expect(learningRateAt(schedule, 2, 3, 100)).toBeCloseTo(2 * 0.729, 15);
  });

  it('linear: warmup (step+1)/(warmup+1), then a straight line to minLr at the end of the run', () => {
    const schedule = lrSchedule({ type: 'linear', warmupSteps: 4, minLr: 0.1 });
    const at = (step: number) => learningRateAt(schedule, 1, step, 14);
    expect(at(0)).toBeCloseTo(1 / 5, 15);
    expect(at(3)).toBeCloseTo(4 / 5, 15);
    expect(at(4)).toBe(1); // peak right after warmup
    expect(at(9)).toBeCloseTo(1 + (0.1 - 1) * 0.5, 15); // halfway through the 10 decay steps
    expect(at(14)).toBe(0.1);
    expect(at(20)).toBe(0.1);
    const fixedDecay = lrSchedule({ type: 'linear', warmupSteps: 0, decaySteps: 4 });
    expect(learningRateAt(fixedDecay, 1, 1, 1000)).toBeCloseTo(0.75, 15);
    expect(learningRateAt(fixedDecay, 1, 4, 1000)).toBe(0);
  });

  it('plateau: cuts by factor after more than `patience` evaluations without relative improvement', () => {
    const schedule = lrSchedule({ type: 'plateau', factor: 0.5, patience: 1, threshold: 0.01, cooldown: 1, minLr: 0.2 });
    if (schedule.type !== 'plateau') throw new Error('parsed the wrong schedule');
    let state: PlateauState = initialPlateauState(1);
    const lrs: number[] = [];
    // 1.0 best; 0.995 is not 1% better (bad 1); 0.995 again (bad 2 > 1: cut to 0.5, cooldown 1);
    // 2.0 in cooldown (bad reset); 2.0 (bad 1); 2.0 (bad 2: cut to 0.25); 2.0 cooldown; 2.0; 2.0 (floor 0.2).
    for (const loss of [1.0, 0.995, 0.995, 2, 2, 2, 2, 2, 2, 2, 2, 2]) {
      state = updatePlateau(schedule, state, loss);
      lrs.push(learningRateAt(schedule, 1, 0, 1, state));
    }
    expect(lrs).toEqual([1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2]);
    expect(state.best).toBe(1);
  });

  it('plateau without its state is an error, not a silent constant', () => {
    expect(() => learningRateAt(lrSchedule({ type: 'plateau' }), 1, 0, 10)).toThrow(/PlateauState/);
  });
});

describe('teacher-forcing schedules (Bengio et al. 2015)', () => {
  it('constant', () => {
    expect(teacherForcingRatioAt(tfSchedule({ type: 'constant', ratio: 0.3 }), 1234)).toBe(0.3);
    expect(teacherForcingRatioAt(parseTrainConfig({}).teacherForcing, 0)).toBe(1);
  });

  it('linear: max(eps, k - c i)', () => {
    const schedule = tfSchedule({ type: 'linear', k: 1, c: 0.01, min: 0.25 });
    expect(teacherForcingRatioAt(schedule, 0)).toBe(1);
    expect(teacherForcingRatioAt(schedule, 50)).toBeCloseTo(0.5, 15);
    expect(teacherForcingRatioAt(schedule, 75)).toBeCloseTo(0.25, 15);
    expect(teacherForcingRatioAt(schedule, 500)).toBe(0.25);
  });

  it('exponential: k^i', () => {
    const schedule = tfSchedule({ type: 'exponential', k: 0.99 });
    expect(teacherForcingRatioAt(schedule, 0)).toBe(1);
    expect(teacherForcingRatioAt(schedule, 100)).toBeCloseTo(0.3660323412732292, 12);
  });

  it('inverse sigmoid: k / (k + exp(i / k))', () => {
    const schedule = tfSchedule({ type: 'inverseSigmoid', k: 10 });
    expect(teacherForcingRatioAt(schedule, 0)).toBeCloseTo(10 / 11, 15);
    // Halfway point where exp(i/k) = k: i = k ln k.
    expect(teacherForcingRatioAt(schedule, 10 * Math.log(10))).toBeCloseTo(0.5, 12);
    expect(teacherForcingRatioAt(schedule, 100)).toBeCloseTo(10 / (10 + Math.exp(10)), 15);
  });
});
