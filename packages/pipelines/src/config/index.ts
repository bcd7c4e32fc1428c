/**
 * Every config schema of an experiment, in one place. The packages own the schemas of what they compute
 * (@bptt/data: datasets and tokenisers, @bptt/models: models, @bptt/train: training); this module owns what only
 * pipelines have (evaluation, reports) and composes them into the schema of each declaration kind.
 */
import { z } from 'zod';
import { DatasetConfigSchema, TokenizerConfigSchema } from '@bptt/data';
import { LanguageModelConfigSchema, Seq2SeqModelConfigSchema } from '@bptt/models';
import { trainConfigSchema } from '@bptt/train';

export { DatasetConfigSchema, TokenizerConfigSchema, LanguageModelConfigSchema, Seq2SeqModelConfigSchema, trainConfigSchema };

/** `dataset: reverse` in a run file, where `reverse` is the default import of a dataset declaration. */
export const DeclarationRefSchema = z.strictObject({ $ref: z.string() });

export const BeamSearchConfigSchema = z.strictObject({
  /** Beams kept at each step (1 = greedy). */
  width: z.int().min(1).default(5),
  /** GNMT length penalty exponent alpha in ((5 + len) / 6)^alpha; 0 = no normalisation. */
  lengthPenalty: z.number().min(0).default(0.6),
});

export const EvaluateConfigSchema = z.strictObject({
  /** The held-out split every metric is computed on. */
  split: z.enum(['valid', 'test']).default('test'),
  batchSize: z.int().positive().default(64),
  /** Evaluate on the first N examples of the split only (beam search is the slow part). */
  maxExamples: z.int().positive().optional(),
  /** Free-running decoding stops here if no EOS came; default: the longest gold target plus 10. */
  maxOutputLength: z.int().positive().optional(),
  beam: BeamSearchConfigSchema.prefault({}),
  /** Examples whose attention weights are kept for heatmaps (attention models only). */
  attentionExamples: z.int().min(0).default(3),
  /** Stream models: evaluate in chunks of this many steps, carrying the state. */
  streamChunk: z.int().positive().default(100),
});

export const DatasetDeclarationSchema = z.strictObject({
  description: z.string().optional(),
  synthesize: DatasetConfigSchema,
  tokenize: TokenizerConfigSchema,
});

/**
 * `onDivergence`: what a run does when its loss diverges (NaN or infinite). `fail` (the default) fails the stage.
 * `record` is for runs that exist to show the explosion (no clipping): the stage succeeds and records the step and
 * value of the divergence instead of a model; evaluation reports the run as diverged. No broken model is written.
 */
const runFields = {
  dataset: DeclarationRefSchema,
  description: z.string().optional(),
  /** Short name in the report's tables and legends; default: the run's folder name. */
  label: z.string().optional(),
  /** The report sections (questions) this run answers, e.g. ['attention', 'teacher-forcing']. */
  groups: z.array(z.string()).default([]),
  onDivergence: z.enum(['fail', 'record']).default('fail'),
  train: trainConfigSchema,
  evaluate: EvaluateConfigSchema.prefault({}),
};

export const Seq2SeqRunDeclarationSchema = z.strictObject({ ...runFields, model: Seq2SeqModelConfigSchema });
export const StreamRunDeclarationSchema = z.strictObject({ ...runFields, model: LanguageModelConfigSchema });

export const PipelineDeclarationSchema = z.strictObject({
  title: z.string(),
  /** What the pipeline is for, in a few sentences: the report's introduction. */
  description: z.string(),
  /** Roughly how long a cold run takes on 2 cores, stated in the report and the README. */
  expectedDuration: z.string().optional(),
});

export type EvaluateConfig = z.output<typeof EvaluateConfigSchema>;
export type DatasetDeclaration = z.output<typeof DatasetDeclarationSchema>;
export type Seq2SeqRunDeclaration = z.output<typeof Seq2SeqRunDeclarationSchema>;
export type StreamRunDeclaration = z.output<typeof StreamRunDeclarationSchema>;
export type PipelineDeclaration = z.output<typeof PipelineDeclarationSchema>;
