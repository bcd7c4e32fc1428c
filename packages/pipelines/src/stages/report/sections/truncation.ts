/**
 * Question 3a: truncated BPTT. Accuracy against the truncation window k2, and how far back the gradient reaches
 * with each window, next to the distance the task needs it to reach (the delay of delayed recall).
 */
import type { TopLevelSpec } from 'vega-lite';
import {
  chart,
  gradientNormChart,
  list,
  paragraph,
  table,
  truncationSweepChart,
  type Block,
  type GradientNormPoint,
  type ReferenceLine,
  type Section,
  type TruncationPoint,
} from '../../../report/index.ts';
import type { LoadedRun } from '../load.ts';
import { joinList, norm, pct, labelWith } from '../text.ts';
import { bpttText, cellName, clipText, divergedNote, finalFlow, flowNorms, isSeq2SeqFlow, rowLabel, seq2seqOf, splitsOf, streamOf, type SectionInput } from './common.ts';

const PERCENT = { kind: 'percent', decimals: 1 } as const;

/** The task's dependency distance: target[t] depends on source[t - delay]. */
export function delayOf(run: LoadedRun): number | undefined {
  const synthesize = run.dataset.declaration.synthesize;
  return 'delay' in synthesize ? synthesize.delay : undefined;
}

function chanceOf(run: LoadedRun): number | undefined {
  const synthesize = run.dataset.declaration.synthesize;
  return synthesize.task === 'delayed-recall' ? 1 / synthesize.alphabetSize : undefined;
}

/** Stream runs: next-token accuracy; seq2seq runs: greedy token accuracy. */
function accuracyOf(run: LoadedRun): number | undefined {
  return streamOf(run)?.accuracy ?? seq2seqOf(run)?.decodings.greedy.tokenAccuracy;
}

function windowOf(run: LoadedRun): number | undefined {
  const bptt = run.config.train.bptt;
  return bptt.mode === 'truncated' ? bptt.k2 : undefined;
}

export function truncationSection({ runs }: SectionInput): Section {
  const blocks: Block[] = [
    paragraph(
      'Truncated BPTT(k1, k2) backpropagates the loss of the last k1 steps through the last k2 steps only: the ' +
        'gradient of a loss at step t never reaches an input more than k2 − 1 steps earlier. A task whose answer ' +
        'depends on an input *d* steps back needs k2 > d.',
    ),
    table(
      [
        'run',
        'dataset',
        'cell',
        'BPTT',
        { header: 'k2', format: { kind: 'integer' } },
        { header: 'delay', format: { kind: 'integer' } },
        'clip',
        { header: 'loss', format: { kind: 'fixed', decimals: 3 }, best: 'min' },
        { header: 'accuracy', format: PERCENT, best: 'max' },
      ],
      runs.map((run) => [
        rowLabel(run),
        run.dataset.name,
        cellName(run),
        bpttText(run),
        windowOf(run) ?? null,
        delayOf(run) ?? null,
        clipText(run.config.train.clip),
        streamOf(run)?.loss ?? seq2seqOf(run)?.loss ?? null,
        accuracyOf(run) ?? null,
      ]),
      `Runs of the truncation sweep on the ${splitsOf(runs)} split. *accuracy*: next-token accuracy for stream runs, ` +
        'greedy token accuracy for seq2seq runs. *delay*: the dependency distance of the dataset, where it has one.',
    ),
    ...divergedNote(runs),
  ];
  const conclusions = conclusionsOf(runs);
  if (conclusions.length > 0) blocks.push(list(conclusions));
  const sweep = sweepChart(runs);
  if (sweep) blocks.push(sweep);
  blocks.push(...flowChart(runs));
  return { id: 'truncation', title: 'Question 3a: truncated BPTT', blocks };
}

function seriesOf(run: LoadedRun, several: boolean): string {
  return several ? `${cellName(run)}, ${run.dataset.name}` : cellName(run);
}

function sweepChart(runs: readonly LoadedRun[]): Block | undefined {
  const measured = runs.filter((r) => accuracyOf(r) !== undefined);
  const truncated = measured.filter((r) => windowOf(r) !== undefined);
  if (truncated.length === 0) return undefined;
  const several = new Set(measured.map((r) => `${cellName(r)}, ${r.dataset.name}`)).size > 1;
  const points: TruncationPoint[] = truncated.map((r) => ({ series: seriesOf(r, several), k2: windowOf(r)!, value: accuracyOf(r)! }));
  const references: ReferenceLine[] = [
    ...measured.filter((r) => windowOf(r) === undefined).map((r) => ({ label: `full BPTT (${r.label})`, value: accuracyOf(r)! })),
    ...[...new Map(measured.flatMap((r) => (chanceOf(r) === undefined ? [] : [[chanceOf(r)!, r.dataset.name] as const]))).entries()].map(
      ([value, dataset]) => ({ label: `chance (${dataset})`, value }),
    ),
  ];
  const delays = [...new Map(truncated.flatMap((r) => (delayOf(r) === undefined ? [] : [[delayOf(r)!, r.dataset.name] as const]))).entries()];
  const windows = points.map((p) => p.k2);
  const powersOfTwo = windows.every((k) => Number.isInteger(Math.log2(k)));
  let spec = truncationSweepChart(points, { metric: 'accuracy', percent: true, logX: powersOfTwo && windows.length > 2, references, domain: [0, 1] });
  for (const [delay, dataset] of delays) spec = withWindowMarker(spec, delay, `delay ${delay}${delays.length > 1 ? ` (${dataset})` : ''}`);
  return chart(
    'truncation-sweep',
    'Accuracy against the truncation window k2',
    spec,
    `Dashed horizontal lines: full BPTT and chance level where known.${delays.length > 0 ? ' Dotted vertical line: the task\'s dependency distance; a window must exceed it for the gradient to connect the answer to its cue.' : ''}`,
  );
}

/**
 * A vertical rule at one window, added to a sweep chart as two more layers (rule and label). The sweep builder
 * draws horizontal references only; the dependency distance is a position on the k2 axis.
 */
function withWindowMarker(spec: TopLevelSpec, k2: number, label: string): TopLevelSpec {
  const layered = spec as TopLevelSpec & { layer: unknown[] };
  const data = { values: [{ k2, label }] };
  return {
    ...layered,
    layer: [
      ...layered.layer,
      { data, mark: { type: 'rule', strokeDash: [2, 2], color: '#CC79A7' }, encoding: { x: { field: 'k2', type: 'quantitative' } } },
      {
        data,
        mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, y: 4, fontSize: 10, color: '#CC79A7' },
        encoding: { x: { field: 'k2', type: 'quantitative' }, text: { field: 'label', type: 'nominal' } },
      },
    ],
  } as TopLevelSpec;
}

/** ‖∂L/∂h‖ against the distance back from the loss, so the window k2 and the delay sit at the same x in every run. */
function flowChart(runs: readonly LoadedRun[]): Block[] {
  const points: GradientNormPoint[] = [];
  for (const run of runs) {
    const flow = finalFlow(run);
    if (!flow) continue;
    const norms = flowNorms(flow);
    const window = windowOf(run);
    const series = labelWith(run.label, window === undefined ? 'full' : `k2=${window}`);
    if (isSeq2SeqFlow(flow)) {
      points.push(...norms.map((value, t) => ({ series, t, norm: value })));
    } else {
      points.push(...norms.map((value, t) => ({ series, t: norms.length - 1 - t, norm: value })));
    }
  }
  if (!points.some((p) => p.norm > 0)) return [];
  const delays = [...new Set(runs.flatMap((r) => (delayOf(r) === undefined ? [] : [delayOf(r)!])))].sort((a, b) => a - b);
  const stream = runs.some((r) => finalFlow(r) && !isSeq2SeqFlow(finalFlow(r)!));
  return [
    chart(
      'truncation-gradient-flow',
      'Gradient flow through time per truncation window',
      gradientNormChart(points, {
        xTitle: stream ? 'steps back from the loss' : 'time step t',
        markers: delays.map((d) => ({ t: d, label: `delay ${d}` })),
      }),
      'Norm of the gradient of the last step\'s loss with respect to each hidden state of the diagnostic window, after ' +
        'training. With truncation, states more than k2 − 1 steps back receive no gradient (a gap on the log axis).',
    ),
  ];
}

function conclusionsOf(runs: readonly LoadedRun[]): string[] {
  const out: string[] = [];
  const measured = runs.filter((r) => accuracyOf(r) !== undefined);
  if (measured.length === 0) return out;
  const ordered = [...measured].sort((a, b) => (windowOf(a) ?? Infinity) - (windowOf(b) ?? Infinity));
  out.push(
    `Accuracy by window: ${ordered.map((r) => `${windowOf(r) === undefined ? 'full BPTT' : `k2=${windowOf(r)}`} ${pct(accuracyOf(r)!)} (${r.label})`).join(', ')}.`,
  );
  for (const dataset of [...new Set(measured.map((r) => r.dataset.name))]) {
    const ofDataset = measured.filter((r) => r.dataset.name === dataset);
    const delay = delayOf(ofDataset[0]!);
    if (delay === undefined) continue;
    const chance = chanceOf(ofDataset[0]!);
    const short = ofDataset.filter((r) => windowOf(r) !== undefined && windowOf(r)! <= delay);
    const long = ofDataset.filter((r) => windowOf(r) === undefined || windowOf(r)! > delay);
    const chanceText = chance === undefined ? '' : ` (chance: ${pct(chance)})`;
    if (short.length > 0 && long.length > 0) {
      const shortBest = Math.max(...short.map((r) => accuracyOf(r)!));
      const longWorst = Math.min(...long.map((r) => accuracyOf(r)!));
      out.push(
        `${dataset} needs the gradient to reach ${delay} steps back. Windows k2 ≤ ${delay} (${joinList(short.map((r) => `k2=${windowOf(r)}`))}) reach at most ` +
          `${pct(shortBest)}${chanceText}; windows beyond it (${joinList(long.map((r) => (windowOf(r) === undefined ? 'full' : `k2=${windowOf(r)}`)))}) reach at least ${pct(longWorst)}` +
          (longWorst > shortBest ? ': the window decides whether the dependency is learnt.' : ': in these runs a longer window did not separate the results.'),
      );
    } else if (short.length > 0) {
      out.push(`${dataset} has delay ${delay} and every run's window is ≤ ${delay}, so none can learn it through the gradient; the best reaches ${pct(Math.max(...short.map((r) => accuracyOf(r)!)))}${chanceText}.`);
    } else {
      out.push(`${dataset} has delay ${delay} and every run's window exceeds it (or is full BPTT); the worst reaches ${pct(Math.min(...long.map((r) => accuracyOf(r)!)))}${chanceText}. No run tests a window too short.`);
    }
    const atDelay = ofDataset.flatMap((r) => {
      const flow = finalFlow(r);
      if (!flow || isSeq2SeqFlow(flow) || delay >= flow.hidden.length) return [];
      return [`${windowOf(r) === undefined ? 'full' : `k2=${windowOf(r)}`}: ${norm(flow.hidden[flow.hidden.length - 1 - delay]!)}`];
    });
    if (atDelay.length > 0) out.push(`Gradient norm ${delay} steps back from the loss, after training: ${atDelay.join(', ')}.`);
  }
  return out;
}
