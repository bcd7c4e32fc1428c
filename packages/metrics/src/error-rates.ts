/**
 * Character, word and phone error rates: edits / reference length, per pair and for a corpus. A corpus rate is
 * total edits over total reference length (as jiwer and sclite compute it), not a mean of per-line rates, which
 * would let short lines dominate.
 */
import { type AlignmentCounts, alignSequences, countAlignment } from './alignment.ts';
import { type StringDistanceOptions, editDistanceByReferenceLength } from './edit-distance.ts';
import { MetricsInputError } from './errors.ts';
import { pySplit } from './python-compat.ts';

/** Words as WER counts them: whitespace-separated (Python's `str.split()`, so any Unicode space separates). */
export function splitWords(text: string): string[] {
  return pySplit(text);
}

/** Character error rate of one line over code points; `null` when the reference is empty. */
export function characterErrorRate(hypothesis: string, reference: string, options: StringDistanceOptions = {}): number | null {
  return editDistanceByReferenceLength(hypothesis, reference, options);
}

/** Word error rate of one line (whitespace split); `null` when the reference has no words. */
export function wordErrorRate(hypothesis: string, reference: string): number | null {
  return editDistanceByReferenceLength(splitWords(hypothesis), splitWords(reference));
}

/** Phone (or any token) error rate of one sequence; `null` when the reference is empty. */
export function phoneErrorRate<T>(hypothesis: readonly T[], reference: readonly T[]): number | null {
  return editDistanceByReferenceLength(hypothesis, reference);
}

export interface CorpusErrorRate extends AlignmentCounts {
  /** edits / referenceLength; `null` when every reference is empty. */
  readonly rate: number | null;
  readonly referenceLength: number;
  readonly hypothesisLength: number;
  readonly segments: number;
}

/** Corpus error rate of aligned unit sequences (the shared core of CER, WER and PER). */
export function corpusErrorRate<T>(
  hypotheses: ReadonlyArray<readonly T[]>,
  references: ReadonlyArray<readonly T[]>,
  origin = 'corpusErrorRate',
): CorpusErrorRate {
  if (hypotheses.length !== references.length) {
    throw new MetricsInputError(origin, 'references', references, `has ${references.length} segments but there are ${hypotheses.length} hypotheses`);
  }
  let hits = 0;
  let substitutions = 0;
  let deletions = 0;
  let insertions = 0;
  let referenceLength = 0;
  let hypothesisLength = 0;
  hypotheses.forEach((hypothesis, i) => {
    const reference = references[i]!;
    const counts = countAlignment(alignSequences(hypothesis, reference));
    hits += counts.hits;
    substitutions += counts.substitutions;
    deletions += counts.deletions;
    insertions += counts.insertions;
    referenceLength += reference.length;
    hypothesisLength += hypothesis.length;
  });
  const edits = substitutions + deletions + insertions;
  return {
    rate: referenceLength === 0 ? null : edits / referenceLength,
    hits,
    substitutions,
    deletions,
    insertions,
    edits,
    referenceLength,
    hypothesisLength,
    segments: hypotheses.length,
  };
}

function checkStrings(origin: string, field: string, values: readonly unknown[]): void {
  if (!Array.isArray(values)) throw new MetricsInputError(origin, field, values, 'must be an array of strings');
  values.forEach((value, i) => {
    if (typeof value !== 'string') throw new MetricsInputError(origin, `${field}[${i}]`, value, 'must be a string');
  });
}

/** Corpus CER over code points (optionally Unicode-normalised first). */
export function corpusCharacterErrorRate(
  hypotheses: readonly string[],
  references: readonly string[],
  options: StringDistanceOptions = {},
): CorpusErrorRate {
  const origin = 'corpusCharacterErrorRate';
  checkStrings(origin, 'hypotheses', hypotheses);
  checkStrings(origin, 'references', references);
  const units = (text: string): string[] => Array.from(options.normalize ? text.normalize(options.normalize) : text);
  return corpusErrorRate(hypotheses.map(units), references.map(units), origin);
}

/** Corpus WER over whitespace-separated words. */
export function corpusWordErrorRate(hypotheses: readonly string[], references: readonly string[]): CorpusErrorRate {
  const origin = 'corpusWordErrorRate';
  checkStrings(origin, 'hypotheses', hypotheses);
  checkStrings(origin, 'references', references);
  return corpusErrorRate(hypotheses.map(splitWords), references.map(splitWords), origin);
}

/** Corpus PER (or any token error rate) over token sequences. */
export function corpusPhoneErrorRate<T>(hypotheses: ReadonlyArray<readonly T[]>, references: ReadonlyArray<readonly T[]>): CorpusErrorRate {
  return corpusErrorRate(hypotheses, references, 'corpusPhoneErrorRate');
}
