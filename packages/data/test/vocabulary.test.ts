import { describe, expect, it } from 'vitest';
import {
  BOS_ID,
  EOS_ID,
  PAD_ID,
  SPECIAL_TOKENS,
  UNK_ID,
  buildVocabulary,
  decode,
  decodeTokens,
  detokenize,
  encode,
  encodeTokens,
  tokenCount,
  tokenize,
  vocabularyFromJson,
  vocabularyToJson,
} from '@bptt/data';
import { formatError } from './helpers.ts';

describe('tokenize', () => {
  it('char level splits Unicode code points, not UTF-16 units', () => {
    expect(tokenize('año 🙂', 'char')).toEqual(['a', 'ñ', 'o', ' ', '🙂']);
    expect(tokenCount('año 🙂', 'char')).toBe(5);
    expect(detokenize(tokenize('año 🙂', 'char'), 'char')).toBe('año 🙂');
  });

  it('word level splits on whitespace runs', () => {
    expect(tokenize('  tres  mil\tdos\n', 'word')).toEqual(['tres', 'mil', 'dos']);
    expect(tokenize('', 'word')).toEqual([]);
    expect(tokenCount(' a  b ', 'word')).toBe(2);
  });

  it('symbol level requires exactly one space between symbols', () => {
    expect(tokenize('HH AH L OW', 'symbol')).toEqual(['HH', 'AH', 'L', 'OW']);
    expect(tokenize('', 'symbol')).toEqual([]);
    expect(tokenCount('HH AH L OW', 'symbol')).toBe(4);
    expect(() => tokenize('HH  AH', 'symbol')).toThrow(/empty symbol at position 1/);
    expect(() => tokenize('HH ', 'symbol')).toThrow(/empty symbol/);
  });
});

describe('vocabulary', () => {
  const lists = [
    ['b', 'a', 'c', 'a'],
    ['c', 'a', 'd'],
    ['e', 'b'],
  ];

  it('has fixed special ids, then tokens by frequency desc and token asc', () => {
    expect([PAD_ID, BOS_ID, EOS_ID, UNK_ID]).toEqual([0, 1, 2, 3]);
    const vocab = buildVocabulary(lists);
    expect(vocab.tokens).toEqual([...SPECIAL_TOKENS, 'a', 'b', 'c', 'd', 'e']);
    expect(vocab.counts).toEqual([0, 0, 0, 0, 3, 2, 2, 1, 1]);
    expect(vocab.ids.get('c')).toBe(6);
  });

  it('applies minFrequency and maxSize (which counts the specials)', () => {
    expect(buildVocabulary(lists, { minFrequency: 2 }).tokens.slice(4)).toEqual(['a', 'b', 'c']);
    expect(buildVocabulary(lists, { maxSize: 6 }).tokens.slice(4)).toEqual(['a', 'b']);
    expect(() => buildVocabulary(lists, { maxSize: 4 })).toThrow(/maxSize/);
    expect(() => buildVocabulary(lists, { minFrequency: 0 })).toThrow(/minFrequency/);
  });

  it('maps text equal to a special token to its fixed id', () => {
    const vocab = buildVocabulary([['the', 'end', '<eos>', '<unk>', 'the']]);
    expect(vocab.tokens).toEqual([...SPECIAL_TOKENS, 'the', 'end']);
    expect(vocab.counts.slice(0, 4)).toEqual([0, 0, 1, 1]);
    expect(encodeTokens(['the', '<eos>', '<unk>'], vocab)).toEqual([4, EOS_ID, UNK_ID]);
  });

  it('serialises to deterministic JSON and loads back', () => {
    const vocab = buildVocabulary(lists);
    const json = vocabularyToJson(vocab);
    expect(vocabularyToJson(buildVocabulary([...lists].reverse()))).toBe(json);
    const loaded = vocabularyFromJson(json);
    expect(loaded.tokens).toEqual(vocab.tokens);
    expect(loaded.counts).toEqual(vocab.counts);
    expect([...loaded.ids]).toEqual([...vocab.ids]);
  });

  it('rejects malformed vocabulary files, naming the file', () => {
    const good = JSON.parse(vocabularyToJson(buildVocabulary(lists))) as { tokens: string[]; counts: number[] };
    const broken = { ...good, tokens: ['<unk>', ...good.tokens.slice(1)] };
    const error = formatError(() => vocabularyFromJson(JSON.stringify(broken), 'run/vocab.source.json'));
    expect(error.file).toBe('run/vocab.source.json');
    expect(error.reason).toContain('token 0 must be <pad>');
    expect(formatError(() => vocabularyFromJson('{"format":', 'v.json')).reason).toContain('invalid JSON');
    const duplicated = { ...good, tokens: [...good.tokens, 'a'], counts: [...good.counts, 1] };
    expect(formatError(() => vocabularyFromJson(JSON.stringify(duplicated))).reason).toContain('duplicate token "a"');
  });
});

describe('encode / decode', () => {
  const vocab = buildVocabulary([tokenize('the cat sat on the mat', 'word')]);

  it('round-trips in-vocabulary text at every level, without BOS/EOS', () => {
    const ids = encode('the cat sat', vocab, 'word');
    expect(ids).toEqual([vocab.ids.get('the'), vocab.ids.get('cat'), vocab.ids.get('sat')]);
    expect(ids).not.toContain(BOS_ID);
    expect(ids).not.toContain(EOS_ID);
    expect(decode(ids, vocab, 'word')).toBe('the cat sat');
    const chars = buildVocabulary([tokenize('hëllo wörld', 'char')]);
    expect(decode(encode('wöll hë', chars, 'char'), chars, 'char')).toBe('wöll hë');
    const phones = buildVocabulary([tokenize('HH AH L OW', 'symbol')]);
    expect(decode(encode('L OW AH', phones, 'symbol'), phones, 'symbol')).toBe('L OW AH');
  });

  it('turns unseen tokens into UNK', () => {
    const ids = encode('the dog sat', vocab, 'word');
    expect(ids[1]).toBe(UNK_ID);
    expect(decode(ids, vocab, 'word')).toBe('the <unk> sat');
  });

  it('decodes model output: skips PAD and BOS, stops at EOS', () => {
    const cat = vocab.ids.get('cat') as number;
    const sat = vocab.ids.get('sat') as number;
    expect(decode([BOS_ID, cat, sat, EOS_ID, cat, PAD_ID], vocab, 'word')).toBe('cat sat');
    expect(decodeTokens([BOS_ID, cat, EOS_ID], vocab)).toEqual(['<bos>', 'cat', '<eos>']);
    expect(() => decodeTokens([999], vocab)).toThrow(/outside the vocabulary/);
  });
});
