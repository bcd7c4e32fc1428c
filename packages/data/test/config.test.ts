import { describe, expect, it } from 'vitest';
import {
  DatasetConfigSchema,
  TokenizerConfigSchema,
  parseDatasetConfig,
  parseTokenizerConfig,
  synthesize,
} from '@bptt/data';
import { configError } from './helpers.ts';

describe('dataset config schemas', () => {
  it('fills in documented defaults', () => {
    expect(parseDatasetConfig({ task: 'reverse' })).toEqual({
      task: 'reverse',
      seed: 0,
      sizes: { train: 10_000, valid: 1_000, test: 1_000 },
      alphabetSize: 10,
      length: { min: 5, max: 20 },
    });
    const cmudict = parseDatasetConfig({ task: 'cmudict' });
    expect(cmudict).toMatchObject({ stripStress: true, lettersOnly: true, sizes: { train: 'all' } });
    expect(parseDatasetConfig({ task: 'brown' })).toMatchObject({ sentenceBoundary: '<eos>', documentSplit: 'seeded' });
  });

  it('rejects min > max, naming the field and the value', () => {
    const error = configError(() => parseDatasetConfig({ task: 'copy', length: { min: 12, max: 3 } }, 'configs/copy.json'));
    expect(error.field).toBe('length.min');
    expect(error.problems[0]?.value).toBe(12);
    expect(error.message).toContain('configs/copy.json');
    expect(error.message).toContain('length.min = 12');
    expect(error.message).toContain('must be <= max (3)');
  });

  it('rejects a zero-size split', () => {
    const error = configError(() => parseDatasetConfig({ task: 'sort', sizes: { train: 10, valid: 0, test: 5 } }));
    expect(error.field).toBe('sizes.valid');
    expect(error.message).toContain('sizes.valid = 0');
  });

  it('rejects more unique examples than the task can produce', () => {
    // 10 + 100 sequences of length 1..2 over 10 symbols.
    const error = configError(() =>
      parseDatasetConfig({ task: 'copy', length: { min: 1, max: 2 }, sizes: { train: 100, valid: 10, test: 1 } }),
    );
    expect(error.field).toBe('sizes');
    expect(error.message).toContain('111 unique examples requested');
    expect(error.message).toContain('only 110 distinct sources');
    // Exactly the capacity is allowed, and is drawn (no example twice).
    const full = synthesize({ task: 'copy', length: { min: 1, max: 2 }, sizes: { train: 90, valid: 10, test: 10 } });
    expect(full.card.counts).toEqual({ train: 90, valid: 10, test: 10 });

    const addition = configError(() => parseDatasetConfig({ task: 'addition', digits: 1, sizes: { train: 50, valid: 5, test: 1 } }));
    expect(addition.message).toContain('only 55 distinct sources');
    const numbers = configError(() =>
      parseDatasetConfig({ task: 'numbers-es-en', range: { min: 0, max: 9 }, sizes: { train: 9, valid: 1, test: 1 } }),
    );
    expect(numbers.field).toBe('sizes');
  });

  it('rejects unknown tasks, unknown fields and non-integers', () => {
    expect(configError(() => parseDatasetConfig({ task: 'transliterate' })).field).toBe('task');
    const unknown = configError(() => parseDatasetConfig({ task: 'copy', alphabet: 5 }));
    expect(unknown.field).toBe('alphabet');
    expect(unknown.message).toContain('unknown field');
    expect(configError(() => parseDatasetConfig({ task: 'copy', seed: 1.5 })).field).toBe('seed');
  });

  it('checks task-specific constraints', () => {
    expect(configError(() => parseDatasetConfig({ task: 'long-recall', recall: 120, length: { min: 100, max: 200 } })).field).toBe(
      'recall',
    );
    expect(configError(() => parseDatasetConfig({ task: 'delayed-recall', delay: 50, sizes: { train: 1000, valid: 50, test: 100 } })).field).toBe(
      'sizes.valid',
    );
    // Two-digit years would be ambiguous over more than a century.
    const dates = configError(() => parseDatasetConfig({ task: 'dates', years: { min: 1900, max: 2099 } }));
    expect(dates.field).toBe('formats');
    expect(dates.message).toContain('MM/DD/YY');
    expect(() => parseDatasetConfig({ task: 'dates', years: { min: 1900, max: 2099 }, formats: ['D MMM YYYY', 'YYYY/MM/DD'] })).not.toThrow();
    expect(configError(() => parseDatasetConfig({ task: 'dates', formats: ['D.M.YYYY', 'D.M.YYYY'] })).message).toContain('duplicate');
    expect(configError(() => parseDatasetConfig({ task: 'brown', sentenceBoundary: 'end of sentence' })).field).toBe('sentenceBoundary');
  });

  it('exports the union and tokenizer schemas', () => {
    expect(DatasetConfigSchema.safeParse({ task: 'dates' }).success).toBe(true);
    expect(TokenizerConfigSchema.parse({})).toEqual({ minFrequency: 1 });
    expect(configError(() => parseTokenizerConfig({ maxSize: 3 })).field).toBe('maxSize');
    expect(configError(() => parseTokenizerConfig({ levels: { source: 'byte', target: 'char' } })).field).toBe('levels.source');
  });
});
