/**
 * Stage 5: the report of a pipeline, `informes/<pipeline>/` (README.md, index.html, charts/). It reads every
 * run's train and evaluate outputs, and turns them into tables, charts and conclusions that quote the numbers.
 * The bytes depend only on those inputs: timing.json (wall time, tokens/s) is the one measured input that varies
 * between identical reruns, and nothing like the current date is ever written.
 */
import { Effect } from 'effect';
import { PipelineDeclarationSchema, type PipelineDeclaration } from '../../config/index.ts';
import { StageFailure } from '../../framework/errors.ts';
import { StageContext } from '../../framework/services.ts';
import type { StageDefinition } from '../../framework/stage.ts';
import { reportToFiles, type Report } from '../../report/index.ts';
import { loadRuns, type LoadedRun } from './load.ts';
import { GROUP_SECTIONS, overviewMeta, overviewSection } from './sections/index.ts';

export { loadRuns, type LoadedRun } from './load.ts';

/** The report of a pipeline from its declaration and its loaded runs: a pure function, so tests can call it. */
export function buildReport(pipeline: string, declaration: PipelineDeclaration, runs: readonly LoadedRun[]): Report {
  const known = new Set(GROUP_SECTIONS.map((s) => s.group));
  const sections = [overviewSection(runs, known)];
  for (const { group, build } of GROUP_SECTIONS) {
    const members = runs.filter((run) => run.groups.includes(group));
    if (members.length > 0) sections.push(build({ runs: members }));
  }
  return { title: declaration.title, intro: declaration.description, meta: overviewMeta(pipeline, declaration, runs), sections };
}

export const reportStage: StageDefinition<PipelineDeclaration> = {
  name: 'report',
  kind: 'pipeline',
  configSchema: PipelineDeclarationSchema,
  // A report draws nothing at random.
  seedOf: () => 0,
  run: (declaration) =>
    Effect.gen(function* () {
      const context = yield* StageContext;
      const runs = yield* loadRuns(context.workspaceRoot, context.location.pipeline);
      const report = yield* Effect.try({
        try: () => buildReport(context.location.pipeline, declaration, runs),
        catch: (cause) => new StageFailure({ stage: 'report', reason: cause instanceof Error ? cause.message : String(cause), cause }),
      });
      return yield* Effect.tryPromise({
        try: () => reportToFiles(report),
        catch: (cause) => new StageFailure({ stage: 'report', reason: cause instanceof Error ? cause.message : String(cause), cause }),
      });
    }),
};
