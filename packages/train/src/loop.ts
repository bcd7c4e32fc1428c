/**
 * The training loop shared by seq2seq and stream training, in the order things happen at every step:
 * schedule -> forward/backward -> divergence check -> clip -> update -> log -> evaluate / early stop -> diagnose ->
 * checkpoint. What a step computes (which batch, which BPTT window) is the task's business (TrainingTask).
 */
import * as tf from '@tensorflow/tfjs-core';
import { stableStringify } from '@bptt/data';
import type { BestSoFar, Checkpoint, CheckpointStore, RunFingerprint } from './checkpoint.ts';
import { CHECKPOINT_FORMAT } from './checkpoint.ts';
import { clipGradients, clipGradientTensors } from './clipping.ts';
import type { TrainConfig } from './config.ts';
import { CheckpointMismatchError, DivergenceError, TrainConfigError } from './errors.ts';
import type { EvaluationRecord, StepRecord, TrainExecution, TrainResult } from './history.ts';
import { createOptimizer, type ComputedUpdate, type UpdatePlan } from './optimizers.ts';
import { Throughput, type Clock, type OnProgress } from './progress.ts';
import { initialPlateauState, learningRateAt, updatePlateau, type PlateauState } from './schedules.ts';
import { assignAll, sameShape, serializeTensor, type SerializedTensor } from './tensors.ts';

/** What one optimizer step of a task produced; the loop owns (and disposes) `grads`. */
export interface StepOutcome {
  /** NLL summed over the counted target tokens, and their number: loss = nllSum / tokens. */
  readonly nllSum: number;
  readonly tokens: number;
  readonly grads: tf.Tensor[];
  readonly teacherForcingRatio?: number;
  /**
   * Present when the task ran the StepUpdate it was given itself (one TensorFlow graph for forward, backward,
   * clipping and optimizer); `grads` is then empty. The loop commits the update once the step passes its checks.
   */
  readonly updated?: { readonly update: ComputedUpdate; readonly norm: number; readonly clipped: boolean };
}

/**
 * Clipping and the optimizer's next update as tensor math, for a task that computes whole steps at once. Offered to
 * the task as a function, so a step that does not take it prepares nothing.
 */
export interface StepUpdate {
  /** Tensors the update reads besides the weights and gradients (inputs of a traced step). */
  readonly reads: readonly tf.Tensor[];
  compute(grads: readonly tf.Tensor[]): { readonly update: ComputedUpdate; readonly norm: tf.Scalar; readonly clipped: tf.Scalar };
}

export interface StepContext {
  /** 0-based optimizer step; every random draw of the step derives from (seed, step). */
  readonly step: number;
  readonly epoch: number;
  /** Position of this step in its epoch. */
  readonly indexInEpoch: number;
}

/** One kind of training (seq2seq batches, TBPTT over streams) as the loop sees it. */
export interface TrainingTask<Flow> {
  readonly kind: 'seq2seq' | 'stream';
  readonly variables: readonly tf.Variable[];
  readonly stepsPerEpoch: number;
  /** Hash of the data the run trains and validates on (part of the checkpoint fingerprint). */
  readonly dataHash: string;
  readonly hasValidation: boolean;
  /**
   * Loss and gradients of one step; or, when the task can, the whole update: it then calls `takeUpdate` and returns
   * StepOutcome.updated.
   */
  computeStep(context: StepContext, takeUpdate?: () => StepUpdate): StepOutcome;
  /** How the steps ran, when something other than eager tfjs ops ran them. */
  execution?(): TrainExecution | undefined;
  /** Validation NLL sum and token count, or undefined without a validation split. */
  evaluate(): { readonly nllSum: number; readonly tokens: number } | undefined;
  /** Gradient flow through time on the fixed diagnostic batch, labelled with `stepsDone`. */
  gradientFlow(stepsDone: number): Flow;
  /** State carried from one step to the next besides the weights (streams: the recurrent state). */
  carriedState(): readonly SerializedTensor[] | undefined;
  restoreCarriedState(state: readonly SerializedTensor[] | undefined): void;
  dispose(): void;
}

export interface LoopOptions<Flow> {
  readonly task: TrainingTask<Flow>;
  readonly config: TrainConfig;
  readonly store?: CheckpointStore;
  readonly onProgress?: OnProgress;
  readonly clock?: Clock;
}

export async function runTrainingLoop<Flow>(options: LoopOptions<Flow>): Promise<TrainResult<Flow>> {
  const { task, config, store, onProgress } = options;
  const variables = task.variables;
  checkConfigFitsTask(config, task);

  const totalSteps = Math.min(config.epochs * task.stepsPerEpoch, config.maxSteps ?? Number.POSITIVE_INFINITY);
  const fingerprint = runFingerprint(config, task);
  const optimizer = createOptimizer(config.optimizer, variables);
  const throughput = new Throughput(options.clock ?? (() => performance.now()));

  // Everything below is what a checkpoint saves.
  let stepsDone = 0;
  let plateau: PlateauState | undefined =
    config.lrSchedule.type === 'plateau' ? initialPlateauState(config.optimizer.lr) : undefined;
  let best: BestSoFar | null = null;
  let evaluationsWithoutImprovement = 0;
  let pending = { nllSum: 0, tokens: 0 };
  let stoppedEarly = false;
  const steps: StepRecord[] = [];
  const evaluations: EvaluationRecord[] = [];
  const diagnostics: Flow[] = [];

  const result = (): TrainResult<Flow> => ({
    history: { steps, evaluations },
    diagnostics,
    steps: stepsDone,
    stoppedEarly,
    bestStep: best?.step ?? null,
    bestValidLoss: best?.validLoss ?? null,
    tokensPerSecond: throughput.tokensPerSecond(),
    ...withExecution(task.execution?.()),
  });

  const checkpoint = (done: boolean): Checkpoint<Flow> => {
    const carriedState = task.carriedState();
    return {
      format: CHECKPOINT_FORMAT,
      task: task.kind,
      fingerprint,
      step: stepsDone,
      done,
      stoppedEarly,
      weights: variables.map(serializeTensor),
      optimizer: optimizer.state(),
      ...(plateau === undefined ? {} : { plateau }),
      best,
      evaluationsWithoutImprovement,
      pendingTrainLoss: pending,
      // Copies: a store may hold on to the object while training goes on.
      history: { steps: [...steps], evaluations: [...evaluations] },
      diagnostics: [...diagnostics],
      ...(carriedState === undefined ? {} : { carriedState }),
    };
  };

  try {
    const saved = (await store?.load()) as Checkpoint<Flow> | undefined;
    if (saved !== undefined) {
      checkCheckpointFits(saved, task.kind, fingerprint);
      assignAll(variables, saved.weights, 'checkpoint weights');
      optimizer.restore(saved.optimizer);
      task.restoreCarriedState(saved.carriedState);
      stepsDone = saved.step;
      plateau = saved.plateau;
      best = saved.best;
      evaluationsWithoutImprovement = saved.evaluationsWithoutImprovement;
      pending = saved.pendingTrainLoss;
      stoppedEarly = saved.stoppedEarly;
      steps.push(...saved.history.steps);
      evaluations.push(...saved.history.evaluations);
      diagnostics.push(...saved.diagnostics);
      if (saved.done) return result();
    } else if (config.diagnostics.every > 0) {
      diagnostics.push(task.gradientFlow(0));
    }

    for (let step = stepsDone; step < totalSteps; step++) {
      const context: StepContext = {
        step,
        epoch: Math.floor(step / task.stepsPerEpoch),
        indexInEpoch: step % task.stepsPerEpoch,
      };
      const learningRate = learningRateAt(config.lrSchedule, config.optimizer.lr, step, totalSteps, plateau);
      const startedAt = options.clock?.() ?? performance.now();

      // Prepared only if the task takes it (a step computed as one graph): its scalars are tensors.
      let plan: UpdatePlan | undefined;
      const planUpdate = optimizer.plan;
      const takeUpdate = planUpdate === undefined ? undefined : () => stepUpdate((plan = planUpdate(learningRate)), config);
      const outcome = task.computeStep(context, takeUpdate);
      let clip: { readonly grads: readonly tf.Tensor[]; readonly norm: number; readonly clipped: boolean } | undefined;
      let committed = false;
      try {
        const loss = outcome.tokens > 0 ? outcome.nllSum / outcome.tokens : 0;
        if (!Number.isFinite(loss)) throw new DivergenceError(step, 'loss', loss, { steps: [...steps], evaluations: [...evaluations] });
        clip =
          outcome.updated === undefined
            ? clipGradients(outcome.grads, config.clip)
            : { grads: [], norm: outcome.updated.norm, clipped: outcome.updated.clipped };
        if (!Number.isFinite(clip.norm)) throw new DivergenceError(step, 'gradNorm', clip.norm, { steps: [...steps], evaluations: [...evaluations] });
        if (outcome.updated === undefined) {
          optimizer.apply(clip.grads, learningRate);
        } else {
          (plan as UpdatePlan).commit(outcome.updated.update);
          committed = true;
        }
        steps.push({
          step,
          epoch: context.epoch,
          loss,
          tokens: outcome.tokens,
          learningRate,
          ...(outcome.teacherForcingRatio === undefined ? {} : { teacherForcingRatio: outcome.teacherForcingRatio }),
          gradNorm: clip.norm,
          clipped: clip.clipped,
        });
      } finally {
        tf.dispose(outcome.grads);
        if (clip !== undefined) tf.dispose([...clip.grads]);
        if (outcome.updated !== undefined && !committed) tf.dispose([...outcome.updated.update.weights, ...outcome.updated.update.state]);
        plan?.dispose();
      }
      throughput.recordStep(startedAt, outcome.tokens);
      pending = { nllSum: pending.nllSum + outcome.nllSum, tokens: pending.tokens + outcome.tokens };
      stepsDone = step + 1;
      const last = stepsDone === totalSteps;

      let evaluation: EvaluationRecord | undefined;
      if (stepsDone % config.evalEvery === 0 || last) {
        const valid = task.evaluate();
        const validLoss = valid === undefined ? undefined : valid.nllSum / Math.max(valid.tokens, 1);
        if (validLoss !== undefined && !Number.isFinite(validLoss)) {
          throw new DivergenceError(step, 'validLoss', validLoss, { steps: [...steps], evaluations: [...evaluations] });
        }
        if (validLoss !== undefined) {
          if (best === null || validLoss < best.validLoss - config.earlyStopping.minDelta) {
            best = {
              step: stepsDone,
              validLoss,
              ...(config.earlyStopping.restoreBestWeights ? { weights: variables.map(serializeTensor) } : {}),
            };
            evaluationsWithoutImprovement = 0;
          } else {
            evaluationsWithoutImprovement += 1;
          }
          if (plateau !== undefined && config.lrSchedule.type === 'plateau') {
            plateau = updatePlateau(config.lrSchedule, plateau, validLoss);
          }
          stoppedEarly =
            config.earlyStopping.enabled && evaluationsWithoutImprovement >= config.earlyStopping.patience && !last;
        }
        const trainLoss = pending.nllSum / Math.max(pending.tokens, 1);
        evaluation = {
          step: stepsDone,
          trainLoss,
          trainPerplexity: Math.exp(trainLoss),
          ...(validLoss === undefined ? {} : { validLoss, validPerplexity: Math.exp(validLoss) }),
          learningRate: learningRateAt(config.lrSchedule, config.optimizer.lr, stepsDone, totalSteps, plateau),
        };
        evaluations.push(evaluation);
        pending = { nllSum: 0, tokens: 0 };
      }

      const finishing = last || stoppedEarly;
      const every = config.diagnostics.every;
      if (every > 0 && (stepsDone % every === 0 || finishing)) diagnostics.push(task.gradientFlow(stepsDone));

      onProgress?.({
        step: stepsDone,
        totalSteps,
        epoch: context.epoch,
        loss: steps[steps.length - 1]?.loss ?? 0,
        learningRate,
        tokensPerSecond: throughput.tokensPerSecond(),
        etaSeconds: throughput.etaSeconds(totalSteps - stepsDone),
        ...(evaluation === undefined ? {} : { evaluation }),
        ...withExecution(task.execution?.()),
      });

      if (finishing) break;
      if (store !== undefined && stepsDone % config.checkpointEvery === 0) await store.save(checkpoint(false));
    }

    // Early stopping's promise: the model ends with the weights of its best validation loss, not its last.
    if (config.earlyStopping.restoreBestWeights && best?.weights !== undefined) {
      assignAll(variables, best.weights, 'best weights');
    }
    if (store !== undefined) await store.save(checkpoint(true));
    return result();
  } finally {
    optimizer.dispose();
    task.dispose();
  }
}

function stepUpdate(plan: UpdatePlan, config: TrainConfig): StepUpdate {
  return {
    reads: plan.reads,
    compute(grads) {
      const clipped = clipGradientTensors(grads, config.clip);
      const update = plan.compute(clipped.grads);
      tf.dispose(clipped.grads);
      return { update, norm: clipped.norm, clipped: clipped.clipped };
    },
  };
}

function withExecution(execution: TrainExecution | undefined): { execution?: TrainExecution } {
  return execution === undefined ? {} : { execution };
}

function checkConfigFitsTask(config: TrainConfig, task: TrainingTask<unknown>): void {
  if (task.hasValidation) return;
  const issues: string[] = [];
  if (config.earlyStopping.enabled) issues.push('earlyStopping.enabled: true needs a validation split (data.valid)');
  if (config.lrSchedule.type === 'plateau') issues.push("lrSchedule.type: 'plateau' needs a validation split (data.valid)");
  if (issues.length > 0) throw new TrainConfigError('<train config>', issues);
}

function runFingerprint(config: TrainConfig, task: TrainingTask<unknown>): RunFingerprint {
  // The save cadence changes no number of the run, so a run may resume with a different one.
  const { checkpointEvery: _unused, ...numbersConfig } = config;
  return {
    config: JSON.parse(stableStringify(numbersConfig)) as Record<string, unknown>,
    data: task.dataHash,
    shapes: task.variables.map((v) => [...v.shape]),
  };
}

function checkCheckpointFits(saved: Checkpoint, kind: 'seq2seq' | 'stream', expected: RunFingerprint): void {
  if (saved.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointMismatchError(`checkpoint format '${String(saved.format)}' is not '${CHECKPOINT_FORMAT}'`);
  }
  if (saved.task !== kind) throw new CheckpointMismatchError(`checkpoint is for a ${saved.task} run, not ${kind}`);
  const found = saved.fingerprint;
  const differing = Object.keys({ ...expected.config, ...found.config }).filter(
    (key) => stableStringify(expected.config[key]) !== stableStringify(found.config[key]),
  );
  if (differing.length > 0) {
    throw new CheckpointMismatchError(`checkpoint was saved with another config (differs in: ${differing.join(', ')})`);
  }
  if (found.data !== expected.data) throw new CheckpointMismatchError('checkpoint was saved with other training data');
  const shapesMatch =
    found.shapes.length === expected.shapes.length &&
    found.shapes.every((shape, i) => sameShape(shape, expected.shapes[i] as readonly number[]));
  if (!shapesMatch) throw new CheckpointMismatchError('checkpoint was saved for a model with other variable shapes');
}
