/**
 * What experiment files call. The functions return their argument unchanged: their job is the type check
 * (a misspelt field or an unknown dataset is a compile error) and to mark the object the Nx plugin reads.
 */
import type { z } from 'zod';
import type {
  DatasetDeclarationSchema,
  EvaluateConfigSchema,
  LanguageModelConfigSchema,
  PipelineDeclarationSchema,
  Seq2SeqModelConfigSchema,
  trainConfigSchema,
} from './config/index.ts';

declare const datasetBrand: unique symbol;

export type DatasetDeclarationInput = z.input<typeof DatasetDeclarationSchema>;
/** A dataset declaration, as a run file imports it. */
export type DatasetHandle<D extends DatasetDeclarationInput = DatasetDeclarationInput> = D & { readonly [datasetBrand]: true };

export interface RunDeclarationInput {
  /** The default export of a dataset file of the same pipeline. */
  readonly dataset: DatasetHandle;
  readonly description?: string;
  readonly label?: string;
  readonly groups?: readonly string[];
  readonly onDivergence?: 'fail' | 'record';
  readonly model: z.input<typeof Seq2SeqModelConfigSchema> | z.input<typeof LanguageModelConfigSchema>;
  readonly train: z.input<typeof trainConfigSchema>;
  readonly evaluate?: z.input<typeof EvaluateConfigSchema>;
}

export function defineDataset<const D extends DatasetDeclarationInput>(declaration: D): DatasetHandle<D> {
  return declaration as DatasetHandle<D>;
}

export function defineRun<const R extends RunDeclarationInput>(declaration: R): R {
  return declaration;
}

export function definePipeline<const P extends z.input<typeof PipelineDeclarationSchema>>(declaration: P): P {
  return declaration;
}
