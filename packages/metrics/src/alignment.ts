/**
 * A minimum-edit alignment of a hypothesis against a reference, for error reports that show *which* tokens went
 * wrong (sclite/jiwer style). Operations read in ASR terms, from the reference's point of view: a deletion is a
 * reference unit the hypothesis lacks, an insertion a hypothesis unit the reference lacks.
 */
import { type Sequence, type StringDistanceOptions, sequenceUnits } from './edit-distance.ts';

export type AlignmentOperation<T> =
  | { readonly type: 'match'; readonly hypIndex: number; readonly refIndex: number; readonly hyp: T; readonly ref: T }
  | { readonly type: 'substitution'; readonly hypIndex: number; readonly refIndex: number; readonly hyp: T; readonly ref: T }
  | { readonly type: 'insertion'; readonly hypIndex: number; readonly hyp: T }
  | { readonly type: 'deletion'; readonly refIndex: number; readonly ref: T };

export interface AlignmentCounts {
  readonly hits: number;
  readonly substitutions: number;
  readonly deletions: number;
  readonly insertions: number;
  /** substitutions + deletions + insertions: the Levenshtein distance. */
  readonly edits: number;
}

/**
 * One optimal alignment, in order. Among equally cheap alignments it prefers, walking back from the ends, a
 * match or substitution, then a deletion, then an insertion; so the result is deterministic.
 */
export function alignSequences(hypothesis: string, reference: string, options?: StringDistanceOptions): AlignmentOperation<string>[];
export function alignSequences<T>(hypothesis: readonly T[], reference: readonly T[]): AlignmentOperation<T>[];
export function alignSequences<T>(
  hypothesis: Sequence<T>,
  reference: Sequence<T>,
  options: StringDistanceOptions = {},
): AlignmentOperation<T | string>[] {
  const hyp = sequenceUnits(hypothesis, options);
  const ref = sequenceUnits(reference, options);
  const width = ref.length + 1;
  // The full table is needed to walk back; Int32Array keeps it compact for character-level lines.
  const cost = new Int32Array((hyp.length + 1) * width);
  for (let i = 0; i <= hyp.length; i++) cost[i * width] = i;
  for (let j = 0; j <= ref.length; j++) cost[j] = j;
  for (let i = 1; i <= hyp.length; i++) {
    for (let j = 1; j <= ref.length; j++) {
      const diagonal = cost[(i - 1) * width + j - 1]! + (hyp[i - 1] === ref[j - 1] ? 0 : 1);
      cost[i * width + j] = Math.min(diagonal, cost[(i - 1) * width + j]! + 1, cost[i * width + j - 1]! + 1);
    }
  }

  const operations: AlignmentOperation<T | string>[] = [];
  let i = hyp.length;
  let j = ref.length;
  while (i > 0 || j > 0) {
    const here = cost[i * width + j]!;
    if (i > 0 && j > 0) {
      const same = hyp[i - 1] === ref[j - 1];
      if (here === cost[(i - 1) * width + j - 1]! + (same ? 0 : 1)) {
        operations.push({ type: same ? 'match' : 'substitution', hypIndex: i - 1, refIndex: j - 1, hyp: hyp[i - 1]!, ref: ref[j - 1]! });
        i--;
        j--;
        continue;
      }
    }
    if (j > 0 && here === cost[i * width + j - 1]! + 1) {
      operations.push({ type: 'deletion', refIndex: j - 1, ref: ref[j - 1]! });
      j--;
    } else {
      operations.push({ type: 'insertion', hypIndex: i - 1, hyp: hyp[i - 1]! });
      i--;
    }
  }
  return operations.reverse();
}

/** Hits, substitutions, deletions and insertions of an alignment. */
export function countAlignment<T>(operations: readonly AlignmentOperation<T>[]): AlignmentCounts {
  let hits = 0;
  let substitutions = 0;
  let deletions = 0;
  let insertions = 0;
  for (const operation of operations) {
    if (operation.type === 'match') hits++;
    else if (operation.type === 'substitution') substitutions++;
    else if (operation.type === 'deletion') deletions++;
    else insertions++;
  }
  return { hits, substitutions, deletions, insertions, edits: substitutions + deletions + insertions };
}

/**
 * Three aligned lines for a report, columns padded to equal width (by code points):
 * ```
 * REF: ** the cat is  on the mat
 * HYP: oh the cat sat on the ***
 *      I          S          D
 * ```
 * `*` fills a missing side; S, D, I mark substitutions, deletions and insertions.
 */
export function formatAlignment<T>(operations: readonly AlignmentOperation<T>[], render: (unit: T) => string = String): string {
  const refCells: string[] = [];
  const hypCells: string[] = [];
  const markCells: string[] = [];
  for (const operation of operations) {
    const refText = operation.type === 'insertion' ? null : render(operation.ref);
    const hypText = operation.type === 'deletion' ? null : render(operation.hyp);
    const cellWidth = Math.max(Array.from(refText ?? '*').length, Array.from(hypText ?? '*').length);
    const pad = (text: string): string => text + ' '.repeat(cellWidth - Array.from(text).length);
    refCells.push(pad(refText ?? '*'.repeat(cellWidth)));
    hypCells.push(pad(hypText ?? '*'.repeat(cellWidth)));
    const mark = { match: ' ', substitution: 'S', deletion: 'D', insertion: 'I' }[operation.type];
    markCells.push(pad(mark));
  }
  const line = (label: string, cells: string[]): string => `${label}${cells.join(' ')}`.trimEnd();
  return [line('REF: ', refCells), line('HYP: ', hypCells), line('     ', markCells)].join('\n');
}
