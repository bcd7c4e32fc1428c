/**
 * The services a stage asks for. Stages never build them; the CLI provides them as layers (and tests provide
 * their own: a temporary workspace, a fixed seed).
 */
import { Context } from 'effect';
import { resolve } from 'node:path';
import { createRng, type Rng } from '@bptt/data';
import type { ExtractedDeclaration } from '../declarations/extract.ts';
import { stageOutputDir, type DeclarationLocation, type StageName } from '../declarations/layout.ts';

export interface StageContextShape {
  readonly workspaceRoot: string;
  readonly stage: StageName;
  readonly location: DeclarationLocation;
  readonly declaration: ExtractedDeclaration;
  /** Absolute path of this stage's output folder. */
  readonly outputDir: string;
}

export class StageContext extends Context.Service<StageContext, StageContextShape>()('bptt/StageContext') {}

/** Absolute path of another stage's output folder. */
export function outputDirOf(
  context: StageContextShape,
  location: Pick<DeclarationLocation, 'kind' | 'pipeline' | 'name'>,
  stage: StageName,
): string {
  return resolve(context.workspaceRoot, stageOutputDir(location, stage));
}

export interface RandomnessShape {
  readonly seed: number;
  /** An independent, reproducible stream for one purpose ("shuffle", "dropout", ...). */
  rng(label: string): Rng;
}

export class Randomness extends Context.Service<Randomness, RandomnessShape>()('bptt/Randomness') {}

export function seededRandomness(seed: number): RandomnessShape {
  return { seed, rng: (label) => createRng(`${seed}:${label}`) };
}
