/**
 * Loads everything the report needs about each run of a pipeline: its declaration (parsed, defaults filled in),
 * its dataset declaration, the train outputs and the evaluate outputs. Every file is checked against the shape
 * `../shared/run-files.ts` and `@bptt/train`'s history types promise, so a section never has to guess; a missing
 * or malformed file is an InputError that names it.
 *
 * Which files must exist:
 * - train: summary.json, history.json and timing.json always; diagnostics.json unless the run diverged (the train
 *   stage writes no diagnostics for a diverged run).
 * - evaluate: metrics.json always; samples.json for a seq2seq evaluation; attention.json for a seq2seq evaluation
 *   of an attention model that keeps attention examples. Where a file is optional it is still validated when
 *   present.
 */
import { Effect, FileSystem } from 'effect';
import { posix } from 'node:path';
import { z } from 'zod';
import type { History, Seq2SeqGradientFlow, StreamGradientFlow } from '@bptt/train';
import { DatasetDeclarationSchema, type DatasetDeclaration } from '../../config/index.ts';
import { DeclarationError, extractDeclaration } from '../../declarations/extract.ts';
import { runsOfPipeline, stageOutputDir, type DeclarationLocation, type StageName } from '../../declarations/layout.ts';
import { InputError } from '../../framework/errors.ts';
import { runConfigSchema, type RunConfig } from '../shared/run-config.ts';
import {
  EVALUATE_FILES,
  TRAIN_FILES,
  type AttentionSample,
  type DecodedSample,
  type EvaluationResult,
  type TrainSummary,
  type TrainTiming,
} from '../shared/run-files.ts';

export type GradientFlow = Seq2SeqGradientFlow | StreamGradientFlow;

export interface LoadedDataset {
  /** Workspace-relative declaration file. */
  readonly file: string;
  readonly name: string;
  readonly declaration: DatasetDeclaration;
}

export interface LoadedRun {
  /** The run's folder name. */
  readonly name: string;
  /** Workspace-relative declaration file. */
  readonly file: string;
  /** Name in tables and legends: the declared label, or the folder name. */
  readonly label: string;
  readonly groups: readonly string[];
  readonly description: string | undefined;
  readonly config: RunConfig;
  readonly dataset: LoadedDataset;
  readonly summary: TrainSummary;
  readonly history: History;
  /** Empty for a diverged run. */
  readonly diagnostics: readonly GradientFlow[];
  readonly timing: TrainTiming;
  readonly evaluation: EvaluationResult;
  /** Empty when the evaluation wrote none (stream and diverged runs). */
  readonly samples: readonly DecodedSample[];
  /** Empty when the evaluation wrote none (models without attention). */
  readonly attention: readonly AttentionSample[];
}

// ---------------------------------------------------------------------------------------------------------------
// File shapes. Objects are not strict, so a producer may add fields without breaking the report.

// zod 4 numbers reject NaN and ±Infinity, which JSON cannot carry anyway.
const finite = z.number();
const count = z.int().min(0);
const fraction = finite;

const TrainSummarySchema: z.ZodType<TrainSummary> = z.object({
  run: z.string(),
  kind: z.enum(['seq2seq', 'stream']),
  backend: z.string(),
  fusedRecurrence: z.string().optional(),
  intraOpThreads: count.optional(),
  nativeGraph: z
    .object({ policy: z.string(), graphSteps: count, eagerSteps: count, stoppedBecause: z.string().optional(), stepKernels: z.string().optional() })
    .optional(),
  seed: z.int(),
  parameters: count,
  steps: count,
  stoppedEarly: z.boolean().optional(),
  bestStep: count.nullable().optional(),
  bestValidLoss: finite.nullable().optional(),
  diverged: z.object({ step: count, value: z.string() }).optional(),
});

const TrainTimingSchema: z.ZodType<TrainTiming> = z.object({
  backend: z.unknown(),
  wallSeconds: finite.min(0),
  tokensPerSecond: finite.min(0).nullable(),
});

const HistorySchema: z.ZodType<History> = z.object({
  steps: z.array(
    z.object({
      step: count,
      epoch: count,
      loss: finite,
      tokens: count,
      learningRate: finite,
      teacherForcingRatio: fraction.optional(),
      gradNorm: finite,
      clipped: z.boolean(),
    }),
  ),
  evaluations: z.array(
    z.object({
      step: count,
      trainLoss: finite,
      trainPerplexity: finite,
      validLoss: finite.optional(),
      validPerplexity: finite.optional(),
      learningRate: finite,
    }),
  ),
});

const norms = z.array(finite.min(0));
const Seq2SeqFlowSchema: z.ZodType<Seq2SeqGradientFlow> = z.object({ step: count, loss: finite, encoder: norms, decoder: norms });
const StreamFlowSchema: z.ZodType<StreamGradientFlow> = z.object({ step: count, loss: finite, hidden: norms });

const rate = finite.nullable();
const DecodingMetricsSchema = z.object({
  exactMatch: fraction,
  tokenAccuracy: fraction,
  bleu: z.object({ score: finite, signature: z.string(), formatted: z.string() }),
  cer: rate,
  wer: rate,
  tokenErrorRate: rate,
  meanEditDistance: finite,
});
const ErrorsGivenSchema = z.object({ count, errors: count, errorRate: rate });
const FirstErrorSchema = z.object({ histogram: z.array(count), noError: count, sequences: count });

const EvaluationSchema: z.ZodType<EvaluationResult> = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('seq2seq'),
    run: z.string(),
    backend: z.string(),
    split: z.enum(['valid', 'test']),
    examples: count,
    loss: finite,
    perplexity: finite,
    decodings: z.object({ teacherForced: DecodingMetricsSchema, greedy: DecodingMetricsSchema, beam: DecodingMetricsSchema }),
    beam: z.object({ width: z.int().min(1), lengthPenalty: finite }),
    exposureBias: z.object({
      perPosition: z.array(
        z.object({ position: count, count, teacherForcedErrorRate: fraction, freeRunningErrorRate: fraction }),
      ),
      firstError: z.object({ teacherForced: FirstErrorSchema, freeRunning: FirstErrorSchema }),
      errorAccumulation: z.object({
        perPosition: z.array(z.object({ position: count, cleanPrefix: ErrorsGivenSchema, afterError: ErrorsGivenSchema })),
        overall: z.object({ cleanPrefix: ErrorsGivenSchema, afterError: ErrorsGivenSchema }),
      }),
    }),
  }),
  z.object({
    kind: z.literal('stream'),
    run: z.string(),
    backend: z.string(),
    split: z.enum(['valid', 'test']),
    tokens: count,
    loss: finite,
    perplexity: finite,
    accuracy: fraction,
  }),
  z.object({ kind: z.literal('diverged'), run: z.string(), diverged: z.object({ step: count, value: z.string() }) }),
]);

const SamplesSchema: z.ZodType<DecodedSample[]> = z.array(
  z.object({ source: z.string(), gold: z.string(), greedy: z.string(), beam: z.string() }),
);

const AttentionSchema: z.ZodType<AttentionSample[]> = z.array(
  z
    .object({ source: z.array(z.string()), output: z.array(z.string()), weights: z.array(z.array(finite.min(0))) })
    .superRefine((sample, ctx) => {
      if (sample.weights.length !== sample.output.length) {
        ctx.addIssue({ code: 'custom', path: ['weights'], message: `has ${sample.weights.length} rows for ${sample.output.length} output tokens` });
      }
      sample.weights.forEach((row, i) => {
        if (row.length !== sample.source.length) {
          ctx.addIssue({ code: 'custom', path: ['weights', i], message: `has ${row.length} columns for ${sample.source.length} source tokens` });
        }
      });
    }),
);

// ---------------------------------------------------------------------------------------------------------------

/** Every run of the pipeline, in declaration-file order (so the report does not depend on the file system's). */
export const loadRuns = (workspaceRoot: string, pipeline: string) =>
  Effect.gen(function* () {
    const datasets = new Map<string, LoadedDataset>();
    const runs: LoadedRun[] = [];
    const labels = new Map<string, string>();
    for (const location of runsOfPipeline(workspaceRoot, pipeline)) {
      const run = yield* loadRun(workspaceRoot, location, datasets);
      const previous = labels.get(run.label);
      if (previous !== undefined) {
        return yield* Effect.fail(
          new InputError({ path: run.file, reason: `label ${JSON.stringify(run.label)} is already used by ${previous}; labels name runs in tables and legends` }),
        );
      }
      labels.set(run.label, run.file);
      runs.push(run);
    }
    return runs;
  });

const loadRun = (workspaceRoot: string, location: DeclarationLocation, datasets: Map<string, LoadedDataset>) =>
  Effect.gen(function* () {
    const config = yield* parseRunDeclaration(workspaceRoot, location.file);
    const dataset = yield* loadDataset(workspaceRoot, config.datasetLocation, datasets);
    const read = <T>(stage: StageName, file: string, schema: z.ZodType<T>) =>
      readJson(workspaceRoot, posix.join(stageOutputDir(location, stage), file), schema, `${location.projectName}:${stage}`);
    const readOptional = <T>(stage: StageName, file: string, schema: z.ZodType<T>) =>
      Effect.gen(function* () {
        const fs = yield* FileSystem.FileSystem;
        const path = posix.join(stageOutputDir(location, stage), file);
        const exists = yield* fs.exists(posix.join(workspaceRoot, path)).pipe(Effect.orElseSucceed(() => false));
        return exists ? yield* read(stage, file, schema) : undefined;
      });

    const summary = yield* read('train', TRAIN_FILES.summary, TrainSummarySchema);
    const history = yield* read('train', TRAIN_FILES.history, HistorySchema);
    const timing = yield* read('train', TRAIN_FILES.timing, TrainTimingSchema);
    const flowSchema: z.ZodType<GradientFlow[]> = config.kind === 'seq2seq' ? z.array(Seq2SeqFlowSchema) : z.array(StreamFlowSchema);
    const diagnostics =
      summary.diverged === undefined
        ? yield* read('train', TRAIN_FILES.diagnostics, flowSchema)
        : ((yield* readOptional('train', TRAIN_FILES.diagnostics, flowSchema)) ?? []);
    const evaluation = yield* read('evaluate', EVALUATE_FILES.metrics, EvaluationSchema);

    const trainFile = posix.join(stageOutputDir(location, 'train'), TRAIN_FILES.summary);
    const metricsFile = posix.join(stageOutputDir(location, 'evaluate'), EVALUATE_FILES.metrics);
    if (summary.kind !== config.kind) {
      return yield* Effect.fail(new InputError({ path: trainFile, reason: `kind is "${summary.kind}" but the run is a ${config.kind} run` }));
    }
    if ((summary.diverged !== undefined) !== (evaluation.kind === 'diverged')) {
      return yield* Effect.fail(
        new InputError({
          path: metricsFile,
          reason:
            summary.diverged !== undefined
              ? `${trainFile} says the run diverged at step ${summary.diverged.step}, but the evaluation is of kind "${evaluation.kind}"`
              : `kind is "diverged" but ${trainFile} records no divergence`,
        }),
      );
    }
    if (evaluation.kind !== 'diverged' && evaluation.kind !== config.kind) {
      return yield* Effect.fail(new InputError({ path: metricsFile, reason: `kind is "${evaluation.kind}" but the run is a ${config.kind} run` }));
    }

    const seq2seq = evaluation.kind === 'seq2seq';
    const samples = seq2seq
      ? yield* read('evaluate', EVALUATE_FILES.samples, SamplesSchema)
      : ((yield* readOptional('evaluate', EVALUATE_FILES.samples, SamplesSchema)) ?? []);
    const attentionRequired =
      seq2seq && config.kind === 'seq2seq' && config.model.attention !== 'none' && config.evaluate.attentionExamples > 0;
    const attention = attentionRequired
      ? yield* read('evaluate', EVALUATE_FILES.attention, AttentionSchema)
      : ((yield* readOptional('evaluate', EVALUATE_FILES.attention, AttentionSchema)) ?? []);

    const run: LoadedRun = {
      name: location.name,
      file: location.file,
      label: config.label ?? location.name,
      groups: config.groups,
      description: config.description,
      config,
      dataset,
      summary,
      history,
      diagnostics,
      timing,
      evaluation,
      samples,
      attention,
    };
    return run;
  });

const parseRunDeclaration = (workspaceRoot: string, file: string) =>
  Effect.try({
    try: () => {
      const declaration = extractDeclaration(workspaceRoot, file);
      return runConfigSchema(workspaceRoot, declaration).safeParse(declaration.value);
    },
    catch: (error) =>
      new InputError({
        path: file,
        reason: error instanceof DeclarationError ? `line ${error.line}: ${error.reason}` : error instanceof Error ? error.message : String(error),
      }),
  }).pipe(
    Effect.flatMap((result) =>
      result.success ? Effect.succeed(result.data) : Effect.fail(new InputError({ path: file, reason: describeIssues(result.error) })),
    ),
  );

const loadDataset = (workspaceRoot: string, location: DeclarationLocation, cache: Map<string, LoadedDataset>) =>
  Effect.gen(function* () {
    const cached = cache.get(location.file);
    if (cached) return cached;
    const result = yield* Effect.try({
      try: () => DatasetDeclarationSchema.safeParse(extractDeclaration(workspaceRoot, location.file).value),
      catch: (error) =>
        new InputError({
          path: location.file,
          reason: error instanceof DeclarationError ? `line ${error.line}: ${error.reason}` : error instanceof Error ? error.message : String(error),
        }),
    });
    if (!result.success) return yield* Effect.fail(new InputError({ path: location.file, reason: describeIssues(result.error) }));
    const dataset: LoadedDataset = { file: location.file, name: location.name, declaration: result.data };
    cache.set(location.file, dataset);
    return dataset;
  });

/** Reads and validates one JSON file; `path` is workspace-relative and is what an error names. */
function readJson<T>(workspaceRoot: string, path: string, schema: z.ZodType<T>, producer: string) {
  return Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem;
    const absolute = posix.join(workspaceRoot, path);
    const exists = yield* fs.exists(absolute).pipe(Effect.orElseSucceed(() => false));
    if (!exists) {
      return yield* Effect.fail(new InputError({ path, reason: `missing; run \`npx nx run ${producer}\` first` }));
    }
    const text = yield* fs
      .readFileString(absolute)
      .pipe(Effect.mapError((error) => new InputError({ path, reason: `cannot be read: ${String(error)}` })));
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return yield* Effect.fail(new InputError({ path, reason: `is not valid JSON: ${error instanceof Error ? error.message : String(error)}` }));
    }
    const result = schema.safeParse(value);
    if (!result.success) return yield* Effect.fail(new InputError({ path, reason: `malformed: ${describeIssues(result.error)}` }));
    return result.data;
  });
}

function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => `${issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.')}: ${issue.message}`);
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : '';
  return shown.join('; ') + more;
}
