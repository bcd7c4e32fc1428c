/**
 * Question 4: recurrent dropout (none, variational, weight drop). Its job is to close the gap between training
 * and validation loss; the section shows that gap and the test metrics it buys.
 */
import { chart, list, metricBarsChart, paragraph, table, type Block, type MetricBar, type Section, type TableCell, type TableColumn } from '../../../report/index.ts';
import type { LoadedRun } from '../load.ts';
import { fixed, pct, signed } from '../text.ts';
import { best, curvesBlock, divergedNote, divergence, dropoutText, lastEvaluation, rowLabel, seq2seqOf, splitsOf, streamOf, type SectionInput } from './common.ts';

const PERCENT = { kind: 'percent', decimals: 1 } as const;

interface Gap {
  readonly train: number;
  readonly valid: number;
}

/** Final train and valid loss; undefined for a diverged run or one that never validated. */
function gapOf(run: LoadedRun): Gap | undefined {
  if (divergence(run)) return undefined;
  const last = lastEvaluation(run);
  return last?.validLoss === undefined ? undefined : { train: last.trainLoss, valid: last.validLoss };
}

export function dropoutSection({ runs }: SectionInput): Section {
  const hasSeq2Seq = runs.some((r) => r.config.kind === 'seq2seq');
  const hasStream = runs.some((r) => r.config.kind === 'stream');
  const columns: TableColumn[] = [
    { header: 'run' },
    { header: 'dropout' },
    { header: 'final train loss', format: { kind: 'fixed', decimals: 3 } },
    { header: 'final valid loss', format: { kind: 'fixed', decimals: 3 }, best: 'min' },
    { header: 'gap', format: { kind: 'fixed', decimals: 3 } },
    { header: 'test loss', format: { kind: 'fixed', decimals: 3 }, best: 'min' },
    { header: 'perplexity', format: { kind: 'fixed', decimals: 2 }, best: 'min' },
    ...(hasSeq2Seq
      ? [
          { header: 'exact greedy', format: PERCENT, best: 'max' as const },
          { header: 'BLEU greedy', format: { kind: 'fixed' as const, decimals: 1 }, best: 'max' as const },
        ]
      : []),
    ...(hasStream ? [{ header: 'accuracy', format: PERCENT, best: 'max' as const }] : []),
  ];
  const rows = runs.map((run): TableCell[] => {
    const gap = gapOf(run);
    const s2s = seq2seqOf(run);
    const stream = streamOf(run);
    const evaluation = s2s ?? stream;
    return [
      rowLabel(run),
      dropoutText(run),
      gap?.train ?? null,
      gap?.valid ?? null,
      gap ? gap.valid - gap.train : null,
      evaluation?.loss ?? null,
      evaluation?.perplexity ?? null,
      ...(hasSeq2Seq ? [s2s?.decodings.greedy.exactMatch ?? null, s2s?.decodings.greedy.bleu.score ?? null] : []),
      ...(hasStream ? [stream?.accuracy ?? null] : []),
    ];
  });
  const blocks: Block[] = [
    paragraph(
      'Variational dropout (Gal & Ghahramani 2016) drops the same units at every time step of a sequence; weight drop ' +
        '(DropConnect on the recurrent weights, as in AWD-LSTM) drops hidden-to-hidden connections once per forward pass. ' +
        'Both regularise without breaking the recurrence.',
    ),
    {
      kind: 'table',
      columns,
      rows,
      caption:
        `*final train / valid loss*: at the last evaluation (train loss is measured with dropout on, valid loss without). ` +
        `*gap*: valid − train. Test metrics on the ${splitsOf(runs)} split${hasSeq2Seq ? ', greedy decoding for seq2seq runs' : ''}.`,
    },
    ...divergedNote(runs),
  ];
  const conclusions = conclusionsOf(runs);
  if (conclusions.length > 0) blocks.push(list(conclusions));
  const bars: MetricBar[] = runs.flatMap((run) => {
    const gap = gapOf(run);
    return gap
      ? [
          { run: run.label, condition: 'final train loss', value: gap.train },
          { run: run.label, condition: 'final valid loss', value: gap.valid },
        ]
      : [];
  });
  if (bars.length > 0) {
    blocks.push(
      chart(
        'dropout-gap',
        'Final training and validation loss',
        metricBarsChart(bars, { metric: 'loss (nats/token)', decimals: 3 }),
        `Dropout of each run: ${runs.map((r) => `${r.label}: ${dropoutText(r)}`).join('; ')}.`,
      ),
    );
  }
  blocks.push(curvesBlock('dropout-loss', runs));
  return { id: 'dropout', title: 'Question 4: recurrent dropout', blocks };
}

function conclusionsOf(runs: readonly LoadedRun[]): string[] {
  const out: string[] = [];
  const withGap = runs.filter((r) => gapOf(r));
  const gap = (r: LoadedRun) => gapOf(r)!.valid - gapOf(r)!.train;
  for (const run of withGap) {
    const g = gapOf(run)!;
    out.push(`${run.label} (dropout ${dropoutText(run)}): final train loss ${fixed(g.train)}, valid loss ${fixed(g.valid)}, gap ${signed(g.valid - g.train, 3)}.`);
  }
  const baseline = withGap.find((r) => dropoutText(r) === 'none');
  const smallest = best(withGap, gap, 'min');
  if (smallest && baseline && smallest.item !== baseline) {
    out.push(
      `The smallest gap, ${signed(smallest.value, 3)}, is ${smallest.item.label}'s (${dropoutText(smallest.item)}), against ${signed(gap(baseline), 3)} without dropout (${baseline.label}).`,
    );
  } else if (smallest && baseline) {
    out.push(`No dropout setting closed the gap below the run without dropout (${baseline.label}, ${signed(gap(baseline), 3)}).`);
  } else if (smallest) {
    out.push(`No run without dropout is in this group, so there is no baseline gap; the smallest gap is ${signed(smallest.value, 3)} (${smallest.item.label}).`);
  }
  const negative = withGap.filter((r) => gap(r) < 0);
  if (negative.length > 0) {
    out.push(
      `${negative.map((r) => r.label).join(', ')}: validation loss below training loss; the training loss is measured with dropout active, so the model is stronger at evaluation than during training.`,
    );
  }
  const bestLoss = best(runs, (r) => (seq2seqOf(r) ?? streamOf(r))?.loss, 'min');
  if (bestLoss) {
    const s2s = seq2seqOf(bestLoss.item);
    out.push(
      `The lowest test loss is ${fixed(bestLoss.value)} (${bestLoss.item.label}, dropout ${dropoutText(bestLoss.item)})` +
        (s2s ? `, with greedy exact match ${pct(s2s.decodings.greedy.exactMatch)}.` : `, with accuracy ${pct(streamOf(bestLoss.item)!.accuracy)}.`),
    );
  }
  return out;
}
