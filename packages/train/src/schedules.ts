/**
 * Learning-rate and teacher-forcing schedules as pure functions of the 0-based optimizer step, so a resumed run
 * recomputes them instead of storing them. The plateau schedule is the one exception: it reacts to validation
 * losses, so its small state travels in the checkpoint.
 */
import type { LrScheduleConfig, TeacherForcingConfig } from './config.ts';

/** ReduceLROnPlateau's memory (PyTorch names): the current rate, the best loss so far, the two counters. */
export interface PlateauState {
  readonly lr: number;
  /** Best validation loss seen; null before the first evaluation (PyTorch starts from +inf). */
  readonly best: number | null;
  readonly badEvaluations: number;
  readonly cooldownLeft: number;
}

export function initialPlateauState(baseLr: number): PlateauState {
  return { lr: baseLr, best: null, badEvaluations: 0, cooldownLeft: 0 };
}

/**
 * The learning rate for optimizer step `step` of a run of `totalSteps` steps. `plateau` is required by (and only
 * read for) the plateau schedule.
 */
export function learningRateAt(
  schedule: LrScheduleConfig,
  baseLr: number,
  step: number,
  totalSteps: number,
  plateau?: PlateauState,
): number {
  switch (schedule.type) {
    case 'constant':
      return baseLr;
    case 'step':
      return baseLr * schedule.gamma ** Math.floor(step / schedule.stepSize);
    case 'exponential':
      return baseLr * schedule.gamma ** step;
    case 'linear': {
      // (step + 1) so that the first step already moves (nanoGPT); step 0 at lr 0 would be a wasted step.
      if (step < schedule.warmupSteps) return (baseLr * (step + 1)) / (schedule.warmupSteps + 1);
      const decaySteps = schedule.decaySteps ?? Math.max(1, totalSteps - schedule.warmupSteps);
      const progress = (step - schedule.warmupSteps) / decaySteps;
      if (progress >= 1) return schedule.minLr;
      return baseLr + (schedule.minLr - baseLr) * progress;
    }
    case 'plateau':
      if (plateau === undefined) throw new Error('learningRateAt: the plateau schedule needs its PlateauState');
      return plateau.lr;
  }
}

/** One ReduceLROnPlateau update (mode 'min') with a new validation loss; torch.optim.lr_scheduler semantics. */
export function updatePlateau(
  schedule: Extract<LrScheduleConfig, { type: 'plateau' }>,
  state: PlateauState,
  validLoss: number,
): PlateauState {
  const best = state.best ?? Number.POSITIVE_INFINITY;
  const improved =
    schedule.thresholdMode === 'rel' ? validLoss < best * (1 - schedule.threshold) : validLoss < best - schedule.threshold;
  let badEvaluations = improved ? 0 : state.badEvaluations + 1;
  let cooldownLeft = state.cooldownLeft;
  if (cooldownLeft > 0) {
    cooldownLeft -= 1;
    badEvaluations = 0;
  }
  let lr = state.lr;
  if (badEvaluations > schedule.patience) {
    const reduced = Math.max(lr * schedule.factor, schedule.minLr);
    // PyTorch ignores reductions smaller than eps=1e-8, so a rate at its floor stays put.
    if (lr - reduced > 1e-8) lr = reduced;
    cooldownLeft = schedule.cooldown;
    badEvaluations = 0;
  }
  return { lr, best: improved ? validLoss : state.best, badEvaluations, cooldownLeft };
}

/** Probability of feeding the gold token at optimizer step i (Bengio et al. 2015, section 2.4). */
export function teacherForcingRatioAt(schedule: TeacherForcingConfig, i: number): number {
  switch (schedule.type) {
    case 'constant':
      return schedule.ratio;
    case 'linear':
      return Math.max(schedule.min, schedule.k - schedule.c * i);
    case 'exponential':
      return schedule.k ** i;
    case 'inverseSigmoid':
      return schedule.k / (schedule.k + Math.exp(i / schedule.k));
  }
}
