import { describe, expect, it } from 'vitest';
import {
  BLANK_SYMBOL,
  SPLIT_NAMES,
  SYNTHETIC_TASKS,
  datasetToFiles,
  findLeakage,
  symbolAlphabet,
  synthesize,
  type Dataset,
  type Seq2seqExample,
  type StreamSplit,
  type SyntheticDatasetConfigInput,
} from '@bptt/data';

const small = { train: 300, valid: 50, test: 50 };

/** A small config of every synthetic task. */
const CONFIGS: SyntheticDatasetConfigInput[] = [
  { task: 'copy', sizes: small },
  { task: 'reverse', sizes: small },
  { task: 'sort', sizes: small },
  { task: 'addition', sizes: small },
  { task: 'dates', sizes: small },
  { task: 'numbers-es-en', sizes: small },
  { task: 'long-recall', sizes: small, length: { min: 100, max: 150 } },
  { task: 'delayed-recall', sizes: { train: 2000, valid: 300, test: 300 } },
];

const allExamples = (dataset: Dataset): Seq2seqExample[] => {
  if (dataset.kind !== 'seq2seq') throw new Error(`${dataset.task} is not seq2seq`);
  return SPLIT_NAMES.flatMap((split) => dataset.splits[split]);
};
const streams = (dataset: Dataset): StreamSplit[] => {
  if (dataset.kind !== 'stream') throw new Error(`${dataset.task} is not a stream`);
  return SPLIT_NAMES.map((split) => dataset.splits[split]);
};

describe('determinism', () => {
  it('covers every synthetic task', () => {
    expect(new Set(CONFIGS.map((c) => c.task))).toEqual(new Set(SYNTHETIC_TASKS));
  });

  it.each(CONFIGS.map((c) => [c.task, c] as const))('%s: same seed gives the same bytes, another seed other data', (_, config) => {
    const a = datasetToFiles(synthesize({ ...config, seed: 7 }));
    const b = datasetToFiles(synthesize({ ...config, seed: 7 }));
    const c = datasetToFiles(synthesize({ ...config, seed: 8 }));
    expect(a).toEqual(b);
    for (const split of SPLIT_NAMES) expect(c[`${split}.jsonl`]).not.toBe(a[`${split}.jsonl`]);
  });

  it('keeps the test split when only the train size changes', () => {
    const a = synthesize({ task: 'reverse', sizes: { train: 100, valid: 20, test: 20 } });
    const b = synthesize({ task: 'reverse', sizes: { train: 400, valid: 20, test: 20 } });
    if (a.kind !== 'seq2seq' || b.kind !== 'seq2seq') throw new Error('seq2seq expected');
    expect(b.splits.test).toEqual(a.splits.test);
    expect(b.splits.valid).toEqual(a.splits.valid);
    expect(b.splits.train.slice(0, 100)).toEqual(a.splits.train);
  });
});

describe('no leakage', () => {
  it.each(CONFIGS.filter((c) => c.task !== 'delayed-recall').map((c) => [c.task, c] as const))(
    '%s: no source repeats within or across splits, sizes are exact',
    (_, config) => {
      const dataset = synthesize(config);
      if (dataset.kind !== 'seq2seq') throw new Error('seq2seq expected');
      expect(findLeakage(dataset.splits)).toEqual([]);
      const sources = allExamples(dataset).map((e) => e.source);
      expect(new Set(sources).size).toBe(sources.length);
      expect(dataset.card.counts).toEqual(config.sizes);
    },
  );

  it('findLeakage reports a shared source', () => {
    const leak = findLeakage({ train: [{ source: 'a b', target: 'b a' }], valid: [], test: [{ source: 'a b', target: 'b a' }] });
    expect(leak).toEqual([{ source: 'a b', splits: ['train', 'test'] }]);
  });
});

describe('sequence tasks', () => {
  const alphabet = symbolAlphabet(10);
  const rank = (symbol: string): number => alphabet.indexOf(symbol);

  it('copy: target is the source; lengths and symbols within the config', () => {
    const examples = allExamples(synthesize({ task: 'copy', sizes: small, length: { min: 3, max: 9 } }));
    for (const { source, target } of examples) {
      expect(target).toBe(source);
      const symbols = source.split(' ');
      expect(symbols.length).toBeGreaterThanOrEqual(3);
      expect(symbols.length).toBeLessThanOrEqual(9);
      for (const symbol of symbols) expect(alphabet).toContain(symbol);
    }
    const lengths = new Set(examples.map((e) => e.source.split(' ').length));
    expect(lengths).toEqual(new Set([3, 4, 5, 6, 7, 8, 9]));
  });

  it('reverse: reversing the target gives back the source', () => {
    for (const { source, target } of allExamples(synthesize({ task: 'reverse', sizes: small }))) {
      expect(target.split(' ').reverse().join(' ')).toBe(source);
    }
  });

  it('sort: target is sorted by alphabet order and is a permutation of the source', () => {
    for (const { source, target } of allExamples(synthesize({ task: 'sort', sizes: small }))) {
      const out = target.split(' ');
      for (let i = 1; i < out.length; i++) expect(rank(out[i - 1] as string)).toBeLessThanOrEqual(rank(out[i] as string));
      expect(out.slice().sort()).toEqual(source.split(' ').sort());
    }
  });

  it('sort orders large alphabets by index, not as strings', () => {
    const big = symbolAlphabet(40);
    expect(big[12]).toBe('s12');
    for (const { target } of allExamples(synthesize({ task: 'sort', alphabetSize: 40, sizes: small }))) {
      const indices = target.split(' ').map((s) => big.indexOf(s));
      expect(indices.every((x) => x >= 0)).toBe(true);
      expect(indices).toEqual(indices.slice().sort((a, b) => a - b));
    }
  });
});

describe('addition', () => {
  it('sums are right, operands have at most `digits` digits, a+b and b+a never both appear', () => {
    const examples = allExamples(synthesize({ task: 'addition', digits: 3, sizes: { train: 2000, valid: 200, test: 200 } }));
    const pairs = new Set<string>();
    for (const { source, target } of examples) {
      const match = /^(\d{1,3})\+(\d{1,3})$/.exec(source);
      expect(match, source).not.toBeNull();
      const [a, b] = [Number(match?.[1]), Number(match?.[2])];
      expect(String(a)).toBe(match?.[1]); // no leading zeros
      expect(Number(target)).toBe(a + b);
      const key = [a, b].sort((x, y) => x - y).join('+');
      expect(pairs.has(key), key).toBe(false);
      pairs.add(key);
    }
  });

  it('reverseSource reverses the question characters', () => {
    for (const { source, target } of allExamples(synthesize({ task: 'addition', reverseSource: true, sizes: small }))) {
      const [a, b] = [...source].reverse().join('').split('+').map(Number);
      expect(Number(target)).toBe((a as number) + (b as number));
    }
  });
});

describe('long recall', () => {
  it('target is the first k symbols of a long source', () => {
    const examples = allExamples(
      synthesize({ task: 'long-recall', recall: 7, length: { min: 120, max: 200 }, sizes: small }),
    );
    for (const { source, target } of examples) {
      const symbols = source.split(' ');
      expect(symbols.length).toBeGreaterThanOrEqual(120);
      expect(symbols.length).toBeLessThanOrEqual(200);
      expect(target).toBe(symbols.slice(0, 7).join(' '));
    }
  });
});

describe('delayed recall', () => {
  it('target[t] = source[t - delay], blank before', () => {
    const dataset = synthesize({ task: 'delayed-recall', delay: 13, alphabetSize: 6, sizes: { train: 500, valid: 100, test: 80 } });
    const [train, valid, test] = streams(dataset) as [StreamSplit, StreamSplit, StreamSplit];
    expect([train.source.length, valid.source.length, test.source.length]).toEqual([500, 100, 80]);
    for (const split of [train, valid, test]) {
      expect(split.target.length).toBe(split.source.length);
      split.target.forEach((symbol, t) => expect(symbol).toBe(t < 13 ? BLANK_SYMBOL : split.source[t - 13]));
      expect(new Set(split.source)).toEqual(new Set(symbolAlphabet(6)));
    }
    expect(dataset.card.countUnit).toBe('tokens');
    expect(dataset.card.notes.join(' ')).toContain('at least 14 steps');
  });
});
