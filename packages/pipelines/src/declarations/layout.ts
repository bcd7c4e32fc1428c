/**
 * Where declarations live, what their Nx projects are called, and where each stage writes.
 * One place for these conventions, shared by the Nx plugin (graph time) and the CLI (run time).
 *
 *   packages/pipelines/experiments/<pipeline>/pipeline.ts              -> project <pipeline>             (report)
 *   packages/pipelines/experiments/<pipeline>/datasets/<name>/dataset.ts -> project <pipeline>-data-<name> (synthesize, tokenize)
 *   packages/pipelines/experiments/<pipeline>/runs/<name>/run.ts        -> project <pipeline>-run-<name>  (train, evaluate)
 */
import { existsSync, readdirSync } from 'node:fs';
import { posix } from 'node:path';

export const EXPERIMENTS_DIR = 'packages/pipelines/experiments';
export const ARTIFACTS_DIR = 'artifacts';
export const REPORTS_DIR = 'informes';

export type DeclarationKind = 'pipeline' | 'dataset' | 'run';

export const STAGES_OF = {
  dataset: ['synthesize', 'tokenize'],
  run: ['train', 'evaluate'],
  pipeline: ['report'],
} as const satisfies Record<DeclarationKind, readonly string[]>;

export type StageName = (typeof STAGES_OF)[DeclarationKind][number];

export interface DeclarationLocation {
  readonly kind: DeclarationKind;
  readonly pipeline: string;
  /** The dataset or run name; the pipeline name for a pipeline declaration. */
  readonly name: string;
  /** Workspace-relative path of the declaration file. */
  readonly file: string;
  readonly projectRoot: string;
  readonly projectName: string;
}

const NAME = '[a-z0-9][a-z0-9-]*';
const PATTERNS: ReadonlyArray<[DeclarationKind, RegExp]> = [
  ['pipeline', new RegExp(`^${EXPERIMENTS_DIR}/(${NAME})/pipeline\\.ts$`)],
  ['dataset', new RegExp(`^${EXPERIMENTS_DIR}/(${NAME})/datasets/(${NAME})/dataset\\.ts$`)],
  ['run', new RegExp(`^${EXPERIMENTS_DIR}/(${NAME})/runs/(${NAME})/run\\.ts$`)],
];

/** Where a declaration file sits in the layout, or undefined if it is not a declaration. */
export function locateDeclaration(file: string): DeclarationLocation | undefined {
  const normalised = posix.normalize(file.replaceAll('\\', '/'));
  for (const [kind, pattern] of PATTERNS) {
    const match = pattern.exec(normalised);
    if (!match) continue;
    const pipeline = match[1] as string;
    const name = kind === 'pipeline' ? pipeline : (match[2] as string);
    return {
      kind,
      pipeline,
      name,
      file: normalised,
      projectRoot: posix.dirname(normalised),
      projectName: projectName(kind, pipeline, name),
    };
  }
  return undefined;
}

export function projectName(kind: DeclarationKind, pipeline: string, name: string): string {
  if (kind === 'pipeline') return pipeline;
  return `${pipeline}-${kind === 'dataset' ? 'data' : 'run'}-${name}`;
}

/** The one output folder of a stage (workspace-relative). */
export function stageOutputDir(location: Pick<DeclarationLocation, 'kind' | 'pipeline' | 'name'>, stage: StageName): string {
  switch (location.kind) {
    case 'pipeline':
      return posix.join(REPORTS_DIR, location.pipeline);
    case 'dataset':
      return posix.join(ARTIFACTS_DIR, location.pipeline, 'datasets', location.name, stage);
    case 'run':
      return posix.join(ARTIFACTS_DIR, location.pipeline, 'runs', location.name, stage);
  }
}

/** Where interrupted training keeps its checkpoints: outside the stage output, which is written atomically. */
export function checkpointDir(location: Pick<DeclarationLocation, 'pipeline' | 'name'>): string {
  return posix.join(ARTIFACTS_DIR, '.checkpoints', location.pipeline, location.name);
}

/** Every declaration file of the workspace (workspace-relative), found by walking the experiments folder. */
export function listDeclarationFiles(workspaceRoot: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    const absolute = posix.join(workspaceRoot.replaceAll('\\', '/'), dir);
    if (!existsSync(absolute)) return;
    for (const entry of readdirSync(absolute, { withFileTypes: true })) {
      const child = posix.join(dir, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (locateDeclaration(child)) found.push(child);
    }
  };
  walk(EXPERIMENTS_DIR);
  return found.sort();
}

/** The stages whose outputs a stage reads. */
export function upstreamStages(
  workspaceRoot: string,
  location: DeclarationLocation,
  stage: StageName,
  datasetOfRun: (runFile: string) => DeclarationLocation,
): { location: DeclarationLocation; stage: StageName }[] {
  switch (stage) {
    case 'synthesize':
      return [];
    case 'tokenize':
      return [{ location, stage: 'synthesize' }];
    case 'train':
      return [{ location: datasetOfRun(location.file), stage: 'tokenize' }];
    case 'evaluate':
      return [
        { location: datasetOfRun(location.file), stage: 'tokenize' },
        { location, stage: 'train' },
      ];
    case 'report':
      return runsOfPipeline(workspaceRoot, location.pipeline).flatMap((run) => [
        { location: run, stage: 'train' as const },
        { location: run, stage: 'evaluate' as const },
      ]);
  }
}

export function runsOfPipeline(workspaceRoot: string, pipeline: string): DeclarationLocation[] {
  return listDeclarationFiles(workspaceRoot)
    .map((file) => locateDeclaration(file))
    .filter((l): l is DeclarationLocation => l !== undefined && l.kind === 'run' && l.pipeline === pipeline);
}
