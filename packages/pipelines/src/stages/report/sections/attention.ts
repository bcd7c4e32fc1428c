/** Attention vs no attention: results side by side, and what the attention weights look like. */
import { attentionHeatmap, chart, list, metricBarsChart, paragraph, table, type Block, type MetricBar, type Section } from '../../../report/index.ts';
import type { AttentionSample } from '../../shared/run-files.ts';
import type { LoadedRun } from '../load.ts';
import { bleu, fixed, pct, signed, labelWith } from '../text.ts';
import { attentionName, best, cellName, divergedNote, rowLabel, seq2seqOf, splitsOf, type SectionInput } from './common.ts';

const PERCENT = { kind: 'percent', decimals: 1 } as const;

export function attentionSection({ runs }: SectionInput): Section {
  const scored = runs.filter((r) => seq2seqOf(r));
  const blocks: Block[] = [
    paragraph(
      'With attention the decoder reads a weighted average of all encoder states at every step, instead of only the ' +
        'final state: additive (Bahdanau et al. 2015), or dot / general (Luong et al. 2015).',
    ),
    table(
      [
        'run',
        'attention',
        'cell',
        { header: 'parameters', format: { kind: 'integer' } },
        { header: 'exact p=1', format: PERCENT, best: 'max' },
        { header: 'exact greedy', format: PERCENT, best: 'max' },
        { header: 'exact beam', format: PERCENT, best: 'max' },
        { header: 'BLEU greedy', format: { kind: 'fixed', decimals: 1 }, best: 'max' },
        { header: 'BLEU beam', format: { kind: 'fixed', decimals: 1 }, best: 'max' },
        { header: 'token error greedy', format: PERCENT, best: 'min' },
      ],
      runs.map((run) => {
        const e = seq2seqOf(run);
        const head = [rowLabel(run), attentionName(run) ?? '—', cellName(run), run.summary.parameters];
        if (!e) return [...head, null, null, null, null, null, null];
        const { teacherForced: tf, greedy, beam } = e.decodings;
        return [...head, tf.exactMatch, greedy.exactMatch, beam.exactMatch, greedy.bleu.score, beam.bleu.score, greedy.tokenErrorRate];
      }),
      `Attention and no attention on the ${splitsOf(runs)} split.`,
    ),
    ...divergedNote(runs),
  ];
  const conclusions = comparison(scored);
  if (conclusions.length > 0) blocks.push(list(conclusions));
  if (scored.length > 0) {
    const bars: MetricBar[] = scored.flatMap((run) => {
      const d = seq2seqOf(run)!.decodings;
      return [
        { run: run.label, condition: 'p=1 (teacher forcing)', value: d.teacherForced.exactMatch },
        { run: run.label, condition: 'greedy (p=0)', value: d.greedy.exactMatch },
        { run: run.label, condition: 'beam (p=0)', value: d.beam.exactMatch },
      ];
    });
    blocks.push(
      chart(
        'attention-exact-match',
        'Exact match with and without attention',
        metricBarsChart(bars, { metric: 'exact match', percent: true, domain: [0, 1], conditionTitle: 'decoding' }),
        `Attention of each run: ${scored.map((r) => `${r.label}: ${attentionName(r)}`).join(', ')}.`,
      ),
    );
  }
  blocks.push(...heatmaps(runs));
  return { id: 'attention', title: 'Attention vs no attention', blocks };
}

function comparison(scored: readonly LoadedRun[]): string[] {
  const score = (r: LoadedRun) => seq2seqOf(r)!.decodings.greedy.bleu.score;
  const exact = (r: LoadedRun) => seq2seqOf(r)!.decodings.greedy.exactMatch;
  const withAttention = best(scored.filter((r) => attentionName(r) !== 'none'), score, 'max');
  const without = best(scored.filter((r) => attentionName(r) === 'none'), score, 'max');
  if (withAttention && without) {
    const a = withAttention.item;
    const n = without.item;
    const verdict = withAttention.value > without.value ? 'Attention helps here' : withAttention.value < without.value ? 'Attention does not help here' : 'Attention makes no difference to BLEU here';
    return [
      `${verdict}: the best run with attention, ${labelWith(a.label, attentionName(a) ?? 'none')}, reaches greedy BLEU ${bleu(withAttention.value)} and exact match ${pct(exact(a))}; ` +
        `the best without, ${n.label}, ${bleu(without.value)} and ${pct(exact(n))} (${signed(withAttention.value - without.value, 1)} BLEU).`,
    ];
  }
  if (withAttention) return [`No run without attention has results in this group, so there is no baseline: the best attention run, ${withAttention.item.label}, reaches greedy BLEU ${bleu(withAttention.value)}.`];
  if (without) return [`No run with attention has results in this group, so attention cannot be judged here: the best run, ${without.item.label}, reaches greedy BLEU ${bleu(without.value)}.`];
  return [];
}

function heatmaps(runs: readonly LoadedRun[]): Block[] {
  const blocks: Block[] = [];
  for (const run of runs) {
    run.attention.forEach((sample, i) => {
      if (sample.source.length === 0 || sample.output.length === 0) return;
      const sharpness = meanRowMax(sample);
      blocks.push(
        chart(
          `attention-${slugOf(run.name)}-${i + 1}`,
          `Attention weights of ${run.label}, example ${i + 1}`,
          attentionHeatmap(sample),
          `Source tokens along the top, output tokens down the side. The mean of each output step's largest weight is ` +
            `${fixed(sharpness, 2)} (1 = every step attends to a single source token; ${fixed(1 / sample.source.length, 2)} = uniform over the ${sample.source.length} source tokens).`,
        ),
      );
    });
  }
  if (blocks.length === 0) blocks.push(paragraph('No attention weights were recorded (no run in this group has an attention model with attention examples).'));
  return blocks;
}

function meanRowMax(sample: AttentionSample): number {
  return sample.weights.reduce((sum, row) => sum + Math.max(...row), 0) / sample.weights.length;
}

/** Run folder names are already `[a-z0-9-]`; this only guards the chart-name rule. */
export function slugOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
}
