/**
 * Question 2: training with teacher forcing (p=1), without (p=0) and with scheduled sampling. Every run is
 * evaluated both ways: p=1 (each token predicted from the gold prefix) and p=0 (greedy, from its own outputs).
 */
import { chart, list, paragraph, table, teacherForcingGapChart, type Block, type GapRow, type Section } from '../../../report/index.ts';
import type { LoadedRun } from '../load.ts';
import { bleu, pct, pp, signed } from '../text.ts';
import { best, bestLabels, divergedNote, rowLabel, seq2seqOf, splitsOf, teacherForcingText, type SectionInput } from './common.ts';

const PERCENT = { kind: 'percent', decimals: 1 } as const;

export function teacherForcingSection({ runs }: SectionInput): Section {
  const scored = runs.filter((r) => seq2seqOf(r));
  const blocks: Block[] = [
    paragraph(
      'Teacher forcing feeds the gold previous token to the decoder during training (ratio *p*); *p=0* feeds its own ' +
        'prediction, and scheduled sampling (Bengio et al. 2015) lowers *p* during training. Each run is evaluated ' +
        'with p=1 and p=0; the gap between the two is what a model loses when it must live with its own mistakes.',
    ),
    table(
      [
        'run',
        'training p',
        { header: 'final p', format: { kind: 'fixed', decimals: 2 } },
        { header: 'token acc. p=1', format: PERCENT, best: 'max' },
        { header: 'token acc. p=0', format: PERCENT, best: 'max' },
        { header: 'gap (pp)', format: { kind: 'fixed', decimals: 1 }, best: 'min' },
        { header: 'exact p=1', format: PERCENT, best: 'max' },
        { header: 'exact p=0', format: PERCENT, best: 'max' },
        { header: 'BLEU p=1', format: { kind: 'fixed', decimals: 1 }, best: 'max' },
        { header: 'BLEU p=0', format: { kind: 'fixed', decimals: 1 }, best: 'max' },
        { header: 'BLEU gap', format: { kind: 'fixed', decimals: 1 }, best: 'min' },
      ],
      runs.map((run) => {
        const head = [rowLabel(run), scheduleText(run), finalRatio(run)];
        const e = seq2seqOf(run);
        if (!e) return [...head, null, null, null, null, null, null, null, null];
        const { teacherForced: tf, greedy: fr } = e.decodings;
        return [
          ...head,
          tf.tokenAccuracy,
          fr.tokenAccuracy,
          (tf.tokenAccuracy - fr.tokenAccuracy) * 100,
          tf.exactMatch,
          fr.exactMatch,
          tf.bleu.score,
          fr.bleu.score,
          tf.bleu.score - fr.bleu.score,
        ];
      }),
      `Each run evaluated with teacher forcing (p=1) and greedy free running (p=0) on the ${splitsOf(runs)} split. ` +
        '*final p*: the teacher-forcing ratio of the last training step. Gaps are p=1 minus p=0.',
    ),
    ...divergedNote(runs),
  ];
  const conclusions = conclusionsOf(scored);
  if (conclusions.length > 0) blocks.push(list(conclusions));
  if (scored.length > 0) {
    const rows = (metric: (r: LoadedRun, p: 'teacherForced' | 'greedy') => number): GapRow[] =>
      scored.map((r) => ({ run: r.label, teacherForced: metric(r, 'teacherForced'), freeRunning: metric(r, 'greedy') }));
    blocks.push(
      chart(
        'teacher-forcing-token-accuracy',
        'Token accuracy with p=1 and p=0',
        teacherForcingGapChart(
          rows((r, p) => seq2seqOf(r)!.decodings[p].tokenAccuracy),
          { metric: 'token accuracy', percent: true },
        ),
        `The signed gap (p=1 − p=0) is printed at the right. Training schedules: ${scored.map((r) => `${r.label}: ${scheduleText(r)}`).join('; ')}.`,
      ),
      chart(
        'teacher-forcing-bleu',
        'BLEU with p=1 and p=0',
        teacherForcingGapChart(rows((r, p) => seq2seqOf(r)!.decodings[p].bleu.score), { metric: 'BLEU', decimals: 1 }),
      ),
    );
  }
  return { id: 'teacher-forcing', title: 'Question 2: teacher forcing and scheduled sampling', blocks };
}

function scheduleText(run: LoadedRun): string {
  return run.config.kind === 'seq2seq' ? teacherForcingText(run.config.train.teacherForcing) : '—';
}

function finalRatio(run: LoadedRun): number | null {
  const steps = run.history.steps;
  return steps[steps.length - 1]?.teacherForcingRatio ?? null;
}

function conclusionsOf(scored: readonly LoadedRun[]): string[] {
  if (scored.length === 0) return [];
  const gap = (r: LoadedRun) => {
    const d = seq2seqOf(r)!.decodings;
    return d.teacherForced.tokenAccuracy - d.greedy.tokenAccuracy;
  };
  const out = scored.map((r) => {
    const d = seq2seqOf(r)!.decodings;
    return (
      `${r.label} (trained with ${scheduleText(r)}): token accuracy ${pct(d.teacherForced.tokenAccuracy)} with p=1 and ` +
      `${pct(d.greedy.tokenAccuracy)} with p=0 (${pp(gap(r))}); BLEU ${bleu(d.teacherForced.bleu.score)} vs ${bleu(d.greedy.bleu.score)} ` +
      `(${signed(d.teacherForced.bleu.score - d.greedy.bleu.score, 1)}).`
    );
  });
  if (scored.length > 1) {
    const smallest = best(scored, gap, 'min')!;
    const largest = best(scored, gap, 'max')!;
    out.push(
      `The smallest p=1 − p=0 gap is ${pp(smallest.value)} (${smallest.item.label}, ${scheduleText(smallest.item)}), the largest ` +
        `${pp(largest.value)} (${largest.item.label}, ${scheduleText(largest.item)}).`,
    );
    const free = best(scored, (r) => seq2seqOf(r)!.decodings.greedy.exactMatch, 'max')!;
    const forced = best(scored, (r) => seq2seqOf(r)!.decodings.teacherForced.tokenAccuracy, 'max')!;
    out.push(
      `What matters at test time is p=0: the best free-running exact match is ${pct(free.value)} (` +
        (free.ties.length === 1 ? `${free.item.label}, ${scheduleText(free.item)})` : `${bestLabels(free)})`) +
        (free.ties.length > 1
          ? '.'
          : forced.item === free.item
          ? `, which also has the best p=1 token accuracy (${pct(forced.value)}).`
          : `, while the best p=1 token accuracy, ${pct(forced.value)}, belongs to ${forced.item.label} (${scheduleText(forced.item)}): a good teacher-forced score does not guarantee a good free-running one.`),
    );
  }
  const negative = scored.filter((r) => gap(r) < 0);
  if (negative.length > 0) {
    out.push(
      `${negative.map((r) => `${r.label} (${pp(gap(r))})`).join(', ')}: free running scores above teacher forcing, so exposure bias is not what limits ${negative.length === 1 ? 'this run' : 'these runs'}.`,
    );
  }
  return out;
}
