/**
 * Stage 3: train a run's model (full or truncated BPTT, per its config) and save it in the TensorFlow.js format,
 * with its history and the gradient-flow diagnostics. A killed run resumes from its last checkpoint.
 */
import { Effect } from 'effect';
import { resolve } from 'node:path';
import { stableStringify } from '@bptt/data';
import { fusedRecurrence, nativeStepKernels, nativeGraphSteps, serializeModel } from '@bptt/models';
import { DivergenceError, trainSeq2Seq, trainStream, type TrainExecution, type TrainResult } from '@bptt/train';
import { checkpointDir } from '../declarations/layout.ts';
import { TensorBackend } from '../framework/backend.ts';
import { StageFailure } from '../framework/errors.ts';
import type { OutputFiles } from '../framework/output.ts';
import { Progress } from '../framework/progress.ts';
import { StageContext } from '../framework/services.ts';
import type { StageDefinition } from '../framework/stage.ts';
import { declarationHash } from '../nx-plugin/targets.ts';
import { FileCheckpointStore } from './shared/checkpoint-store.ts';
import { runConfigSchema, type RunConfig } from './shared/run-config.ts';
import { buildModel, loadTokenized } from './shared/run-data.ts';
import { TRAIN_FILES, type TrainSummary } from './shared/run-files.ts';

export const trainStage: StageDefinition<RunConfig> = {
  name: 'train',
  kind: 'run',
  configSchema: runConfigSchema,
  seedOf: (config) => config.train.seed,
  run: (config) =>
    Effect.gen(function* () {
      const context = yield* StageContext;
      const backend = yield* (yield* TensorBackend).ensure;
      const progress = yield* Progress;
      const data = yield* loadTokenized(context, config);
      const store = new FileCheckpointStore(
        resolve(context.workspaceRoot, checkpointDir(context.location), declarationHash(context.declaration)),
      );
      const model = buildModel(config, data);
      const label = `${context.location.projectName}:train`;
      let started = false;
      const onProgress = (event: { step: number; totalSteps: number; loss: number; tokensPerSecond: number }) => {
        if (!started) {
          progress.start(label, event.totalSteps);
          started = true;
        }
        progress.update({ done: event.step, total: event.totalSteps, metrics: { loss: event.loss, 'tok/s': Math.round(event.tokensPerSecond) } });
      };
      const began = performance.now();
      const outcome = yield* Effect.tryPromise({
        try: async (): Promise<TrainResult<unknown> | DivergenceError> => {
          try {
            if (config.kind === 'seq2seq' && data.kind === 'seq2seq' && model.kind === 'seq2seq') {
              return await trainSeq2Seq({ model, config: config.train, data: { train: data.encoded.train, valid: data.encoded.valid }, store, onProgress });
            }
            if (config.kind === 'stream' && data.kind === 'stream' && model.kind === 'language-model') {
              return await trainStream({ model, config: config.train, data: { train: data.encoded.train, valid: data.encoded.valid }, store, onProgress });
            }
            throw new Error(`run kind ${config.kind} does not match dataset kind ${data.kind}`);
          } catch (error) {
            if (error instanceof DivergenceError && config.onDivergence === 'record') return error;
            throw error;
          }
        },
        catch: (cause) => new StageFailure({ stage: 'train', reason: cause instanceof Error ? cause.message : String(cause), cause }),
      });
      const wallSeconds = (performance.now() - began) / 1000;
      if (started) progress.finish(outcome instanceof DivergenceError ? `diverged at step ${outcome.step}` : undefined);

      const summary: TrainSummary = {
        run: context.location.name,
        kind: config.kind,
        backend: backend.name,
        fusedRecurrence: fusedRecurrence(),
        ...(backend.native === undefined ? {} : { intraOpThreads: backend.native.intraOpThreads }),
        ...nativeGraphSummary(outcome),
        seed: config.train.seed,
        parameters: model.trainableVariables.reduce((sum, v) => sum + v.size, 0),
        ...(outcome instanceof DivergenceError
          ? { diverged: { step: outcome.step, value: String(outcome.value) }, steps: outcome.step }
          : { steps: outcome.steps, stoppedEarly: outcome.stoppedEarly, bestStep: outcome.bestStep, bestValidLoss: outcome.bestValidLoss }),
      };
      const files: Record<string, string | Uint8Array> = {
        [TRAIN_FILES.summary]: stableStringify(summary),
        [TRAIN_FILES.timing]: stableStringify({ backend, wallSeconds, tokensPerSecond: outcome instanceof DivergenceError ? null : outcome.tokensPerSecond }),
      };
      if (outcome instanceof DivergenceError) {
        // The history up to the divergence: the explosion is what such a run shows.
        files[TRAIN_FILES.history] = stableStringify(outcome.history ?? { steps: [], evaluations: [] });
      } else {
        files[TRAIN_FILES.history] = stableStringify(outcome.history);
        files[TRAIN_FILES.diagnostics] = stableStringify(outcome.diagnostics);
        const modelFiles = yield* Effect.tryPromise({
          try: () => serializeModel(model),
          catch: (cause) => new StageFailure({ stage: 'train', reason: `saving the model failed: ${String(cause)}`, cause }),
        });
        for (const [name, content] of Object.entries(modelFiles)) files[`${TRAIN_FILES.modelDir}/${name}`] = content;
      }
      model.dispose();
      store.clear();
      return files as OutputFiles;
    }),
};

function nativeGraphSummary(outcome: { readonly execution?: TrainExecution } | DivergenceError): Pick<TrainSummary, 'nativeGraph'> {
  const graph = outcome instanceof DivergenceError ? undefined : outcome.execution?.nativeGraph;
  if (graph === undefined) return {};
  return {
    nativeGraph: {
      policy: nativeGraphSteps(),
      graphSteps: graph.graphCalls,
      eagerSteps: graph.eagerCalls,
      ...(graph.disabledBecause === undefined ? {} : { stoppedBecause: graph.disabledBecause }),
      stepKernels: nativeStepKernels().detail,
    },
  };
}
