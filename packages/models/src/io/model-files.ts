/**
 * Save and load in the TensorFlow.js model format: `model.json` (format, modelTopology, weightsManifest) next to one
 * binary weight file written by tf.io.encodeWeights. Our modelTopology is the validated model config plus the
 * vocabulary sizes (not a Keras topology), so `format` names it: 'bptt-lab/seq2seq' or 'bptt-lab/recurrent-lm'.
 * Files are deterministic bytes: stable key order, weights in the model's fixed order, no timestamps.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { stableStringify } from '@bptt/data';
import { z } from 'zod';
import { LanguageModelConfigSchema, Seq2SeqModelConfigSchema } from '../config.ts';
import { RecurrentLanguageModel } from '../lm/model.ts';
import { Seq2SeqModel } from '../seq2seq/model.ts';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_FILE = 'group1-shard1of1.bin';
export const SEQ2SEQ_FORMAT = 'bptt-lab/seq2seq';
export const LANGUAGE_MODEL_FORMAT = 'bptt-lab/recurrent-lm';
const GENERATED_BY = `@bptt/models (TensorFlow.js ${tf.version_core})`;

export type SavedModel = Seq2SeqModel | RecurrentLanguageModel;

const vocabSize = z.number().int().positive();
const ManifestSchema = z.array(
  z.object({
    paths: z.array(z.string().min(1)).min(1),
    weights: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().nonnegative()), dtype: z.enum(['float32', 'int32', 'bool']) }).loose()),
  }),
);
const ModelJsonSchema = z.discriminatedUnion('format', [
  z.object({
    format: z.literal(SEQ2SEQ_FORMAT),
    modelTopology: z.object({ config: Seq2SeqModelConfigSchema, sourceVocabSize: vocabSize, targetVocabSize: vocabSize }),
    weightsManifest: ManifestSchema,
  }),
  z.object({
    format: z.literal(LANGUAGE_MODEL_FORMAT),
    modelTopology: z.object({ config: LanguageModelConfigSchema, inputVocabSize: vocabSize, outputVocabSize: vocabSize }),
    weightsManifest: ManifestSchema,
  }),
]);

/** model.json and the weight file, as bytes keyed by file name (the caller writes them atomically). */
export async function serializeModel(model: SavedModel): Promise<Record<string, Uint8Array>> {
  const named = [...model.namedWeights].map(([name, tensor]) => ({ name, tensor }));
  const { data, specs } = await tf.io.encodeWeights(named);
  const modelTopology =
    model.kind === 'seq2seq'
      ? { config: model.config, sourceVocabSize: model.sourceVocabSize, targetVocabSize: model.targetVocabSize }
      : { config: model.config, inputVocabSize: model.inputVocabSize, outputVocabSize: model.outputVocabSize };
  const modelJson = {
    format: model.kind === 'seq2seq' ? SEQ2SEQ_FORMAT : LANGUAGE_MODEL_FORMAT,
    generatedBy: GENERATED_BY,
    convertedBy: null,
    modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: specs }],
  };
  return {
    [MODEL_JSON]: new TextEncoder().encode(stableStringify(modelJson)),
    [WEIGHTS_FILE]: new Uint8Array(data),
  };
}

/** Rebuilds a model from the files `serializeModel` produced. `origin` (e.g. the directory) prefixes errors. */
export function deserializeModel(files: Readonly<Record<string, Uint8Array>>, origin = '<memory>'): SavedModel {
  const where = (file: string) => (origin === '<memory>' ? file : path.join(origin, file));
  const jsonBytes = files[MODEL_JSON];
  if (jsonBytes === undefined) throw new Error(`${where(MODEL_JSON)}: missing`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(jsonBytes));
  } catch (error) {
    throw new Error(`${where(MODEL_JSON)}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = ModelJsonSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`${where(MODEL_JSON)}: invalid model file: ${issues}`);
  }
  const spec = parsed.data;
  const buffers: ArrayBuffer[] = [];
  const entries: tf.io.WeightsManifestEntry[] = [];
  for (const group of spec.weightsManifest) {
    for (const file of group.paths) {
      const bytes = files[file];
      if (bytes === undefined) throw new Error(`${where(file)}: weight file listed in ${MODEL_JSON} is missing`);
      buffers.push(bytes.slice().buffer);
    }
    entries.push(...(group.weights as tf.io.WeightsManifestEntry[]));
  }
  const expected = entries.reduce((sum, e) => sum + 4 * e.shape.reduce((a, b) => a * b, 1), 0);
  const actual = buffers.reduce((sum, b) => sum + b.byteLength, 0);
  if (expected !== actual) throw new Error(`${where(WEIGHTS_FILE)}: ${actual} bytes, the manifest describes ${expected}`);

  const model: SavedModel =
    spec.format === SEQ2SEQ_FORMAT
      ? new Seq2SeqModel({
          config: spec.modelTopology.config,
          sourceVocabSize: spec.modelTopology.sourceVocabSize,
          targetVocabSize: spec.modelTopology.targetVocabSize,
          seed: 0,
        })
      : new RecurrentLanguageModel({
          config: spec.modelTopology.config,
          inputVocabSize: spec.modelTopology.inputVocabSize,
          outputVocabSize: spec.modelTopology.outputVocabSize,
          seed: 0,
        });
  const weights = tf.io.decodeWeights(buffers, entries);
  try {
    model.setWeights(weights, where(MODEL_JSON));
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    tf.dispose(Object.values(weights));
  }
  return model;
}

/** Reads `dir/model.json` and the weight files it lists. */
export async function loadModel(dir: string): Promise<SavedModel> {
  const jsonBytes = new Uint8Array(await readFile(path.join(dir, MODEL_JSON)));
  const files: Record<string, Uint8Array> = { [MODEL_JSON]: jsonBytes };
  let manifest: unknown;
  try {
    manifest = (JSON.parse(new TextDecoder().decode(jsonBytes)) as { weightsManifest?: unknown }).weightsManifest;
  } catch (error) {
    throw new Error(`${path.join(dir, MODEL_JSON)}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const groups = ManifestSchema.safeParse(manifest);
  if (groups.success) {
    for (const file of groups.data.flatMap((g) => g.paths)) {
      if (path.isAbsolute(file) || file.split(/[\\/]/).includes('..')) throw new Error(`${path.join(dir, MODEL_JSON)}: weight path '${file}' leaves the model directory`);
      files[file] = new Uint8Array(await readFile(path.join(dir, file)));
    }
  }
  return deserializeModel(files, dir);
}
