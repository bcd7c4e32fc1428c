/**
 * Token ids in and out. Encoded sequences never contain BOS/EOS: models (batching) add them. Tokens missing from
 * the vocabulary encode as UNK; decoding UNK gives the text "<unk>".
 */
import type { TokenLevel } from '../config.ts';
import { detokenize, tokenize } from './tokenize.ts';
import { BOS_ID, EOS_ID, PAD_ID, UNK_ID, type Vocabulary } from './vocabulary.ts';

export function encodeTokens(tokens: readonly string[], vocabulary: Vocabulary): number[] {
  return tokens.map((token) => vocabulary.ids.get(token) ?? UNK_ID);
}

/** Every id to its token, specials included (for streams and inspection). */
export function decodeTokens(ids: readonly number[], vocabulary: Vocabulary): string[] {
  return ids.map((id) => {
    const token = vocabulary.tokens[id];
    if (token === undefined || !Number.isInteger(id)) {
      throw new RangeError(`decodeTokens: id ${id} is outside the vocabulary (size ${vocabulary.tokens.length})`);
    }
    return token;
  });
}

export function encode(text: string, vocabulary: Vocabulary, level: TokenLevel): number[] {
  return encodeTokens(tokenize(text, level), vocabulary);
}

/**
 * Text from model output ids: stops at the first EOS and skips PAD and BOS, so a decoder's raw output can be
 * passed as is. For in-vocabulary text, `decode(encode(text))` gives back the text (word level: whitespace
 * normalised to single spaces).
 */
export function decode(ids: readonly number[], vocabulary: Vocabulary, level: TokenLevel): string {
  const kept: number[] = [];
  for (const id of ids) {
    if (id === EOS_ID) break;
    if (id === PAD_ID || id === BOS_ID) continue;
    kept.push(id);
  }
  return detokenize(decodeTokens(kept, vocabulary), level);
}

/** Share of ids that are UNK (0 for an empty list). */
export function unknownRate(idLists: Iterable<readonly number[]>): number {
  let total = 0;
  let unknown = 0;
  for (const ids of idLists) {
    total += ids.length;
    for (const id of ids) if (id === UNK_ID) unknown++;
  }
  return total === 0 ? 0 : unknown / total;
}
