import { describe, expect, it } from 'vitest';
import type { ExtractedDeclaration } from '../src/declarations/extract.ts';
import { buildPipelineGraph, declarationHash } from '../src/nx-plugin/targets.ts';

const E = 'packages/pipelines/experiments';
const dataset: ExtractedDeclaration = { file: `${E}/demo/datasets/rev/dataset.ts`, kind: 'defineDataset', value: { synthesize: { seed: 1 } } };
const runA: ExtractedDeclaration = {
  file: `${E}/demo/runs/a/run.ts`,
  kind: 'defineRun',
  value: { dataset: { $ref: `${E}/demo/datasets/rev/dataset.ts` }, model: { cell: 'lstm' } },
};
const runB: ExtractedDeclaration = { ...runA, file: `${E}/demo/runs/b/run.ts`, value: { ...runA.value, model: { cell: 'gru' } } };
const pipeline: ExtractedDeclaration = { file: `${E}/demo/pipeline.ts`, kind: 'definePipeline', value: { title: 'Demo' } };

describe('buildPipelineGraph', () => {
  const graph = buildPipelineGraph([dataset, runA, runB, pipeline]);

  it('makes one project per declaration, named by the layout', () => {
    expect(Object.values(graph.projects).map((p) => p.name).sort()).toEqual(['demo', 'demo-data-rev', 'demo-run-a', 'demo-run-b']);
    expect(Object.keys(graph.projects[`${E}/demo/runs/a`]!.targets)).toEqual(['train', 'evaluate']);
  });

  it('wires stages to their upstream stages and reads their outputs as inputs', () => {
    const train = graph.projects[`${E}/demo/runs/a`]!.targets['train']!;
    expect(train.dependsOn).toEqual([{ projects: ['demo-data-rev'], target: 'tokenize' }]);
    expect(train.inputs).toContainEqual({ dependentTasksOutputFiles: '**/*', transitive: false });
    expect(train.inputs).toContain('{workspaceRoot}/packages/models/src/**/*');
    expect(train.inputs).toContainEqual({ env: 'BPTT_BACKEND' });
    expect(train.inputs).toContainEqual({ env: 'BPTT_FUSED_RECURRENCE' });
    expect(train.inputs).toContainEqual({ env: 'BPTT_NATIVE_GRAPH' });
    expect(train.inputs).toContainEqual({ env: 'BPTT_NATIVE_STEP_KERNELS' });
    expect(train.inputs).toContainEqual('{workspaceRoot}/packages/models/native/step-kernels/*.c');
    expect(train.inputs).toContainEqual('{workspaceRoot}/packages/models/native/step-kernels/*.h');
    expect(train.inputs).toContainEqual('{workspaceRoot}/packages/models/native/step-kernels/binding.gyp');
    expect(train.inputs).toContainEqual({ env: 'TF_NUM_INTRAOP_THREADS' });
    expect(train.outputs).toEqual(['{workspaceRoot}/artifacts/demo/runs/a/train']);
    const synthesize = graph.projects[`${E}/demo/datasets/rev`]!.targets['synthesize']!;
    expect(synthesize.inputs).not.toContain('{workspaceRoot}/packages/models/src/**/*');
    expect(synthesize.dependsOn).toEqual([]);
    const report = graph.projects[`${E}/demo`]!.targets['report']!;
    expect(report.dependsOn).toEqual([
      { projects: ['demo-run-a', 'demo-run-b'], target: 'evaluate' },
      { projects: ['demo-run-a', 'demo-run-b'], target: 'train' },
    ]);
    expect(report.outputs).toEqual(['{workspaceRoot}/informes/demo']);
  });

  it('puts the hash of exactly this declaration in the command, so other runs keep their cache', () => {
    const commandA = graph.projects[`${E}/demo/runs/a`]!.targets['train']!.options.command as string;
    const commandB = graph.projects[`${E}/demo/runs/b`]!.targets['train']!.options.command as string;
    expect(commandA).toContain(`--config-hash ${declarationHash(runA)}`);
    expect(declarationHash(runA)).not.toBe(declarationHash(runB));
    const edited = buildPipelineGraph([dataset, { ...runA, value: { ...runA.value, model: { cell: 'gru', hiddenDim: 8 } } }, runB, pipeline]);
    expect(edited.projects[`${E}/demo/runs/b`]).toEqual(graph.projects[`${E}/demo/runs/b`]);
    expect(edited.projects[`${E}/demo/datasets/rev`]).toEqual(graph.projects[`${E}/demo/datasets/rev`]);
  });

  it('adds a pipelines:<name> entry point', () => {
    expect(graph.pipelineTargets['demo']).toMatchObject({ executor: 'nx:noop', dependsOn: [{ projects: ['demo'], target: 'report' }] });
  });

  it('rejects a run whose dataset is not a dataset of the same pipeline', () => {
    const stray: ExtractedDeclaration = { ...runA, value: { dataset: { $ref: `${E}/other/datasets/rev/dataset.ts` } } };
    expect(() => buildPipelineGraph([dataset, stray])).toThrow(/not a dataset of pipeline demo/);
    expect(() => buildPipelineGraph([{ ...runA, value: { dataset: 'rev' } }])).toThrow(/field "dataset" must reference/);
  });
});
