/**
 * Grapheme-to-phoneme conversion on CMUdict: phone error rate (PER) and word error rate (a word is wrong unless
 * its whole pronunciation is), next to published encoder-decoder results, with the differences that make them
 * not comparable as equals stated next to them.
 */
import { list, note, paragraph, table, type Block, type Section } from '../../../report/index.ts';
import type { LoadedRun } from '../load.ts';
import { int, joinList, pct, seconds, times } from '../text.ts';
import { attentionName, backendLabel, best, cellName, divergedNote, rowLabel, seq2seqOf, splitsOf, type SectionInput } from './common.ts';

const PERCENT = { kind: 'percent', decimals: 2 } as const;

/** Yao & Zweig 2015, on CMUdict with the Bisani & Ney 2008 split. */
export const PUBLISHED_G2P = [
  { system: 'encoder-decoder LSTM', per: 0.0763, wer: 0.2861 },
  { system: 'bi-directional LSTM, alignment-based', per: 0.0545, wer: 0.2355 },
] as const;

const CITATION =
  'K. Yao and G. Zweig, "Sequence-to-Sequence Neural Net Models for Grapheme-to-Phoneme Conversion", ' +
  'Interspeech 2015 ([arXiv:1506.00196](https://arxiv.org/abs/1506.00196))';

function per(run: LoadedRun, decoding: 'greedy' | 'beam'): number | null {
  return seq2seqOf(run)?.decodings[decoding].tokenErrorRate ?? null;
}

function wer(run: LoadedRun, decoding: 'greedy' | 'beam'): number | null {
  const e = seq2seqOf(run);
  return e ? 1 - e.decodings[decoding].exactMatch : null;
}

export function g2pSection({ runs }: SectionInput): Section {
  const blocks: Block[] = [
    paragraph(
      'Grapheme-to-phoneme conversion: the letters of a word in, its CMUdict pronunciation (phones) out. *PER*: phone ' +
        'edit distance over reference phones; *WER*: share of words whose predicted pronunciation is not exactly the ' +
        'reference (1 − exact match).',
    ),
    table(
      [
        'run',
        'cell',
        'attention',
        { header: 'parameters', format: { kind: 'integer' } },
        { header: 'PER greedy', format: PERCENT, best: 'min' },
        { header: 'WER greedy', format: PERCENT, best: 'min' },
        { header: 'PER beam', format: PERCENT, best: 'min' },
        { header: 'WER beam', format: PERCENT, best: 'min' },
      ],
      runs.map((run) => [
        rowLabel(run),
        cellName(run),
        attentionName(run) ?? '—',
        run.summary.parameters,
        per(run, 'greedy'),
        wer(run, 'greedy'),
        per(run, 'beam'),
        wer(run, 'beam'),
      ]),
      `Our runs on the ${splitsOf(runs)} split of our CMUdict subset.`,
    ),
    table(
      ['system', { header: 'PER', format: PERCENT }, { header: 'WER', format: PERCENT }],
      PUBLISHED_G2P.map((p) => [p.system, p.per, p.wer]),
      `Published results on CMUdict: ${CITATION}.`,
    ),
    ...divergedNote(runs),
  ];
  const conclusions = conclusionsOf(runs);
  if (conclusions.length > 0) blocks.push(list(conclusions));
  blocks.push(note(comparabilityText(runs), 'important'));
  const examples = examplesTable(runs);
  if (examples) blocks.push(examples);
  return { id: 'g2p', title: 'Grapheme-to-phoneme conversion (CMUdict)', blocks };
}

function conclusionsOf(runs: readonly LoadedRun[]): string[] {
  const scored = runs.filter((r) => seq2seqOf(r));
  const bestPer = best(scored, (r) => Math.min(per(r, 'greedy') ?? Infinity, per(r, 'beam') ?? Infinity), 'min');
  const bestWer = best(scored, (r) => Math.min(wer(r, 'greedy')!, wer(r, 'beam')!), 'min');
  if (!bestPer || !bestWer) return [];
  const reference = PUBLISHED_G2P[0];
  const perRatio = times(bestPer.value, reference.per);
  const werRatio = times(bestWer.value, reference.wer);
  return [
    `Our best PER is ${pct(bestPer.value, 2)} (${bestPer.item.label}) and our best WER ${pct(bestWer.value, 2)} (${bestWer.item.label}), ` +
      `against ${pct(reference.per, 2)} / ${pct(reference.wer, 2)} for Yao & Zweig's ${reference.system}` +
      (perRatio && werRatio ? ` (${perRatio} and ${werRatio} theirs).` : '.'),
  ];
}

function comparabilityText(runs: readonly LoadedRun[]): string {
  const datasets = [...new Map(runs.map((r) => [r.dataset.file, r.dataset])).values()];
  const sizes = datasets.map((d) => {
    const s = d.declaration.synthesize;
    if (s.task !== 'cmudict') return `${d.name}: not CMUdict (task ${s.task})`;
    const train = s.sizes.train === 'all' ? 'every word not held out' : int(s.sizes.train);
    return `${d.name}: train ${train}, valid ${int(s.sizes.valid)} and test ${int(s.sizes.test)} words`;
  });
  const examples = [...new Set(runs.flatMap((r) => (seq2seqOf(r) ? [seq2seqOf(r)!.examples] : [])))];
  const parameters = runs.map((r) => r.summary.parameters);
  const wall = runs.map((r) => r.timing.wallSeconds);
  const range = (values: number[], show: (n: number) => string) =>
    values.length === 0 ? '—' : Math.min(...values) === Math.max(...values) ? show(values[0]!) : `${show(Math.min(...values))} to ${show(Math.max(...values))}`;
  return (
    `These numbers are not comparable as equals: our split, model size and training budget differ from theirs. ` +
    `Yao & Zweig use the standard CMUdict split of Bisani & Ney (about 106k training and 12k test words). Ours: ${joinList(sizes)}` +
    `${examples.length > 0 ? `; ${joinList(examples.map((n) => int(n)))} words scored` : ''}; ` +
    `${range(parameters, int)} parameters; ${range(wall, seconds)} of training on ${joinList([...new Set(runs.map(backendLabel))])}. ` +
    'Different words, a different split and a smaller budget: read the published rows as a target, not as a baseline.'
  );
}

function examplesTable(runs: readonly LoadedRun[]): Block | undefined {
  const bestRun = best(runs.filter((r) => r.samples.length > 0), (r) => per(r, 'greedy'), 'min')?.item ?? runs.find((r) => r.samples.length > 0);
  if (!bestRun) return undefined;
  return table(
    ['word', 'reference', 'greedy', 'beam'],
    bestRun.samples.slice(0, 8).map((s) => [s.source, s.gold, s.greedy, s.beam]),
    `Decoded examples of ${bestRun.label}.`,
  );
}
