/** A run's validated config, tagged with the kind of its dataset (which decides the model schema). */
import { z } from 'zod';
import { TASKS, type TaskName } from '@bptt/data';
import { Seq2SeqRunDeclarationSchema, StreamRunDeclarationSchema, type Seq2SeqRunDeclaration, type StreamRunDeclaration } from '../../config/index.ts';
import { extractDeclaration, type ExtractedDeclaration } from '../../declarations/extract.ts';
import { datasetOfRun } from '../../framework/ledger.ts';
import type { DeclarationLocation } from '../../declarations/layout.ts';

export type RunConfig =
  | ({ readonly kind: 'seq2seq'; readonly datasetLocation: DeclarationLocation } & Seq2SeqRunDeclaration)
  | ({ readonly kind: 'stream'; readonly datasetLocation: DeclarationLocation } & StreamRunDeclaration);

/** The run schema for this declaration: seq2seq models for seq2seq datasets, language models for streams. */
export function runConfigSchema(workspaceRoot: string, declaration: ExtractedDeclaration): z.ZodType<RunConfig> {
  const datasetLocation = datasetOfRun(workspaceRoot, declaration.file);
  const dataset = extractDeclaration(workspaceRoot, datasetLocation.file).value;
  const synthesize = dataset['synthesize'];
  const task = synthesize !== null && typeof synthesize === 'object' && !Array.isArray(synthesize) ? synthesize['task'] : undefined;
  if (typeof task !== 'string') throw new Error(`${datasetLocation.file}: synthesize.task is missing`);
  // An unknown task is reported by the dataset's own validation; here it just selects the seq2seq schema.
  const kind = TASKS[task as TaskName]?.kind ?? 'seq2seq';
  if (kind === 'stream') {
    return StreamRunDeclarationSchema.transform((value) => ({ kind: 'stream' as const, datasetLocation, ...value }));
  }
  return Seq2SeqRunDeclarationSchema.transform((value) => ({ kind: 'seq2seq' as const, datasetLocation, ...value }));
}
