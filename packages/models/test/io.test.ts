import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  deserializeModel,
  greedyDecode,
  loadModel,
  makeSeq2SeqBatch,
  MODEL_JSON,
  RecurrentLanguageModel,
  Seq2SeqModel,
  serializeModel,
  WEIGHTS_FILE,
} from '@bptt/models';
import { randomIds, useTestBackend } from './helpers.ts';

beforeAll(async () => {
  await useTestBackend();
});

const split = { source: randomIds(createRng('io'), 4, 3, 9, 2, 5), target: randomIds(createRng('io-t'), 4, 3, 9, 1, 4) };
const config = { cell: 'gru', embeddingDim: 6, hiddenDim: 6, layers: 2, bidirectional: true, attention: 'general', inputFeeding: true, tieEmbeddings: true } as const;

function outputs(model: Seq2SeqModel) {
  const batch = makeSeq2SeqBatch(split, [0, 1, 2, 3]);
  const loss = tf.tidy(() => model.forward(batch, { training: false, teacherForcing: { ratio: 1 } }).loss.dataSync()[0]);
  const decoded = greedyDecode(model, batch.source, batch.sourceMask, { maxLength: 5 });
  tf.dispose(Object.values(batch));
  return { loss, decoded };
}

describe('save and load (TensorFlow.js format)', () => {
  it('a seq2seq model loads back with identical weights and outputs, from memory and from a directory', async () => {
    const model = new Seq2SeqModel({ config, sourceVocabSize: 10, targetVocabSize: 10, seed: 21 });
    // Change the weights away from their seeded initial values, so loading cannot pass by re-initialising.
    for (const w of model.trainableVariables) w.assign(tf.tidy(() => tf.add(tf.mul(w, 1.5), 0.01)));
    const files = await serializeModel(model);
    expect(Object.keys(files).sort()).toEqual([WEIGHTS_FILE, MODEL_JSON].sort());
    const json = JSON.parse(new TextDecoder().decode(files[MODEL_JSON]));
    expect(json.format).toBe('bptt-lab/seq2seq');
    expect(json.modelTopology).toMatchObject({ sourceVocabSize: 10, targetVocabSize: 10, config: { cell: 'gru', attention: 'general' } });
    expect(json.weightsManifest[0].paths).toEqual([WEIGHTS_FILE]);
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toEqual([...model.namedWeights.keys()]);

    const fromMemory = deserializeModel(files) as Seq2SeqModel;
    expect(fromMemory.kind).toBe('seq2seq');
    expect(outputs(fromMemory)).toEqual(outputs(model));

    const dir = await mkdtemp(path.join(tmpdir(), 'bptt-models-io-'));
    try {
      for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(dir, name), bytes);
      const fromDisk = (await loadModel(dir)) as Seq2SeqModel;
      for (const [name, weight] of model.namedWeights) {
        expect([name, Array.from(fromDisk.namedWeights.get(name)?.dataSync() ?? [])]).toEqual([name, Array.from(weight.dataSync())]);
      }
      fromDisk.dispose();
    } finally {
      await rm(dir, { recursive: true });
    }
    fromMemory.dispose();
    model.dispose();
  });

  it('files are deterministic bytes: the same seed gives the same files', async () => {
    const a = new RecurrentLanguageModel({ config: { embeddingDim: 4, hiddenDim: 5, layers: 1 }, inputVocabSize: 7, outputVocabSize: 5, seed: 'x' });
    const b = new RecurrentLanguageModel({ config: { embeddingDim: 4, hiddenDim: 5, layers: 1 }, inputVocabSize: 7, outputVocabSize: 5, seed: 'x' });
    const c = new RecurrentLanguageModel({ config: { embeddingDim: 4, hiddenDim: 5, layers: 1 }, inputVocabSize: 7, outputVocabSize: 5, seed: 'y' });
    const [fa, fb, fc] = await Promise.all([serializeModel(a), serializeModel(b), serializeModel(c)]);
    expect(fa).toEqual(fb);
    expect(fa[WEIGHTS_FILE]).not.toEqual(fc[WEIGHTS_FILE]);
    const loaded = deserializeModel(fa) as RecurrentLanguageModel;
    expect(loaded.kind).toBe('language-model');
    expect([loaded.inputVocabSize, loaded.outputVocabSize]).toEqual([7, 5]);
    expect(await serializeModel(loaded)).toEqual(fa);
    [a, b, c, loaded].forEach((m) => m.dispose());
  });

  it('broken files give errors that name the file and the problem', async () => {
    const model = new RecurrentLanguageModel({ config: { embeddingDim: 4, hiddenDim: 5, layers: 1 }, inputVocabSize: 7, seed: 1 });
    const files = await serializeModel(model);
    expect(() => deserializeModel({ [MODEL_JSON]: files[MODEL_JSON] as Uint8Array }, '/runs/a')).toThrow(`/runs/a/${WEIGHTS_FILE}: weight file listed in model.json is missing`);
    expect(() => deserializeModel({ ...files, [WEIGHTS_FILE]: (files[WEIGHTS_FILE] as Uint8Array).slice(4) }, '/runs/a')).toThrow(/group1-shard1of1.bin: \d+ bytes, the manifest describes \d+/);
    const json = JSON.parse(new TextDecoder().decode(files[MODEL_JSON]));
    json.modelTopology.config.hiddenDim = -3;
    expect(() => deserializeModel({ ...files, [MODEL_JSON]: new TextEncoder().encode(JSON.stringify(json)) }, '/runs/a')).toThrow(/\/runs\/a\/model.json: invalid model file: modelTopology.config.hiddenDim/);
    expect(() => deserializeModel({ ...files, [MODEL_JSON]: new TextEncoder().encode('{') })).toThrow(/model.json: not valid JSON/);
    model.dispose();
  });
});
