/** Language modelling on the Brown corpus with truncated BPTT: validation and test perplexity per run. */
import { list, paragraph, table, type Block, type Section } from '../../../report/index.ts';
import type { LoadedRun } from '../load.ts';
import { fixed, pct } from '../text.ts';
import { best, bpttText, clipText, curvesBlock, divergedNote, divergence, dropoutText, lastEvaluation, rowLabel, splitsOf, streamOf, type SectionInput } from './common.ts';

function validPerplexity(run: LoadedRun): number | null {
  if (divergence(run)) return null;
  return lastEvaluation(run)?.validPerplexity ?? null;
}

function bestValidPerplexity(run: LoadedRun): number | null {
  const loss = run.summary.bestValidLoss;
  return loss === null || loss === undefined ? null : Math.exp(loss);
}

export function lmSection({ runs }: SectionInput): Section {
  const blocks: Block[] = [
    paragraph(
      'Language models trained on a continuous token stream: with truncated BPTT the hidden state is ' +
        'carried from one window to the next, but the gradient stops at the window boundary. Perplexity is exp of ' +
        'the mean negative log-likelihood per token.',
    ),
    table(
      [
        'run',
        'BPTT',
        'clip',
        'dropout',
        { header: 'steps', format: { kind: 'integer' } },
        { header: 'final valid ppl', format: { kind: 'fixed', decimals: 2 }, best: 'min' },
        { header: 'best valid ppl', format: { kind: 'fixed', decimals: 2 }, best: 'min' },
        { header: 'test ppl', format: { kind: 'fixed', decimals: 2 }, best: 'min' },
        { header: 'accuracy', format: { kind: 'percent', decimals: 1 }, best: 'max' },
      ],
      runs.map((run) => {
        const e = streamOf(run);
        return [
          rowLabel(run),
          bpttText(run),
          clipText(run.config.train.clip),
          dropoutText(run),
          run.summary.steps,
          validPerplexity(run),
          bestValidPerplexity(run),
          e?.perplexity ?? null,
          e?.accuracy ?? null,
        ];
      }),
      `*final valid ppl*: at the last evaluation; *best valid ppl*: the lowest validation perplexity of the run ` +
        `(the weights kept when early stopping restores the best); *test ppl* and next-token accuracy on the ${splitsOf(runs)} split.`,
    ),
    ...divergedNote(runs),
  ];
  const conclusions = conclusionsOf(runs);
  if (conclusions.length > 0) blocks.push(list(conclusions));
  blocks.push(curvesBlock('lm-perplexity', runs, 'perplexity'));
  const brown = runs.every((r) => r.dataset.declaration.synthesize.task === 'brown');
  return { id: 'lm', title: brown ? 'Language modelling on the Brown corpus' : 'Language modelling', blocks };
}

function conclusionsOf(runs: readonly LoadedRun[]): string[] {
  const scored = runs.filter((r) => streamOf(r));
  if (scored.length === 0) return [];
  const ordered = [...scored].sort((a, b) => streamOf(a)!.perplexity - streamOf(b)!.perplexity);
  const out = [
    `Test perplexity, lowest first: ${ordered.map((r) => `${fixed(streamOf(r)!.perplexity, 2)} (${r.label}: ${bpttText(r)}, clip ${clipText(r.config.train.clip)}, dropout ${dropoutText(r)})`).join('; ')}.`,
  ];
  const bestRun = best(scored, (r) => streamOf(r)!.perplexity, 'min')!;
  const valid = validPerplexity(bestRun.item);
  if (valid !== null) {
    out.push(
      `${bestRun.item.label}: final validation perplexity ${fixed(valid, 2)}, test ${fixed(bestRun.value, 2)}, next-token accuracy ${pct(streamOf(bestRun.item)!.accuracy)}.`,
    );
  }
  return out;
}
