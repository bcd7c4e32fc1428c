/**
 * Vocabularies with fixed special ids (PAD=0, BOS=1, EOS=2, UNK=3, shared by every package), then tokens by
 * frequency (descending) and, for equal frequency, by token (ascending UTF-16 code units, JavaScript's default
 * string order), so the same training data always gives the same ids and the same JSON bytes.
 *
 * A token whose text equals a special token's name ("<eos>", "<unk>") maps to that special id, as in torchtext and
 * PyTorch's word_language_model: Brown's sentence boundary "<eos>" is the EOS id, Penn-Treebank-style "<unk>" is UNK.
 */
import { DataFormatError } from '../errors.ts';
import { stableStringify } from '../stable-json.ts';

export const PAD_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
export const UNK_ID = 3;
export const SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>', '<unk>'] as const;
export const VOCABULARY_FORMAT = 'bptt-vocab/1';

export interface Vocabulary {
  /** id -> token; ids 0..3 are the special tokens. */
  readonly tokens: readonly string[];
  /** id -> occurrences in the data the vocabulary was built from (for specials: occurrences of their text). */
  readonly counts: readonly number[];
  /** token -> id. */
  readonly ids: ReadonlyMap<string, number>;
}

export interface VocabularyOptions {
  /** Tokens seen fewer times are left out (they encode as UNK). Default 1. */
  readonly minFrequency?: number;
  /** Largest vocabulary, counting the 4 special tokens. Default: no limit. */
  readonly maxSize?: number;
}

export function countTokens(tokenLists: Iterable<readonly string[]>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const tokens of tokenLists) {
    for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
  }
  return counts;
}

export function buildVocabulary(tokenLists: Iterable<readonly string[]>, options: VocabularyOptions = {}): Vocabulary {
  return vocabularyFromCounts(countTokens(tokenLists), options);
}

export function vocabularyFromCounts(counts: ReadonlyMap<string, number>, options: VocabularyOptions = {}): Vocabulary {
  const minFrequency = options.minFrequency ?? 1;
  const maxSize = options.maxSize ?? Infinity;
  if (!Number.isInteger(minFrequency) || minFrequency < 1) {
    throw new RangeError(`buildVocabulary: minFrequency must be an integer >= 1, got ${minFrequency}`);
  }
  if (maxSize !== Infinity && (!Number.isInteger(maxSize) || maxSize <= SPECIAL_TOKENS.length)) {
    throw new RangeError(`buildVocabulary: maxSize must be an integer > ${SPECIAL_TOKENS.length} (it counts the special tokens), got ${maxSize}`);
  }
  const specials = new Set<string>(SPECIAL_TOKENS);
  const ranked = [...counts]
    .filter(([token, count]) => !specials.has(token) && count >= minFrequency)
    .sort(([a, ca], [b, cb]) => cb - ca || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, maxSize - SPECIAL_TOKENS.length);
  return makeVocabulary(
    [...SPECIAL_TOKENS, ...ranked.map(([token]) => token)],
    [...SPECIAL_TOKENS.map((s) => counts.get(s) ?? 0), ...ranked.map(([, count]) => count)],
  );
}

function makeVocabulary(tokens: string[], counts: number[]): Vocabulary {
  return { tokens, counts, ids: new Map(tokens.map((token, id) => [token, id])) };
}

export function vocabularyToJson(vocabulary: Vocabulary): string {
  return stableStringify({
    format: VOCABULARY_FORMAT,
    specials: { pad: PAD_ID, bos: BOS_ID, eos: EOS_ID, unk: UNK_ID },
    tokens: vocabulary.tokens,
    counts: vocabulary.counts,
  });
}

export function vocabularyFromJson(text: string, file = 'vocab.json'): Vocabulary {
  const fail = (reason: string): never => {
    throw new DataFormatError(file, undefined, reason);
  };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    fail(`invalid JSON: ${(error as Error).message}`);
  }
  if (data === null || typeof data !== 'object') fail('expected a JSON object');
  const { format, tokens, counts } = data as Record<string, unknown>;
  if (format !== VOCABULARY_FORMAT) fail(`field "format" must be "${VOCABULARY_FORMAT}", got ${JSON.stringify(format)}`);
  if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string')) fail('field "tokens" must be an array of strings');
  if (!Array.isArray(counts) || !counts.every((c) => Number.isInteger(c) && c >= 0)) {
    fail('field "counts" must be an array of non-negative integers');
  }
  const tokenList = tokens as string[];
  const countList = counts as number[];
  if (countList.length !== tokenList.length) fail(`"tokens" has ${tokenList.length} entries but "counts" has ${countList.length}`);
  SPECIAL_TOKENS.forEach((special, id) => {
    if (tokenList[id] !== special) fail(`token ${id} must be ${special}, got ${JSON.stringify(tokenList[id])}`);
  });
  const seen = new Set<string>();
  for (const token of tokenList) {
    if (seen.has(token)) fail(`duplicate token ${JSON.stringify(token)}`);
    seen.add(token);
  }
  return makeVocabulary(tokenList, countList);
}
