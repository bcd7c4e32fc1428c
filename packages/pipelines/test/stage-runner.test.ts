import { Effect, Exit, Layer } from 'effect';
import * as NodeFileSystem from '@effect/platform-node/NodeFileSystem';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { extractDeclaration } from '../src/declarations/extract.ts';
import { tensorBackendLayer } from '../src/framework/backend.ts';
import { StageFailure } from '../src/framework/errors.ts';
import { lineProgress, Progress } from '../src/framework/progress.ts';
import { Randomness } from '../src/framework/services.ts';
import { runStage, type StageDefinition } from '../src/framework/stage.ts';
import { declarationHash } from '../src/nx-plugin/targets.ts';

const FILE = 'packages/pipelines/experiments/demo/datasets/toy/dataset.ts';
const OUT = 'artifacts/demo/datasets/toy/synthesize';

function workspace(declaration: string): string {
  const root = mkdtempSync(join(tmpdir(), 'bptt-stage-'));
  mkdirSync(join(root, FILE, '..'), { recursive: true });
  writeFileSync(join(root, FILE), declaration);
  return root;
}

const ToySchema = z.strictObject({ synthesize: z.strictObject({ seed: z.int(), count: z.int().positive() }) });

const toyStage = (fail = false): StageDefinition<z.output<typeof ToySchema>> => ({
  name: 'synthesize',
  kind: 'dataset',
  configSchema: ToySchema,
  seedOf: (config) => config.synthesize.seed,
  run: (config) =>
    Effect.gen(function* () {
      const rng = (yield* Randomness).rng('numbers');
      if (fail) return yield* Effect.fail(new StageFailure({ stage: 'synthesize', reason: 'boom' }));
      const numbers = Array.from({ length: config.synthesize.count }, () => rng.int(0, 999));
      return { 'numbers.json': `${JSON.stringify(numbers)}\n`, 'nested/readme.txt': 'toy\n' };
    }),
});

const layers = Layer.mergeAll(NodeFileSystem.layer, Layer.succeed(Progress, lineProgress(() => {})), tensorBackendLayer('cpu'));
const run = (definition: StageDefinition<never> | StageDefinition<z.output<typeof ToySchema>>, root: string, expectedHash?: string) =>
  Effect.runPromiseExit(
    runStage(definition as StageDefinition<unknown>, { workspaceRoot: root, file: FILE, ...(expectedHash ? { expectedHash } : {}) }).pipe(
      Effect.provide(layers),
    ),
  );

describe('runStage', () => {
  it('writes the outputs, deterministically by seed', async () => {
    const root = workspace(`export default defineDataset({ synthesize: { seed: 3, count: 5 } });\n`);
    expect(Exit.isSuccess(await run(toyStage(), root))).toBe(true);
    const first = readFileSync(join(root, OUT, 'numbers.json'), 'utf8');
    expect(readFileSync(join(root, OUT, 'nested/readme.txt'), 'utf8')).toBe('toy\n');
    expect(Exit.isSuccess(await run(toyStage(), root))).toBe(true);
    expect(readFileSync(join(root, OUT, 'numbers.json'), 'utf8')).toBe(first);
    expect(JSON.parse(first)).toHaveLength(5);
    // No staging folder is left next to the output.
    expect(readdirSync(join(root, OUT, '..'))).toEqual(['synthesize']);
  });

  it('an invalid config fails with the file, field and value, and leaves no output folder', async () => {
    const root = workspace(`export default defineDataset({ synthesize: { seed: 3, count: -4 } });\n`);
    mkdirSync(join(root, OUT), { recursive: true });
    writeFileSync(join(root, OUT, 'stale.json'), '{}');
    const exit = await run(toyStage(), root);
    expect(Exit.isFailure(exit)).toBe(true);
    const message = Exit.isFailure(exit) ? String((exit.cause as unknown as { reasons: { error: Error }[] }).reasons[0]!.error.message) : '';
    expect(message).toContain(FILE);
    expect(message).toContain('synthesize.count');
    expect(message).toContain('-4');
    expect(existsSync(join(root, OUT))).toBe(false);
  });

  it('a failing program leaves no output folder', async () => {
    const root = workspace(`export default defineDataset({ synthesize: { seed: 3, count: 5 } });\n`);
    expect(Exit.isSuccess(await run(toyStage(), root))).toBe(true);
    expect(Exit.isFailure(await run(toyStage(true), root))).toBe(true);
    expect(existsSync(join(root, OUT))).toBe(false);
    expect(readdirSync(join(root, 'artifacts/demo/datasets/toy'))).toEqual([]);
  });

  it('refuses to run a declaration that changed after Nx hashed it', async () => {
    const root = workspace(`export default defineDataset({ synthesize: { seed: 3, count: 5 } });\n`);
    const hash = declarationHash(extractDeclaration(root, FILE));
    expect(Exit.isSuccess(await run(toyStage(), root, hash))).toBe(true);
    writeFileSync(join(root, FILE), `export default defineDataset({ synthesize: { seed: 4, count: 5 } });\n`);
    expect(Exit.isFailure(await run(toyStage(), root, hash))).toBe(true);
  });
});
