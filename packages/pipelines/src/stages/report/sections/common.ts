/** What several sections need: reading a run's config and results, curves, gradient flow, diverged runs. */
import type { ClipConfig, StepRecord, TeacherForcingConfig } from '@bptt/train';
import {
  chart,
  gradientNormChart,
  lossCurvesChart,
  note,
  paragraph,
  type Block,
  type CurvePoint,
  type GradientNormPoint,
  type TimeMarker,
} from '../../../report/index.ts';
import type { Seq2SeqEvaluation, StreamEvaluation } from '../../shared/run-files.ts';
import type { GradientFlow, LoadedRun } from '../load.ts';
import { joinList, plural } from '../text.ts';

export interface SectionInput {
  /** The runs of this section's group, in report order. */
  readonly runs: readonly LoadedRun[];
}

// ---------------------------------------------------------------------------------------------------------------
// Results

export function seq2seqOf(run: LoadedRun): Seq2SeqEvaluation | undefined {
  return run.evaluation.kind === 'seq2seq' ? run.evaluation : undefined;
}

export function streamOf(run: LoadedRun): StreamEvaluation | undefined {
  return run.evaluation.kind === 'stream' ? run.evaluation : undefined;
}

export function divergence(run: LoadedRun): { readonly step: number; readonly value: string } | undefined {
  return run.summary.diverged ?? (run.evaluation.kind === 'diverged' ? run.evaluation.diverged : undefined);
}

/** `lstm-noclip (diverged at step 37)`: the first cell of a results row, so a diverged run is never silent. */
export function rowLabel(run: LoadedRun): string {
  const diverged = divergence(run);
  return diverged ? `${run.label} (diverged at step ${diverged.step})` : run.label;
}

/** A warning listing the diverged runs among `runs`, or nothing. */
export function divergedNote(runs: readonly LoadedRun[]): Block[] {
  const diverged = runs.filter((run) => divergence(run) !== undefined);
  if (diverged.length === 0) return [];
  const items = diverged.map((run) => {
    const d = divergence(run)!;
    return `${run.label} diverged at step ${d.step} (value ${d.value})`;
  });
  return [
    note(
      `${joinList(items)}: ${diverged.length === 1 ? 'it has' : 'they have'} no trained model, so ${diverged.length === 1 ? 'its' : 'their'} metric cells are empty (—) and ${diverged.length === 1 ? 'it is' : 'they are'} left out of the metric charts.`,
      'warning',
    ),
  ];
}

/**
 * The best of `items` by `value` (undefined values are skipped): `item` is the first best, `ties` every item with
 * that exact value, so a sentence can name all of them instead of crowning one of several equals.
 */
export function best<T>(
  items: readonly T[],
  value: (item: T) => number | null | undefined,
  direction: 'max' | 'min',
): { item: T; value: number; ties: T[] } | undefined {
  let found: { item: T; value: number; ties: T[] } | undefined;
  for (const item of items) {
    const v = value(item);
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    if (!found || (direction === 'max' ? v > found.value : v < found.value)) found = { item, value: v, ties: [item] };
    else if (v === found.value) found.ties.push(item);
  }
  return found;
}

/** The labels of a best value's runs: `gru` or `gru and lstm (tied)`. */
export function bestLabels(found: { ties: readonly LoadedRun[] }): string {
  return found.ties.length === 1 ? found.ties[0]!.label : `${joinList(found.ties.map((r) => r.label))}, tied`;
}

/** The last evaluation of a run, if it had one. */
export function lastEvaluation(run: LoadedRun) {
  return run.history.evaluations[run.history.evaluations.length - 1];
}

export function splitsOf(runs: readonly LoadedRun[]): string {
  const splits = [...new Set(runs.flatMap((run) => (run.evaluation.kind === 'diverged' ? [] : [run.evaluation.split])))];
  return splits.length === 0 ? 'test' : joinList(splits);
}

// ---------------------------------------------------------------------------------------------------------------
// Config, as words

export function cellName(run: LoadedRun): string {
  return run.config.model.cell.toUpperCase();
}

/** The backend a run trained on, with native TensorFlow's thread count (it can change results). */
export function backendLabel(run: LoadedRun): string {
  const threads = run.summary.intraOpThreads;
  return threads === undefined ? run.summary.backend : `${run.summary.backend}, ${threads === 0 ? "TensorFlow's default threads" : plural(threads, 'thread')} per kernel`;
}

/**
 * backendLabel, plus how many of the run's steps ran as compiled TensorFlow graphs, when graphs were tried (a run
 * whose steps were never traced, such as one with sampled decoder inputs, says nothing about them).
 */
export function runBackendLabel(run: LoadedRun): string {
  const graph = run.summary.nativeGraph;
  const tried = graph === undefined ? 0 : graph.graphSteps + graph.eagerSteps;
  return graph === undefined || tried === 0 ? backendLabel(run) : `${backendLabel(run)}, ${graph.graphSteps} of ${run.summary.steps} steps as graphs`;
}

export function attentionName(run: LoadedRun): string | null {
  return run.config.kind === 'seq2seq' ? run.config.model.attention : null;
}

export function bpttText(run: LoadedRun): string {
  const bptt = run.config.train.bptt;
  return bptt.mode === 'full' ? 'full' : `truncated k1=${bptt.k1}, k2=${bptt.k2}`;
}

export function clipText(clip: ClipConfig): string {
  return clip.mode === 'none' ? 'none' : `${clip.mode} ≤ ${clip.max}`;
}

export function teacherForcingText(schedule: TeacherForcingConfig): string {
  switch (schedule.type) {
    case 'constant':
      return `p=${schedule.ratio}`;
    case 'linear':
      return `scheduled: linear, max(${schedule.min}, ${schedule.k} − ${schedule.c}·i)`;
    case 'exponential':
      return `scheduled: exponential, ${schedule.k}^i`;
    case 'inverseSigmoid':
      return `scheduled: inverse sigmoid, k=${schedule.k}`;
  }
}

export function dropoutText(run: LoadedRun): string {
  const dropout = run.config.model.dropout;
  const parts = [
    ...(dropout.variational > 0 ? [`variational ${dropout.variational}`] : []),
    ...(dropout.weightDrop > 0 ? [`weight drop ${dropout.weightDrop}`] : []),
    ...(dropout.embedding > 0 ? [`embedding ${dropout.embedding}`] : []),
  ];
  return parts.length === 0 ? 'none' : parts.join(', ');
}

// ---------------------------------------------------------------------------------------------------------------
// Training curves

/** Above this many steps, step curves show one point per bucket of consecutive steps (an SVG of 10⁵ points helps no one). */
const MAX_POINTS = 600;

export function bucketSize(steps: number): number {
  return Math.max(1, Math.ceil(steps / MAX_POINTS));
}

export function bucketsOf(steps: readonly StepRecord[]): StepRecord[][] {
  const size = bucketSize(steps.length);
  const out: StepRecord[][] = [];
  for (let i = 0; i < steps.length; i += size) out.push(steps.slice(i, i + size));
  return out;
}

/** Token-weighted mean loss of consecutive steps. */
export function bucketLoss(bucket: readonly StepRecord[]): number {
  const tokens = bucket.reduce((sum, s) => sum + s.tokens, 0);
  return tokens > 0 ? bucket.reduce((sum, s) => sum + s.loss * s.tokens, 0) / tokens : bucket.reduce((sum, s) => sum + s.loss, 0) / bucket.length;
}

/** Train and valid loss (or perplexity) at each evaluation; a run that never evaluated shows its step losses. */
export function curvePoints(runs: readonly LoadedRun[], metric: 'loss' | 'perplexity'): CurvePoint[] {
  return runs.flatMap((run): CurvePoint[] => {
    if (run.history.evaluations.length === 0) {
      return bucketsOf(run.history.steps).map((bucket) => {
        const loss = bucketLoss(bucket);
        return { run: run.label, split: 'train', step: bucket[bucket.length - 1]!.step + 1, value: metric === 'loss' ? loss : Math.exp(loss) };
      });
    }
    return run.history.evaluations.flatMap((e): CurvePoint[] => {
      const train = metric === 'loss' ? e.trainLoss : e.trainPerplexity;
      const valid = metric === 'loss' ? e.validLoss : e.validPerplexity;
      return [
        { run: run.label, split: 'train', step: e.step, value: train },
        ...(valid === undefined ? [] : [{ run: run.label, split: 'valid' as const, step: e.step, value: valid }]),
      ];
    });
  });
}

export function curvesBlock(name: string, runs: readonly LoadedRun[], metric: 'loss' | 'perplexity' = 'loss'): Block {
  const points = curvePoints(runs, metric);
  if (points.length === 0) return paragraph(`No training curve: ${plural(runs.length, 'run')} recorded no step.`);
  const logY = points.every((p) => p.value > 0);
  return chart(
    name,
    metric === 'loss' ? 'Training and validation loss' : 'Training and validation perplexity',
    lossCurvesChart(points, { metric: metric === 'loss' ? 'loss (nats/token)' : 'perplexity', logY }),
    `Solid: mean training ${metric} since the previous evaluation; dashed with dots: validation ${metric} (no dropout).${logY ? ' Log scale.' : ''}`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Gradient flow through time

export function isSeq2SeqFlow(flow: GradientFlow): flow is Extract<GradientFlow, { encoder: readonly number[] }> {
  return 'encoder' in flow;
}

/** The last measurement (after training). */
export function finalFlow(run: LoadedRun): GradientFlow | undefined {
  return run.diagnostics[run.diagnostics.length - 1];
}

/** The measurement before the first step, when there is one distinct from the final one. */
export function initialFlow(run: LoadedRun): GradientFlow | undefined {
  const first = run.diagnostics[0];
  return first !== undefined && run.diagnostics.length > 1 && first.step === 0 ? first : undefined;
}

/** ‖∂L/∂h_t‖ in time order: a seq2seq run's encoder steps, then its decoder steps; a stream run's window. */
export function flowNorms(flow: GradientFlow): readonly number[] {
  return isSeq2SeqFlow(flow) ? [...flow.encoder, ...flow.decoder] : flow.hidden;
}

export function flowPoints(series: string, flow: GradientFlow): GradientNormPoint[] {
  return flowNorms(flow).map((value, t) => ({ series, t, norm: value }));
}

/** Gradient flow of each run before and after training, or a sentence saying why there is none. */
export function gradientFlowBlocks(name: string, runs: readonly LoadedRun[], caption: string): Block[] {
  const points: GradientNormPoint[] = [];
  const markers = new Map<number, TimeMarker>();
  for (const run of runs) {
    const final = finalFlow(run);
    if (!final) continue;
    const initial = initialFlow(run);
    if (initial) points.push(...flowPoints(`${run.label}, step 0`, initial));
    points.push(...flowPoints(`${run.label}, step ${final.step}`, final));
    if (isSeq2SeqFlow(final) && final.encoder.length > 0 && final.decoder.length > 0 && !markers.has(final.encoder.length)) {
      markers.set(final.encoder.length, { t: final.encoder.length, label: 'decoder starts' });
    }
  }
  const missing = runs.filter((run) => !finalFlow(run)).map((run) => run.label);
  const missingText = missing.length === 0 ? [] : [paragraph(`No gradient-flow diagnostics for ${joinList(missing)} (diverged, or diagnostics.every = 0).`)];
  if (!points.some((p) => p.norm > 0)) return [...missingText, ...(points.length > 0 ? [paragraph('Every measured gradient norm is 0.')] : [])];
  return [
    chart(
      name,
      'Gradient norm through time, ‖∂L/∂h_t‖',
      gradientNormChart(points, { markers: [...markers.values()].sort((a, b) => a.t - b.t) }),
      caption,
    ),
    ...missingText,
  ];
}
