/**
 * Question 5: exposure bias, measured. Where along the output free running goes wrong, whether an early mistake
 * makes the next ones likelier, and what it costs in accuracy, BLEU and edit distance.
 */
import {
  chart,
  errorAccumulationChart,
  firstErrorHistogram,
  list,
  paragraph,
  positionErrorChart,
  table,
  type Block,
  type ErrorAccumulationPoint,
  type FirstErrorGroup,
  type PositionErrorPoint,
  type Section,
} from '../../../report/index.ts';
import type { Seq2SeqEvaluation } from '../../shared/run-files.ts';
import type { LoadedRun } from '../load.ts';
import { bleu, fixed, int, pct, pp, signed, times, twoProportionZ } from '../text.ts';
import { divergedNote, rowLabel, seq2seqOf, splitsOf, type SectionInput } from './common.ts';

const PERCENT = { kind: 'percent', decimals: 1 } as const;
const TF = 'p=1';
const FR = 'p=0';

export function exposureBiasSection({ runs }: SectionInput): Section {
  const scored = runs.filter((r) => seq2seqOf(r));
  const blocks: Block[] = [
    paragraph(
      'A decoder trained with teacher forcing only ever conditioned on gold prefixes. Run free (p=0), it conditions on ' +
        'its own outputs, and one mistake can lead to the next. Both decodings of the same examples are compared ' +
        'position by position; the p=1 prediction at position t sees the gold prefix, the p=0 prediction its own.',
    ),
    gapTable(runs),
    ...divergedNote(runs),
  ];
  const conclusions = scored.flatMap((run) => conclusionsOf(run, seq2seqOf(run)!));
  if (conclusions.length > 0) blocks.push(list(conclusions));
  const several = scored.length > 1;
  const positions: PositionErrorPoint[] = scored.flatMap((run) =>
    seq2seqOf(run)!.exposureBias.perPosition.flatMap((p) => [
      { run: run.label, condition: TF, position: p.position, errorRate: p.teacherForcedErrorRate },
      { run: run.label, condition: FR, position: p.position, errorRate: p.freeRunningErrorRate },
    ]),
  );
  if (positions.length > 0) {
    blocks.push(
      chart(
        'exposure-bias-position-error',
        'Token error rate by output position',
        positionErrorChart(positions),
        `Fraction of wrong tokens at each gold position, p=1 (gold prefix) vs p=0 (greedy)${several ? '; one dash pattern per run' : ''}.`,
      ),
    );
  }
  const groups: FirstErrorGroup[] = scored.flatMap((run) => {
    const first = seq2seqOf(run)!.exposureBias.firstError;
    const name = (condition: string) => (several ? `${run.label}, ${condition}` : condition);
    return [
      ...(first.teacherForced.sequences > 0 ? [{ condition: name(TF), firstErrors: expand(first.teacherForced) }] : []),
      ...(first.freeRunning.sequences > 0 ? [{ condition: name(FR), firstErrors: expand(first.freeRunning) }] : []),
    ];
  });
  if (groups.length > 0) {
    blocks.push(
      chart(
        'exposure-bias-first-error',
        'Where the first wrong token is',
        firstErrorHistogram(groups),
        'Share of sequences whose first error is at each position; *none*: sequences without any error.',
      ),
    );
  }
  const accumulation: ErrorAccumulationPoint[] = scored.flatMap((run) =>
    seq2seqOf(run)!.exposureBias.errorAccumulation.perPosition.flatMap((p): ErrorAccumulationPoint[] => [
      ...(p.cleanPrefix.errorRate === null
        ? []
        : [{ run: run.label, position: p.position, context: 'correct-prefix' as const, errorRate: p.cleanPrefix.errorRate, count: p.cleanPrefix.count }]),
      ...(p.afterError.errorRate === null
        ? []
        : [{ run: run.label, position: p.position, context: 'after-error' as const, errorRate: p.afterError.errorRate, count: p.afterError.count }]),
    ]),
  );
  if (accumulation.length > 0) {
    blocks.push(
      chart(
        'exposure-bias-accumulation',
        'Error accumulation in free running',
        errorAccumulationChart(accumulation),
        'Greedy (p=0) token error rate at each position, split by whether every earlier token was right or an earlier one was already wrong. Dot size: tokens measured.',
      ),
    );
  }
  return { id: 'exposure-bias', title: 'Question 5: exposure bias', blocks };
}

function gapTable(runs: readonly LoadedRun[]): Block {
  return table(
    [
      'run',
      { header: 'token acc. p=1', format: PERCENT, best: 'max' },
      { header: 'token acc. p=0', format: PERCENT, best: 'max' },
      { header: 'gap (pp)', format: { kind: 'fixed', decimals: 1 }, best: 'min' },
      { header: 'BLEU p=1', format: { kind: 'fixed', decimals: 1 }, best: 'max' },
      { header: 'BLEU p=0', format: { kind: 'fixed', decimals: 1 }, best: 'max' },
      { header: 'BLEU gap', format: { kind: 'fixed', decimals: 1 }, best: 'min' },
      { header: 'edit dist. p=1', format: { kind: 'fixed', decimals: 2 }, best: 'min' },
      { header: 'edit dist. p=0', format: { kind: 'fixed', decimals: 2 }, best: 'min' },
      { header: 'edit dist. gap', format: { kind: 'fixed', decimals: 2 } },
    ],
    runs.map((run) => {
      const e = seq2seqOf(run);
      if (!e) return [rowLabel(run), null, null, null, null, null, null, null, null, null];
      const { teacherForced: tf, greedy: fr } = e.decodings;
      return [
        rowLabel(run),
        tf.tokenAccuracy,
        fr.tokenAccuracy,
        (tf.tokenAccuracy - fr.tokenAccuracy) * 100,
        tf.bleu.score,
        fr.bleu.score,
        tf.bleu.score - fr.bleu.score,
        tf.meanEditDistance,
        fr.meanEditDistance,
        fr.meanEditDistance - tf.meanEditDistance,
      ];
    }),
    `The exposure-bias gap on the ${splitsOf(runs)} split. Accuracy and BLEU gaps are p=1 − p=0; the edit-distance gap ` +
      'is p=0 − p=1 (mean Levenshtein distance per sequence, in tokens), so a positive gap always means free running is worse.',
  );
}

function conclusionsOf(run: LoadedRun, e: Seq2SeqEvaluation): string[] {
  const out: string[] = [];
  const { teacherForced: tf, greedy: fr } = e.decodings;
  out.push(
    `${run.label}, from p=1 to p=0: token accuracy ${pct(tf.tokenAccuracy)} → ${pct(fr.tokenAccuracy)} (${pp(fr.tokenAccuracy - tf.tokenAccuracy)}), ` +
      `BLEU ${bleu(tf.bleu.score)} → ${bleu(fr.bleu.score)} (${signed(fr.bleu.score - tf.bleu.score, 1)}), ` +
      `edits per sequence ${fixed(tf.meanEditDistance, 2)} → ${fixed(fr.meanEditDistance, 2)} (${signed(fr.meanEditDistance - tf.meanEditDistance, 2)}).`,
  );

  const positions = e.exposureBias.perPosition;
  const first = positions[0];
  if (first && first.count > 0) {
    // The last position that at least half the sequences reach: later ones rest on too few examples to quote.
    const far = [...positions].reverse().find((p) => p.count * 2 >= first.count) ?? first;
    if (far.position !== first.position) {
      out.push(
        `${run.label}: per-position token error goes from ${pct(first.teacherForcedErrorRate)} (p=1) and ${pct(first.freeRunningErrorRate)} (p=0) ` +
          `at position ${first.position} to ${pct(far.teacherForcedErrorRate)} (p=1) and ${pct(far.freeRunningErrorRate)} (p=0) at position ${far.position} ` +
          `(the last position ${int(far.count)} of ${int(first.count)} sequences reach).`,
      );
    }
  }

  const firstError = e.exposureBias.firstError;
  if (firstError.freeRunning.sequences > 0 && firstError.teacherForced.sequences > 0) {
    const mode = modeOf(firstError.freeRunning.histogram);
    out.push(
      `${run.label}: ${pct(firstError.freeRunning.noError / firstError.freeRunning.sequences)} of sequences have no wrong token with p=0, ` +
        `${pct(firstError.teacherForced.noError / firstError.teacherForced.sequences)} with p=1` +
        (mode
          ? `; the most frequent first-error position with p=0 is ${mode.position} (${pct(mode.count / firstError.freeRunning.sequences)} of sequences).`
          : '.'),
    );
  }

  const { cleanPrefix, afterError } = e.exposureBias.errorAccumulation.overall;
  if (afterError.errorRate === null || cleanPrefix.errorRate === null) {
    out.push(
      `${run.label}: error accumulation cannot be measured: ` +
        (afterError.errorRate === null
          ? `no free-running sequence went wrong before its last token (${int(cleanPrefix.count)} tokens, all with a correct prefix).`
          : `no token had a correct prefix.`),
    );
  } else {
    const ratio = times(afterError.errorRate, cleanPrefix.errorRate);
    const z = twoProportionZ(afterError.errors, afterError.count, cleanPrefix.errors, cleanPrefix.count);
    const higher = afterError.errorRate > cleanPrefix.errorRate;
    const verdict = !higher
      ? ': errors do not compound here.'
      : z !== undefined && z >= 1.96
        ? `${ratio ? `, ${ratio} higher` : ''}: errors compound (two-proportion z = ${fixed(z, 2)}, above 1.96).`
        : `${ratio ? `, ${ratio} higher` : ''}, but not significantly${z === undefined ? '' : ` (two-proportion z = ${fixed(z, 2)}, below 1.96)`}: these counts do not show that errors compound.`;
    out.push(
      `${run.label}: after an earlier error the p=0 token error rate is ${pct(afterError.errorRate)} (${int(afterError.errors)}/${int(afterError.count)} tokens) ` +
        `against ${pct(cleanPrefix.errorRate)} (${int(cleanPrefix.errors)}/${int(cleanPrefix.count)}) with a correct prefix${verdict}`,
    );
  }
  return out;
}

/** Positions as one entry per sequence, the input the histogram builder counts. */
function expand(distribution: { readonly histogram: readonly number[]; readonly noError: number }): (number | null)[] {
  return [...distribution.histogram.flatMap((n, position) => Array<number>(n).fill(position)), ...Array<null>(distribution.noError).fill(null)];
}

function modeOf(histogram: readonly number[]): { position: number; count: number } | undefined {
  let found: { position: number; count: number } | undefined;
  histogram.forEach((count, position) => {
    if (count > 0 && (!found || count > found.count)) found = { position, count };
  });
  return found;
}
