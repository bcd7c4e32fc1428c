/**
 * BLEU exactly as sacreBLEU 2.6.0 computes it (sacrebleu/metrics/bleu.py): same preprocessing (lowercase, then
 * rstrip, then tokenize), same clipping against several references, same smoothing, same floor of log(0), same
 * early exit when nothing matches. Tested against vectors that sacreBLEU produced, to 1e-9.
 */
import {
  MAX_NGRAM_ORDER,
  type BleuStatistics,
  referenceInfo,
  segmentStatistics,
  sumStatistics,
} from './bleu-statistics.ts';
import {
  type BleuSignatureFields,
  type BleuSmoothMethod,
  SMOOTH_DEFAULTS,
  bleuSignature,
  bleuVerboseScore,
  formatBleu,
  lengthRatio,
} from './bleu-format.ts';
import { correctlyRoundedExp, correctlyRoundedLog } from './correctly-rounded.ts';
import { MetricsInputError } from './errors.ts';
import { pyRstrip } from './python-compat.ts';
import { BLEU_TOKENIZERS, type BleuTokenizerName } from './tokenize-13a.ts';

export interface BleuOptions {
  /** `13a` (default, mteval-v13a as WMT uses it) or `none` (input is already tokenized). */
  readonly tokenize?: BleuTokenizerName;
  /** Default `exp` (NIST's geometric halving), as in sacreBLEU; also `floor`, `add-k`, `none`. */
  readonly smoothMethod?: BleuSmoothMethod;
  /** For `floor` (default 0.1) and `add-k` (default 1); ignored by `exp` and `none`. */
  readonly smoothValue?: number | null;
  /** Average only over n-gram orders the hypothesis has (sentence BLEU). Corpus default off, sentence on. */
  readonly effectiveOrder?: boolean;
  /** Case-insensitive BLEU (`case:lc` in the signature). */
  readonly lowercase?: boolean;
}

export interface ResolvedBleuOptions {
  readonly tokenize: BleuTokenizerName;
  readonly smoothMethod: BleuSmoothMethod;
  /** As given; `null` stands for the method's default, exactly as sacreBLEU records it. */
  readonly smoothValue: number | null;
  readonly effectiveOrder: boolean;
  readonly lowercase: boolean;
}

export interface BleuResult {
  /** 0-100. */
  readonly score: number;
  /** Clipped n-gram matches, n = 1..4. With `add-k` they already include +k for n > 1, as sacreBLEU returns them. */
  readonly counts: readonly number[];
  /** Hypothesis n-grams, n = 1..4 (with `add-k`: +k for n > 1). */
  readonly totals: readonly number[];
  /** 0-100, after smoothing. */
  readonly precisions: readonly number[];
  /** Brevity penalty in [0, 1]. */
  readonly bp: number;
  readonly sysLen: number;
  readonly refLen: number;
  /** sysLen / refLen, 0 when refLen is 0. */
  readonly ratio: number;
  readonly nrefs: number | 'var';
  /** `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:bptt-lab-0.1.0`. */
  readonly signature: string;
  /** `BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)`. */
  readonly formatted: string;
  /** The formatted line after the score. */
  readonly verbose: string;
  readonly options: ResolvedBleuOptions;
}

/** The numbers of a BLEU computation, before signature and formatting (sacreBLEU's `compute_bleu`). */
export interface BleuScoreParts {
  readonly score: number;
  readonly counts: number[];
  readonly totals: number[];
  readonly precisions: number[];
  readonly bp: number;
  readonly sysLen: number;
  readonly refLen: number;
}

/** sacreBLEU's `my_log`: log(0) is floored to a huge negative number instead of -Infinity. */
function flooredLog(x: number): number {
  return x === 0 ? -9999999999 : correctlyRoundedLog(x);
}

/**
 * BLEU from summed statistics: sacreBLEU's `BLEU.compute_bleu`, step for step, including the order of floating
 * point operations. log and exp are correctly rounded (see correctly-rounded.ts) because V8's Math.log/Math.exp
 * differ from glibc's in the last bit far more often than glibc differs from the exact result.
 */
export function computeBleu(
  statistics: BleuStatistics,
  options: Pick<BleuOptions, 'smoothMethod' | 'smoothValue' | 'effectiveOrder'> = {},
): BleuScoreParts {
  const smoothMethod = options.smoothMethod ?? 'none';
  const smoothValue = options.smoothValue ?? SMOOTH_DEFAULTS[smoothMethod];
  const effectiveOrder = options.effectiveOrder ?? false;
  const { sysLen, refLen } = statistics;
  const maxOrder = statistics.correct.length;
  // add-k rewrites the counts in place in sacreBLEU, and returns the rewritten ones: so do we (on copies).
  const counts = [...statistics.correct];
  const totals = [...statistics.total];

  let bp = 1.0;
  if (sysLen < refLen) bp = sysLen > 0 ? correctlyRoundedExp(1 - refLen / sysLen) : 0.0;

  const precisions = new Array<number>(maxOrder).fill(0.0);
  // No unigram matches means no matches at all: score 0 and unsmoothed zero precisions (sacreBLEU issue #141).
  if (!counts.some((c) => c !== 0)) return { score: 0.0, counts, totals, precisions, bp, sysLen, refLen };

  let smoothMteval = 1.0;
  let effOrder = maxOrder;
  for (let n = 1; n <= maxOrder; n++) {
    if (smoothMethod === 'add-k' && n > 1) {
      counts[n - 1]! += smoothValue!;
      totals[n - 1]! += smoothValue!;
    }
    // The hypothesis has no n-grams of this order (nor of any higher one).
    if (totals[n - 1] === 0) break;
    if (effectiveOrder) effOrder = n;
    const correct = counts[n - 1]!;
    const total = totals[n - 1]!;
    if (correct === 0) {
      if (smoothMethod === 'exp') {
        smoothMteval *= 2;
        precisions[n - 1] = 100.0 / (smoothMteval * total);
      } else if (smoothMethod === 'floor') {
        precisions[n - 1] = (100.0 * smoothValue!) / total;
      }
    } else {
      precisions[n - 1] = (100.0 * correct) / total;
    }
  }

  let logSum = 0;
  for (const p of precisions.slice(0, effOrder)) logSum += flooredLog(p);
  const score = bp * correctlyRoundedExp(logSum / effOrder);
  return { score, counts, totals, precisions, bp, sysLen, refLen };
}

const SMOOTH_METHODS: readonly BleuSmoothMethod[] = ['exp', 'floor', 'add-k', 'none'];

function resolveOptions(origin: string, options: BleuOptions, effectiveOrderDefault: boolean): ResolvedBleuOptions {
  const tokenize = options.tokenize ?? '13a';
  if (!Object.hasOwn(BLEU_TOKENIZERS, tokenize)) {
    throw new MetricsInputError(origin, 'options.tokenize', tokenize, `unknown tokenizer; use one of ${Object.keys(BLEU_TOKENIZERS).join(', ')}`);
  }
  const smoothMethod = options.smoothMethod ?? 'exp';
  if (!SMOOTH_METHODS.includes(smoothMethod)) {
    throw new MetricsInputError(origin, 'options.smoothMethod', smoothMethod, `unknown smoothing; use one of ${SMOOTH_METHODS.join(', ')}`);
  }
  const smoothValue = options.smoothValue ?? null;
  if (smoothValue !== null && (typeof smoothValue !== 'number' || !Number.isFinite(smoothValue))) {
    throw new MetricsInputError(origin, 'options.smoothValue', smoothValue, 'must be a finite number');
  }
  for (const flag of ['effectiveOrder', 'lowercase'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean') {
      throw new MetricsInputError(origin, `options.${flag}`, options[flag], 'must be a boolean');
    }
  }
  return {
    tokenize,
    smoothMethod,
    smoothValue,
    effectiveOrder: options.effectiveOrder ?? effectiveOrderDefault,
    lowercase: options.lowercase ?? false,
  };
}

/** lowercase (optional), then rstrip, then tokenize: sacreBLEU's `_preprocess_segment`, in its order. */
function preprocess(segment: string, options: ResolvedBleuOptions): string {
  const text = options.lowercase ? segment.toLowerCase() : segment;
  return BLEU_TOKENIZERS[options.tokenize](pyRstrip(text));
}

export interface CorpusBleuStatistics {
  /** One entry per segment, in order: what paired bootstrap or per-sentence reports resample. */
  readonly segments: readonly BleuStatistics[];
  readonly nrefs: number | 'var';
  readonly options: ResolvedBleuOptions;
}

/**
 * Per-segment BLEU statistics of a corpus. `references[k][i]` is the k-th reference of segment i (reference
 * streams, as in sacreBLEU); a `null` entry means "segment i has no k-th reference" (nrefs becomes `var`).
 */
export function corpusBleuStatistics(
  hypotheses: readonly string[],
  references: ReadonlyArray<ReadonlyArray<string | null>>,
  options: BleuOptions = {},
  origin = 'corpusBleuStatistics',
): CorpusBleuStatistics {
  const resolved = resolveOptions(origin, options, false);
  if (!Array.isArray(hypotheses)) throw new MetricsInputError(origin, 'hypotheses', hypotheses, 'must be an array of strings');
  if (hypotheses.length === 0) throw new MetricsInputError(origin, 'hypotheses', hypotheses, 'needs at least one segment');
  if (!Array.isArray(references) || references.length === 0) {
    throw new MetricsInputError(origin, 'references', references, 'needs at least one reference stream (an array of strings per reference)');
  }
  hypotheses.forEach((hypothesis, i) => {
    if (typeof hypothesis !== 'string') throw new MetricsInputError(origin, `hypotheses[${i}]`, hypothesis, 'must be a string');
  });
  references.forEach((stream, k) => {
    if (!Array.isArray(stream)) {
      throw new MetricsInputError(origin, `references[${k}]`, stream, 'must be a reference stream: an array with one string per hypothesis');
    }
    if (stream.length !== hypotheses.length) {
      throw new MetricsInputError(origin, `references[${k}]`, stream, `has ${stream.length} segments but there are ${hypotheses.length} hypotheses`);
    }
  });

  const referenceCounts = new Set<number>();
  const segments = hypotheses.map((hypothesis, i) => {
    const segmentReferences: string[] = [];
    references.forEach((stream, k) => {
      const reference = stream[i];
      if (reference === null || reference === undefined) return;
      if (typeof reference !== 'string') throw new MetricsInputError(origin, `references[${k}][${i}]`, reference, 'must be a string or null');
      segmentReferences.push(preprocess(reference, resolved));
    });
    if (segmentReferences.length === 0) {
      throw new MetricsInputError(origin, `references[*][${i}]`, null, `segment ${i} has no reference in any stream`);
    }
    referenceCounts.add(segmentReferences.length);
    return segmentStatistics(preprocess(hypothesis, resolved), referenceInfo(segmentReferences));
  });
  const nrefs = referenceCounts.size === 1 ? [...referenceCounts][0]! : 'var';
  return { segments, nrefs, options: resolved };
}

/** Scores summed statistics and attaches signature and formatted line. */
export function bleuFromStatistics(
  segments: readonly BleuStatistics[],
  nrefs: number | 'var',
  options: ResolvedBleuOptions,
): BleuResult {
  const parts = computeBleu(sumStatistics(segments, MAX_NGRAM_ORDER), options);
  const fields: BleuSignatureFields = { nrefs, ...options };
  return {
    ...parts,
    ratio: lengthRatio(parts.sysLen, parts.refLen),
    nrefs,
    signature: bleuSignature(fields),
    formatted: formatBleu(parts),
    verbose: bleuVerboseScore(parts),
    options,
  };
}

/**
 * Corpus BLEU, sacreBLEU's `corpus_bleu` / `BLEU().corpus_score`. `references[k][i]` is the k-th reference of
 * segment i (reference streams). Defaults: tokenize 13a, smooth exp, effective order off, case-sensitive.
 */
export function corpusBleu(
  hypotheses: readonly string[],
  references: ReadonlyArray<ReadonlyArray<string | null>>,
  options: BleuOptions = {},
): BleuResult {
  const { segments, nrefs, options: resolved } = corpusBleuStatistics(hypotheses, references, options, 'corpusBleu');
  return bleuFromStatistics(segments, nrefs, resolved);
}

/**
 * Sentence BLEU, sacreBLEU's `sentence_bleu`: one hypothesis against its alternative references. Defaults differ
 * from corpus BLEU as in sacreBLEU: effective order on (smoothing exp, tokenize 13a as before).
 */
export function sentenceBleu(hypothesis: string, references: ReadonlyArray<string | null>, options: BleuOptions = {}): BleuResult {
  const origin = 'sentenceBleu';
  if (typeof hypothesis !== 'string') throw new MetricsInputError(origin, 'hypothesis', hypothesis, 'must be a string');
  if (!Array.isArray(references) || references.length === 0) {
    throw new MetricsInputError(origin, 'references', references, 'must be a non-empty array of reference strings');
  }
  const withSentenceDefaults: BleuOptions = { ...options, effectiveOrder: options.effectiveOrder ?? true };
  const streams = references.map((reference) => [reference]);
  const { segments, nrefs, options: resolved } = corpusBleuStatistics([hypothesis], streams, withSentenceDefaults, origin);
  return bleuFromStatistics(segments, nrefs, resolved);
}
