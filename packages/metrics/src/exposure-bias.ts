/**
 * Exposure bias, measured. A decoder trained with teacher forcing only ever saw gold prefixes; run free, it
 * conditions on its own (possibly wrong) outputs. Comparing the two decodings of the same test set shows where
 * that hurts: how error rates grow with position, where the first mistake falls, whether an early mistake makes
 * later ones likelier (errors compounding), and the overall gap in accuracy, exact match, BLEU and edit distance.
 *
 * Conventions (see README):
 * - `gold` is the target without BOS. It may end with EOS; then stopping is scored like any other token, which
 *   is what makes length errors visible. Trailing `padId`s are stripped from all three sequences.
 * - `teacherForced[t]` is the prediction at gold position t given the gold prefix; entries beyond the gold
 *   length (padding of a batch) are ignored.
 * - `freeRunning` is cut after its first `eosId` (a decoder stops there). It may be shorter or longer than gold.
 * - Position t is an error when the prediction has no token there (it ended early) or a different token.
 *   Per-position statistics cover gold positions only; tokens a free-running decoding emits past the gold
 *   length are counted as `overlong` and penalised by exact match, edit distance and BLEU, not per position.
 * - BLEU and edit distance compare content: one trailing EOS is dropped from gold and predictions first.
 */
import { type BleuOptions, type BleuResult, corpusBleu } from './bleu.ts';
import { type CorpusErrorRate, corpusPhoneErrorRate } from './error-rates.ts';
import { MetricsInputError } from './errors.ts';
import type { RateCount } from './token-metrics.ts';

export interface DecodingExample {
  /** Gold target ids, without BOS, with or without a final EOS. */
  readonly gold: readonly number[];
  /** Argmax at each gold position under teacher forcing (p = 1: the model saw the gold prefix). */
  readonly teacherForced: readonly number[];
  /** Free-running decoding (p = 0: the model saw its own predictions). */
  readonly freeRunning: readonly number[];
}

export interface ExposureBiasOptions {
  /** Free-running output is cut after its first EOS; a trailing EOS is dropped before BLEU/edit distance. */
  readonly eosId?: number;
  /** Trailing padding, stripped from gold and both predictions. */
  readonly padId?: number;
  /** Ids to text for BLEU (content ids, EOS already dropped); default: ids joined by spaces. */
  readonly detokenize?: (ids: readonly number[]) => string;
  /** BLEU settings; sacreBLEU's corpus defaults (13a, exp smoothing) when omitted. */
  readonly bleu?: BleuOptions;
}

export interface PositionErrorRate {
  readonly position: number;
  /** Examples whose gold has a token at this position. */
  readonly count: number;
  readonly teacherForcedErrors: number;
  readonly teacherForcedErrorRate: number;
  readonly freeRunningErrors: number;
  readonly freeRunningErrorRate: number;
}

export interface FirstErrorDistribution {
  /** `histogram[t]`: sequences whose first error is at gold position t. */
  readonly histogram: readonly number[];
  /** Sequences with no error at any gold position. */
  readonly noError: number;
  readonly sequences: number;
}

export interface ErrorsGiven {
  /** Positions scored under this condition. */
  readonly count: number;
  readonly errors: number;
  /** errors / count; `null` when no position met the condition. */
  readonly errorRate: number | null;
}

export interface AccumulationAtPosition {
  readonly position: number;
  /** Free-running, at positions where every earlier position was right. */
  readonly cleanPrefix: ErrorsGiven;
  /** Free-running, at positions after at least one earlier error. */
  readonly afterError: ErrorsGiven;
}

export interface ErrorAccumulation {
  readonly perPosition: readonly AccumulationAtPosition[];
  /** Pooled over all positions. afterError well above cleanPrefix means errors compound. */
  readonly overall: { readonly cleanPrefix: ErrorsGiven; readonly afterError: ErrorsGiven };
}

export interface DecodingSummary {
  /** Correct gold positions / gold positions. */
  readonly tokenAccuracy: RateCount;
  /** Sequences equal to gold (free-running: same length too). */
  readonly exactMatch: RateCount;
  readonly bleu: BleuResult;
  /** Levenshtein over content ids: total edits / total gold length, with S/D/I counts. */
  readonly tokenErrorRate: CorpusErrorRate;
  /** Mean Levenshtein distance per sequence. */
  readonly meanEditDistance: number;
  /** Sequences with fewer tokens than gold (free-running: ended early). */
  readonly short: number;
  /** Sequences with more tokens than gold (free-running: ran on). Always 0 for teacher forcing. */
  readonly overlong: number;
}

export interface ExposureBiasReport {
  readonly examples: number;
  readonly perPosition: readonly PositionErrorRate[];
  readonly firstError: { readonly teacherForced: FirstErrorDistribution; readonly freeRunning: FirstErrorDistribution };
  readonly errorAccumulation: ErrorAccumulation;
  readonly teacherForced: DecodingSummary;
  readonly freeRunning: DecodingSummary;
  /** teacher-forced minus free-running (positive: teacher forcing looks better; for error rates, worse). */
  readonly gap: {
    readonly tokenAccuracy: number | null;
    readonly exactMatch: number | null;
    readonly bleu: number;
    readonly tokenErrorRate: number | null;
    readonly meanEditDistance: number;
  };
}

interface PreparedExample {
  readonly gold: readonly number[];
  readonly teacherForced: readonly number[];
  readonly freeRunning: readonly number[];
}

function stripTrailing(ids: readonly number[], id: number | undefined): readonly number[] {
  if (id === undefined) return ids;
  let end = ids.length;
  while (end > 0 && ids[end - 1] === id) end--;
  return ids.slice(0, end);
}

function cutAfterFirst(ids: readonly number[], id: number | undefined): readonly number[] {
  if (id === undefined) return ids;
  const at = ids.indexOf(id);
  return at === -1 ? ids : ids.slice(0, at + 1);
}

function dropFinal(ids: readonly number[], id: number | undefined): readonly number[] {
  return id !== undefined && ids.length > 0 && ids[ids.length - 1] === id ? ids.slice(0, -1) : ids;
}

function checkIds(field: string, ids: unknown): void {
  if (!Array.isArray(ids)) throw new MetricsInputError('analyzeExposureBias', field, ids, 'must be an array of token ids');
  ids.forEach((id, t) => {
    if (typeof id !== 'number' || !Number.isInteger(id)) {
      throw new MetricsInputError('analyzeExposureBias', `${field}[${t}]`, id, 'must be an integer token id');
    }
  });
}

function prepare(examples: readonly DecodingExample[], options: ExposureBiasOptions): PreparedExample[] {
  return examples.map((example, i) => {
    checkIds(`examples[${i}].gold`, example?.gold);
    checkIds(`examples[${i}].teacherForced`, example.teacherForced);
    checkIds(`examples[${i}].freeRunning`, example.freeRunning);
    const gold = stripTrailing(example.gold, options.padId);
    const teacherForced = stripTrailing(example.teacherForced, options.padId).slice(0, gold.length);
    const freeRunning = cutAfterFirst(stripTrailing(example.freeRunning, options.padId), options.eosId);
    return { gold, teacherForced, freeRunning };
  });
}

/** error[t] for each gold position t: the prediction has no token there, or a different one. */
export function positionErrors(predicted: readonly number[], gold: readonly number[]): boolean[] {
  return gold.map((token, t) => !(t < predicted.length && predicted[t] === token));
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

function given(count: number, errors: number): ErrorsGiven {
  return { count, errors, errorRate: ratio(errors, count) };
}

function firstErrorDistribution(errorRows: readonly boolean[][], maxLength: number): FirstErrorDistribution {
  const histogram = new Array<number>(maxLength).fill(0);
  let noError = 0;
  for (const errors of errorRows) {
    const first = errors.indexOf(true);
    if (first === -1) noError++;
    else histogram[first]!++;
  }
  return { histogram, noError, sequences: errorRows.length };
}

function errorAccumulation(errorRows: readonly boolean[][], maxLength: number): ErrorAccumulation {
  const clean = Array.from({ length: maxLength }, () => ({ count: 0, errors: 0 }));
  const after = Array.from({ length: maxLength }, () => ({ count: 0, errors: 0 }));
  for (const errors of errorRows) {
    let sawError = false;
    errors.forEach((isError, t) => {
      const bucket = sawError ? after[t]! : clean[t]!;
      bucket.count++;
      if (isError) bucket.errors++;
      sawError ||= isError;
    });
  }
  const sum = (buckets: typeof clean, key: 'count' | 'errors'): number => buckets.reduce((s, b) => s + b[key], 0);
  return {
    perPosition: clean.map((bucket, t) => ({
      position: t,
      cleanPrefix: given(bucket.count, bucket.errors),
      afterError: given(after[t]!.count, after[t]!.errors),
    })),
    overall: {
      cleanPrefix: given(sum(clean, 'count'), sum(clean, 'errors')),
      afterError: given(sum(after, 'count'), sum(after, 'errors')),
    },
  };
}

function summarize(
  prepared: readonly PreparedExample[],
  pick: (example: PreparedExample) => readonly number[],
  errorRows: readonly boolean[][],
  options: ExposureBiasOptions,
): DecodingSummary {
  let correctTokens = 0;
  let goldTokens = 0;
  let exact = 0;
  let short = 0;
  let overlong = 0;
  prepared.forEach((example, i) => {
    const predicted = pick(example);
    const errors = errorRows[i]!;
    goldTokens += errors.length;
    correctTokens += errors.filter((isError) => !isError).length;
    if (!errors.includes(true) && predicted.length === example.gold.length) exact++;
    if (predicted.length < example.gold.length) short++;
    if (predicted.length > example.gold.length) overlong++;
  });

  const goldContent = prepared.map((example) => dropFinal(example.gold, options.eosId));
  const predictedContent = prepared.map((example) => dropFinal(pick(example), options.eosId));
  const toText = options.detokenize ?? ((ids: readonly number[]) => ids.join(' '));
  const bleu = corpusBleu(predictedContent.map(toText), [goldContent.map(toText)], options.bleu);
  const tokenErrorRate = corpusPhoneErrorRate(predictedContent, goldContent);
  return {
    tokenAccuracy: { correct: correctTokens, total: goldTokens, rate: ratio(correctTokens, goldTokens) },
    exactMatch: { correct: exact, total: prepared.length, rate: ratio(exact, prepared.length) },
    bleu,
    tokenErrorRate,
    meanEditDistance: tokenErrorRate.edits / prepared.length,
    short,
    overlong,
  };
}

function difference(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a - b;
}

/** Compares teacher-forced and free-running decodings of the same examples. */
export function analyzeExposureBias(examples: readonly DecodingExample[], options: ExposureBiasOptions = {}): ExposureBiasReport {
  if (!Array.isArray(examples) || examples.length === 0) {
    throw new MetricsInputError('analyzeExposureBias', 'examples', examples, 'needs at least one decoded example');
  }
  const prepared = prepare(examples, options);
  const maxLength = Math.max(...prepared.map((example) => example.gold.length));
  const teacherForcedErrors = prepared.map((example) => positionErrors(example.teacherForced, example.gold));
  const freeRunningErrors = prepared.map((example) => positionErrors(example.freeRunning, example.gold));

  const perPosition: PositionErrorRate[] = [];
  for (let t = 0; t < maxLength; t++) {
    let count = 0;
    let tf = 0;
    let fr = 0;
    prepared.forEach((example, i) => {
      if (t >= example.gold.length) return;
      count++;
      if (teacherForcedErrors[i]![t]) tf++;
      if (freeRunningErrors[i]![t]) fr++;
    });
    perPosition.push({
      position: t,
      count,
      teacherForcedErrors: tf,
      teacherForcedErrorRate: tf / count,
      freeRunningErrors: fr,
      freeRunningErrorRate: fr / count,
    });
  }

  const teacherForced = summarize(prepared, (example) => example.teacherForced, teacherForcedErrors, options);
  const freeRunning = summarize(prepared, (example) => example.freeRunning, freeRunningErrors, options);
  return {
    examples: prepared.length,
    perPosition,
    firstError: {
      teacherForced: firstErrorDistribution(teacherForcedErrors, maxLength),
      freeRunning: firstErrorDistribution(freeRunningErrors, maxLength),
    },
    errorAccumulation: errorAccumulation(freeRunningErrors, maxLength),
    teacherForced,
    freeRunning,
    gap: {
      tokenAccuracy: difference(teacherForced.tokenAccuracy.rate, freeRunning.tokenAccuracy.rate),
      exactMatch: difference(teacherForced.exactMatch.rate, freeRunning.exactMatch.rate),
      bleu: teacherForced.bleu.score - freeRunning.bleu.score,
      tokenErrorRate: difference(teacherForced.tokenErrorRate.rate, freeRunning.tokenErrorRate.rate),
      meanEditDistance: teacherForced.meanEditDistance - freeRunning.meanEditDistance,
    },
  };
}
