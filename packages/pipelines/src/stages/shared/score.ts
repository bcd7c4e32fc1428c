/**
 * Scoring decodings of a seq2seq split: every decoding is compared with the gold targets on the same footing
 * (exact match, token accuracy, sacreBLEU, CER/WER on text, token error rate), and teacher-forced against greedy
 * decoding gives the exposure-bias analysis. Pure functions of token ids, so they are tested without a model.
 */
import { decode, EOS_ID, PAD_ID, type TokenLevel, type Vocabulary } from '@bptt/data';
import {
  analyzeExposureBias,
  corpusBleu,
  corpusCharacterErrorRate,
  corpusWordErrorRate,
  type DecodingSummary,
  type ExposureBiasReport,
} from '@bptt/metrics';
import type { DecodingMetrics, Seq2SeqEvaluation } from './run-files.ts';

export interface DecodedSplit {
  /** Gold target ids (no BOS/EOS), per example. */
  readonly gold: readonly (readonly number[])[];
  /** Alternative gold targets per example (e.g. CMUdict variants), used as extra BLEU references. */
  readonly alternatives?: readonly (readonly (readonly number[])[])[];
  /** p=1: argmax at each gold position (EOS position included). */
  readonly teacherForced: readonly (readonly number[])[];
  /** p=0: greedy ids, ending with EOS if the model produced one. */
  readonly greedy: readonly (readonly number[])[];
  /** p=0: beam search ids. */
  readonly beam: readonly (readonly number[])[];
}

export interface TargetText {
  readonly vocabulary: Vocabulary;
  readonly level: TokenLevel;
}

function textOf(ids: readonly number[], target: TargetText): string {
  return decode(ids, target.vocabulary, target.level);
}

/** Gold with EOS appended, so that "stopping at the right time" is part of what is scored. */
function withEos(ids: readonly number[]): number[] {
  return [...ids, EOS_ID];
}

function metricsOf(summary: DecodingSummary, hypotheses: readonly string[], references: readonly string[], referenceStreams: string[][]): DecodingMetrics {
  const bleu = corpusBleu([...hypotheses], referenceStreams);
  return {
    exactMatch: summary.exactMatch.rate ?? 0,
    tokenAccuracy: summary.tokenAccuracy.rate ?? 0,
    bleu: { score: bleu.score, signature: bleu.signature, formatted: bleu.formatted },
    cer: corpusCharacterErrorRate(hypotheses, references).rate,
    wer: corpusWordErrorRate(hypotheses, references).rate,
    tokenErrorRate: summary.tokenErrorRate.rate,
    meanEditDistance: summary.meanEditDistance,
  };
}

/** Reference streams for sacreBLEU: stream 0 is the gold target, further streams the alternatives (or null). */
function referenceStreams(split: DecodedSplit, target: TargetText): string[][] {
  const gold = split.gold.map((ids) => textOf(ids, target));
  const extra = Math.max(0, ...(split.alternatives ?? []).map((a) => a.length));
  const streams = [gold];
  for (let k = 0; k < extra; k++) {
    // sacreBLEU allows a missing reference (None) in a stream; a repeat of the gold reference is equivalent for
    // clipping and closest-length, and keeps every stream a plain string list.
    streams.push(split.gold.map((ids, i) => textOf(split.alternatives?.[i]?.[k] ?? ids, target)));
  }
  return streams;
}

export function scoreDecodings(
  split: DecodedSplit,
  target: TargetText,
): { decodings: Seq2SeqEvaluation['decodings']; exposureBias: Seq2SeqEvaluation['exposureBias'] } {
  const gold = split.gold.map(withEos);
  const analyse = (freeRunning: readonly (readonly number[])[]): ExposureBiasReport =>
    analyzeExposureBias(
      gold.map((g, i) => ({ gold: g, teacherForced: split.teacherForced[i] ?? [], freeRunning: freeRunning[i] ?? [] })),
      { eosId: EOS_ID, padId: PAD_ID, detokenize: (ids) => textOf(ids, target) },
    );
  const greedyAnalysis = analyse(split.greedy);
  const beamAnalysis = analyse(split.beam);
  const references = split.gold.map((ids) => textOf(ids, target));
  const streams = referenceStreams(split, target);
  const decodings = {
    teacherForced: metricsOf(greedyAnalysis.teacherForced, split.teacherForced.map((ids) => textOf(ids, target)), references, streams),
    greedy: metricsOf(greedyAnalysis.freeRunning, split.greedy.map((ids) => textOf(ids, target)), references, streams),
    beam: metricsOf(beamAnalysis.freeRunning, split.beam.map((ids) => textOf(ids, target)), references, streams),
  };
  return {
    decodings,
    exposureBias: {
      perPosition: greedyAnalysis.perPosition.map((p) => ({
        position: p.position,
        count: p.count,
        teacherForcedErrorRate: p.teacherForcedErrorRate,
        freeRunningErrorRate: p.freeRunningErrorRate,
      })),
      firstError: greedyAnalysis.firstError,
      errorAccumulation: greedyAnalysis.errorAccumulation,
    },
  };
}
