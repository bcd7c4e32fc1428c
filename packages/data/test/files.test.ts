import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DataCardSchema,
  datasetFromFiles,
  datasetToFiles,
  parseDatasetFiles,
  parseTokenizedFiles,
  readTokenizedDir,
  synthesize,
  tokenizeDataset,
  tokenizedToFiles,
  STREAM_CHUNK,
} from '@bptt/data';
import { formatError } from './helpers.ts';

const dirs: string[] = [];
const writeDir = (files: Record<string, string>): string => {
  const dir = mkdtempSync(join(tmpdir(), 'bptt-data-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const numbers = synthesize({ task: 'numbers-es-en', sizes: { train: 200, valid: 20, test: 20 } });
const stream = synthesize({ task: 'delayed-recall', sizes: { train: 2_500, valid: 300, test: 300 } });

describe('dataset files', () => {
  it('writes the documented files, deterministic and free of timestamps', () => {
    const files = datasetToFiles(numbers);
    expect(Object.keys(files).sort()).toEqual(['CARD.md', 'card.json', 'config.json', 'test.jsonl', 'train.jsonl', 'valid.jsonl']);
    expect(files['train.jsonl']?.split('\n').length).toBe(201); // 200 lines and a final newline
    expect(JSON.parse(files['train.jsonl']?.split('\n')[0] ?? '')).toEqual(numbers.kind === 'seq2seq' && numbers.splits.train[0]);
    expect(DataCardSchema.safeParse(JSON.parse(files['card.json'] ?? '')).success).toBe(true);
    expect(files['CARD.md']).toContain('# Data card: numbers-es-en');
    expect(Object.values(files).join('\n')).not.toMatch(/20\d\d-\d\d-\d\dT/);
  });

  it('round-trips seq2seq and stream datasets through a directory', () => {
    for (const dataset of [numbers, stream]) {
      const dir = writeDir(datasetToFiles(dataset));
      const back = datasetFromFiles(dir);
      expect(back).toEqual(dataset);
      expect(datasetToFiles(back)).toEqual(datasetToFiles(dataset));
    }
    const lines = datasetToFiles(stream)['train.jsonl']?.trimEnd().split('\n') ?? [];
    expect(lines.length).toBe(Math.ceil(2_500 / STREAM_CHUNK));
  });

  it('names the file and line of a malformed JSONL line', () => {
    const files = datasetToFiles(numbers);
    const lines = (files['valid.jsonl'] ?? '').split('\n');
    lines[6] = '{"source": "tres", "target": 3}';
    const error = formatError(() => parseDatasetFiles({ ...files, 'valid.jsonl': lines.join('\n') }, 'runs/numbers'));
    expect(error.file).toBe(join('runs/numbers', 'valid.jsonl'));
    expect(error.line).toBe(7);
    expect(error.reason).toContain('field "target"');
    expect(error.message).toContain('runs/numbers/valid.jsonl:7');

    lines[6] = '{"source": "tres", "target": "three"';
    expect(formatError(() => parseDatasetFiles({ ...files, 'valid.jsonl': lines.join('\n') }))).toMatchObject({
      file: 'valid.jsonl',
      line: 7,
    });
    lines[6] = '';
    expect(formatError(() => parseDatasetFiles({ ...files, 'valid.jsonl': lines.join('\n') })).reason).toBe('empty line');
  });

  it('rejects empty splits, missing files, mismatched counts and extra fields', () => {
    const files = datasetToFiles(numbers);
    expect(formatError(() => parseDatasetFiles({ ...files, 'test.jsonl': '' }))).toMatchObject({
      file: 'test.jsonl',
      reason: 'split is empty',
    });
    const { ['train.jsonl']: _, ...withoutTrain } = files;
    expect(formatError(() => parseDatasetFiles(withoutTrain)).reason).toBe('file is missing');
    const shorter = (files['train.jsonl'] ?? '').split('\n').slice(1).join('\n');
    expect(formatError(() => parseDatasetFiles({ ...files, 'train.jsonl': shorter })).reason).toContain('card.json says 200');
    const extra = '{"source":"uno","target":"one","weight":2}\n' + shorter;
    expect(formatError(() => parseDatasetFiles({ ...files, 'train.jsonl': extra })).line).toBe(1);
    const badConfig = files['config.json']?.replace('"numbers-es-en"', '"numbers"') ?? '';
    expect(formatError(() => parseDatasetFiles({ ...files, 'config.json': badConfig })).file).toBe('config.json');
    const dir = writeDir({ 'config.json': files['config.json'] ?? '' });
    expect(formatError(() => datasetFromFiles(dir)).file).toBe(join(dir, 'card.json'));
  });

  it('checks stream chunks are aligned', () => {
    const files = datasetToFiles(stream);
    const chunk = JSON.parse(files['test.jsonl']?.split('\n')[0] ?? '') as { source: string[]; target: string[] };
    chunk.target.pop();
    const error = formatError(() => parseDatasetFiles({ ...files, 'test.jsonl': `${JSON.stringify(chunk)}\n` }));
    expect(error).toMatchObject({ file: 'test.jsonl', line: 1 });
    expect(error.reason).toContain('same number of tokens');
  });
});

describe('tokenized files', () => {
  it('round-trips through a directory, with vocabulary sizes in the card', () => {
    for (const dataset of [numbers, stream]) {
      const tokenized = tokenizeDataset(dataset);
      const files = tokenizedToFiles(tokenized);
      expect(Object.keys(files).sort()).toEqual([
        'CARD.md',
        'card.json',
        'test.ids.json',
        'tokenizer.json',
        'train.ids.json',
        'valid.ids.json',
        'vocab.source.json',
        'vocab.target.json',
      ]);
      expect(JSON.parse(files['card.json'] ?? '').vocabulary.source).toBe(tokenized.sourceVocab.tokens.length);
      const back = readTokenizedDir(writeDir(files));
      expect(back.encoded).toEqual(tokenized.encoded);
      expect(back.sourceVocab.tokens).toEqual(tokenized.sourceVocab.tokens);
      expect(back.card).toEqual(tokenized.card);
      expect(back.tokenizer).toEqual(tokenized.tokenizer);
      expect(tokenizedToFiles(back)).toEqual(files);
    }
  });

  it('rejects ids outside the vocabulary, naming the file and position', () => {
    const tokenized = tokenizeDataset(numbers);
    const files = tokenizedToFiles(tokenized);
    const valid = JSON.parse(files['valid.ids.json'] ?? '') as { source: number[][] };
    (valid.source[2] as number[])[1] = 5_000;
    const error = formatError(() => parseTokenizedFiles({ ...files, 'valid.ids.json': JSON.stringify(valid) }, 'out'));
    expect(error.file).toBe(join('out', 'valid.ids.json'));
    expect(error.reason).toContain('source[2][1]: id 5000 is outside the vocabulary');
    const empty = JSON.stringify({ source: [], target: [] });
    expect(formatError(() => parseTokenizedFiles({ ...files, 'train.ids.json': empty })).reason).toContain('split is empty');
  });
});
