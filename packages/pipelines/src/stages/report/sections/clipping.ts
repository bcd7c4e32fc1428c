/**
 * Question 3b: gradient clipping. The per-step loss and pre-clip gradient norm, how often clipping fired, and
 * whether anything exploded, stated from the numbers (a run that did not blow up is reported as such).
 */
import type { StepRecord } from '@bptt/train';
import {
  chart,
  gradientNormChart,
  list,
  lossCurvesChart,
  paragraph,
  table,
  type Block,
  type CurvePoint,
  type GradientNormPoint,
  type Section,
} from '../../../report/index.ts';
import type { LoadedRun } from '../load.ts';
import { fixed, int, joinList, norm, pct, plural, times } from '../text.ts';
import { best, bucketLoss, bucketsOf, bucketSize, clipText, divergence, lastEvaluation, type SectionInput } from './common.ts';

interface StepStats {
  readonly steps: number;
  readonly clipped: number;
  readonly max: StepRecord | undefined;
  readonly median: number | undefined;
}

function stepStats(run: LoadedRun): StepStats {
  const steps = run.history.steps;
  let max: StepRecord | undefined;
  for (const s of steps) if (!max || s.gradNorm > max.gradNorm) max = s;
  const sorted = steps.map((s) => s.gradNorm).sort((a, b) => a - b);
  const median = sorted.length === 0 ? undefined : sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  return { steps: steps.length, clipped: steps.filter((s) => s.clipped).length, max, median };
}

export function clippingSection({ runs }: SectionInput): Section {
  const stats = new Map(runs.map((run) => [run, stepStats(run)]));
  const blocks: Block[] = [
    paragraph(
      'Clipping by norm rescales the whole gradient when its global 2-norm exceeds a threshold (Pascanu et al. 2013); ' +
        'clipping by value clamps each element. The norms below are measured *before* clipping, so they show what the ' +
        'optimizer would have received without it.',
    ),
    table(
      [
        'run',
        'clip',
        { header: 'steps', format: { kind: 'integer' } },
        { header: 'clipped', format: { kind: 'percent', decimals: 1 } },
        { header: 'max grad norm', align: 'right' },
        { header: 'at step', format: { kind: 'integer' } },
        { header: 'median grad norm', align: 'right' },
        { header: 'final train loss', format: { kind: 'fixed', decimals: 3 }, best: 'min' },
        { header: 'final valid loss', format: { kind: 'fixed', decimals: 3 }, best: 'min' },
        'diverged',
      ],
      runs.map((run) => {
        const s = stats.get(run)!;
        const d = divergence(run);
        const last = lastEvaluation(run);
        return [
          run.label,
          clipText(run.config.train.clip),
          s.steps,
          s.steps === 0 ? null : s.clipped / s.steps,
          // Norms span decades (0.3 to 10⁴): written as the sentences write them, not in one fixed format.
          s.max ? norm(s.max.gradNorm) : null,
          s.max?.step ?? null,
          s.median === undefined ? null : norm(s.median),
          d ? null : (last?.trainLoss ?? null),
          d ? null : (last?.validLoss ?? null),
          d ? `step ${d.step} (${d.value})` : 'no',
        ];
      }),
      '*clipped*: share of optimizer steps whose pre-clip gradient exceeded the threshold. Norms are global 2-norms before clipping.',
    ),
    list(conclusionsOf(runs, stats)),
  ];
  const lossPoints: CurvePoint[] = [];
  const normPoints: GradientNormPoint[] = [];
  let bucketed = false;
  for (const run of runs) {
    const buckets = bucketsOf(run.history.steps);
    bucketed ||= buckets.some((b) => b.length > 1);
    for (const bucket of buckets) {
      const last = bucket[bucket.length - 1]!;
      lossPoints.push({ run: run.label, split: 'train', step: last.step, value: bucketLoss(bucket) });
      normPoints.push({ series: run.label, t: last.step, norm: Math.max(...bucket.map((s) => s.gradNorm)) });
    }
  }
  const bucketNote = bucketed ? ` Each point summarises up to ${int(bucketSize(Math.max(...runs.map((r) => r.history.steps.length))))} consecutive steps (token-weighted mean loss; largest norm).` : '';
  if (lossPoints.length > 0) {
    blocks.push(
      chart(
        'clipping-loss',
        'Training loss per step',
        lossCurvesChart(lossPoints, { metric: 'loss (nats/token)', logY: lossPoints.every((p) => p.value > 0) }),
        `Loss of each optimizer step's batch.${bucketNote}`,
      ),
    );
  }
  if (normPoints.some((p) => p.norm > 0)) {
    // The divergence step is the last x of its run, where a marker's label would run into the legend: the caption says it.
    const diverged = runs.filter((r) => divergence(r) !== undefined);
    const divergedText =
      diverged.length === 0
        ? ''
        : ` ${joinList(diverged.map((r) => `${r.label} diverged at step ${int(divergence(r)!.step)}`))}: ${diverged.length === 1 ? 'its line ends' : 'their lines end'} at the last finite step.`;
    blocks.push(
      chart(
        'clipping-grad-norm',
        'Pre-clip gradient norm per step',
        gradientNormChart(normPoints, { xTitle: 'step', yTitle: 'gradient norm before clipping' }),
        `Thresholds: ${runs.map((r) => `${r.label}: ${clipText(r.config.train.clip)}`).join(', ')}. Log scale.${divergedText}${bucketNote}`,
      ),
    );
  }
  return { id: 'clipping', title: 'Question 3b: gradient clipping', blocks };
}

function conclusionsOf(runs: readonly LoadedRun[], stats: ReadonlyMap<LoadedRun, StepStats>): string[] {
  const out: string[] = [];
  for (const run of runs) {
    const s = stats.get(run)!;
    const clip = run.config.train.clip;
    if (s.steps === 0) {
      out.push(`${run.label} recorded no optimizer step.`);
      continue;
    }
    const spike = s.max && s.median !== undefined ? times(s.max.gradNorm, s.median) : undefined;
    const largest = `its largest pre-clip gradient norm was ${norm(s.max!.gradNorm)} at step ${int(s.max!.step)}${spike ? ` (${spike} its median, ${norm(s.median!)})` : ''}`;
    out.push(
      clip.mode === 'none'
        ? `${run.label} (no clipping): ${largest}.`
        : `${run.label} (${clipText(clip)}) clipped ${pct(s.clipped / s.steps)} of its ${plural(s.steps, 'step')}; ${largest}.`,
    );
  }
  const diverged = runs.filter((r) => divergence(r) !== undefined);
  if (diverged.length > 0) {
    out.push(
      `${joinList(diverged.map((r) => `${r.label} (${clipText(r.config.train.clip) === 'none' ? 'no clipping' : clipText(r.config.train.clip)}) diverged at step ${int(divergence(r)!.step)} (value ${divergence(r)!.value})`))}.`,
    );
  } else {
    const overall = best(
      runs.filter((r) => stats.get(r)!.max),
      (r) => stats.get(r)!.max!.gradNorm,
      'max',
    );
    out.push(
      overall
        ? `No run diverged, so no explosion to NaN or infinity occurred: the largest pre-clip gradient norm of any run was ${norm(overall.value)} (${overall.item.label}, step ${int(stats.get(overall.item)!.max!.step)}).`
        : 'No run diverged.',
    );
  }
  // A diverged run's last evaluation predates its divergence: it is not a final loss.
  const finished = runs.filter((r) => divergence(r) === undefined);
  const clipped = best(finished.filter((r) => r.config.train.clip.mode !== 'none'), (r) => lastEvaluation(r)?.validLoss, 'min');
  const unclipped = best(finished.filter((r) => r.config.train.clip.mode === 'none'), (r) => lastEvaluation(r)?.validLoss, 'min');
  if (clipped && unclipped) {
    out.push(
      `Final validation loss: best with clipping ${fixed(clipped.value)} (${clipped.item.label}), best without ${fixed(unclipped.value)} (${unclipped.item.label})` +
        (clipped.value < unclipped.value ? '; clipping ended lower.' : clipped.value > unclipped.value ? '; clipping did not end lower.' : '; the same.'),
    );
  }
  return out;
}
