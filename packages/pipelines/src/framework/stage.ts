/**
 * A stage: a name, a zod config schema, an Effect program and one output folder.
 * `runStage` is the only way stages execute: it reads the declaration, checks it is the one Nx hashed, validates
 * the config, clears the old output, runs the program and writes its files atomically.
 */
import { Effect, FileSystem, Layer } from 'effect';
import { appendFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { DeclarationError, extractDeclaration, type ExtractedDeclaration } from '../declarations/extract.ts';
import { locateDeclaration, stageOutputDir, STAGES_OF, type DeclarationKind, type StageName } from '../declarations/layout.ts';
import { declarationHash } from '../nx-plugin/targets.ts';
import { DeclarationMismatchError, type StageError } from './errors.ts';
import { clearOutput, writeOutputAtomically, type OutputFiles } from './output.ts';
import type { Progress } from './progress.ts';
import { Randomness, seededRandomness, StageContext } from './services.ts';
import { TensorBackend } from './backend.ts';
import { computeFingerprint, recordFingerprint } from './ledger.ts';
import { validateConfig } from './validate.ts';

export type StageServices = StageContext | Progress | Randomness | TensorBackend | FileSystem.FileSystem;

export interface StageDefinition<Config> {
  readonly name: StageName;
  readonly kind: DeclarationKind;
  /**
   * Validates the whole declaration value. A function when the schema depends on another declaration
   * (a run's model schema depends on whether its dataset is seq2seq or a stream).
   */
  readonly configSchema: z.ZodType<Config> | ((workspaceRoot: string, declaration: ExtractedDeclaration) => z.ZodType<Config>);
  /** The seed that drives this stage's randomness. */
  readonly seedOf: (config: Config) => number;
  readonly run: (config: Config) => Effect.Effect<OutputFiles, StageError, StageServices>;
}

export interface RunStageOptions {
  readonly workspaceRoot: string;
  /** Workspace-relative declaration file. */
  readonly file: string;
  /** The hash Nx put in the command; when given, the declaration must still match it. */
  readonly expectedHash?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStage = StageDefinition<any>;

export const runStage = (definition: AnyStage, options: RunStageOptions) =>
  Effect.gen(function* () {
    const location = locateDeclaration(options.file);
    if (!location) {
      return yield* Effect.fail(
        new DeclarationMismatchError({ file: options.file, reason: 'not a declaration file (see packages/pipelines/experiments/README.md)' }),
      );
    }
    if (location.kind !== definition.kind || !(STAGES_OF[location.kind] as readonly string[]).includes(definition.name)) {
      return yield* Effect.fail(
        new DeclarationMismatchError({ file: options.file, reason: `a ${location.kind} declaration has no stage ${definition.name}` }),
      );
    }
    const declaration = yield* Effect.try({
      try: () => extractDeclaration(options.workspaceRoot, location.file),
      catch: (error) =>
        new DeclarationMismatchError({
          file: options.file,
          reason: error instanceof DeclarationError ? `line ${error.line}: ${error.reason}` : String(error),
        }),
    });
    if (options.expectedHash !== undefined && declarationHash(declaration) !== options.expectedHash) {
      return yield* Effect.fail(
        new DeclarationMismatchError({
          file: options.file,
          reason: 'the declaration changed after Nx computed the task graph; run the pipeline again',
        }),
      );
    }
    const outputDir = resolve(options.workspaceRoot, stageOutputDir(location, definition.name));
    yield* clearOutput(outputDir);
    recordExecution(`${location.projectName}:${definition.name}`);

    const schema =
      typeof definition.configSchema === 'function'
        ? yield* Effect.try({
            try: () => (definition.configSchema as (root: string, d: ExtractedDeclaration) => z.ZodType)(options.workspaceRoot, declaration),
            catch: (error) => new DeclarationMismatchError({ file: options.file, reason: error instanceof Error ? error.message : String(error) }),
          })
        : definition.configSchema;
    const config = yield* validateConfig(schema, declaration.value, location.file);
    const context = StageContext.of({ workspaceRoot: options.workspaceRoot, stage: definition.name, location, declaration, outputDir });
    const files = yield* definition.run(config).pipe(
      Effect.provide(Layer.succeed(StageContext, context)),
      Effect.provide(Layer.succeed(Randomness, seededRandomness(definition.seedOf(config)))),
    );
    yield* writeOutputAtomically(outputDir, files);
    recordFingerprint(options.workspaceRoot, computeFingerprint(options.workspaceRoot, location, definition.name, declaration));
    return { outputDir, files: Object.keys(files).length };
  });

/**
 * Tests (and curious users) can ask for a log of the stages that really executed, as opposed to being restored
 * from the Nx cache: set BPTT_EXECUTION_LOG to a file path. It is not an input of any task.
 */
function recordExecution(task: string): void {
  const log = process.env['BPTT_EXECUTION_LOG'];
  if (log) appendFileSync(log, `${task}\n`);
}
