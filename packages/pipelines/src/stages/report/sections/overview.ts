/** Overview: every run, its setup and cost, and the headline metrics. Always present. */
import { list, note, paragraph, table, type Block, type MetaEntry, type Section } from '../../../report/index.ts';
import type { PipelineDeclaration } from '../../../config/index.ts';
import type { LoadedRun } from '../load.ts';
import { bleu, int, joinList, pct, plural, seconds, signed, fixed } from '../text.ts';
import { attentionName, backendLabel, runBackendLabel, best, bestLabels, cellName, curvesBlock, divergedNote, rowLabel, seq2seqOf, splitsOf, streamOf } from './common.ts';

const PERCENT = { kind: 'percent', decimals: 1 } as const;

export function overviewMeta(pipeline: string, declaration: PipelineDeclaration, runs: readonly LoadedRun[]): MetaEntry[] {
  const seq2seq = runs.filter((r) => r.config.kind === 'seq2seq').length;
  const stream = runs.length - seq2seq;
  const backends = tally(runs.map(backendLabel));
  const seeds = [...new Set(runs.map((r) => r.summary.seed))].sort((a, b) => a - b);
  const wall = runs.reduce((sum, r) => sum + r.timing.wallSeconds, 0);
  const signatures = new Map<string, string[]>();
  for (const run of runs) {
    const evaluation = seq2seqOf(run);
    if (!evaluation) continue;
    const signature = evaluation.decodings.greedy.bleu.signature;
    signatures.set(signature, [...(signatures.get(signature) ?? []), run.label]);
  }
  const signatureText =
    signatures.size === 1
      ? `\`${[...signatures.keys()][0]!}\``
      : [...signatures.entries()].map(([signature, labels]) => `\`${signature}\` (${joinList(labels)})`).join('; ');
  return [
    { label: 'Pipeline', value: `\`${pipeline}\`` },
    { label: 'Runs', value: `${runs.length} (${seq2seq} seq2seq, ${stream} stream)` },
    { label: 'Backend', value: backends.length === 0 ? '—' : backends.map(([name, n]) => `${name} (${plural(n, 'run')})`).join(', ') },
    { label: 'Seeds', value: seeds.length === 0 ? '—' : seeds.join(', ') },
    { label: 'Total train time', value: `${seconds(wall)} (wall clock; with tokens/s, the only numbers here that change between identical reruns)` },
    ...(declaration.expectedDuration ? [{ label: 'Expected duration', value: declaration.expectedDuration }] : []),
    ...(signatures.size > 0 ? [{ label: 'BLEU signature', value: signatureText }] : []),
  ];
}

export function overviewSection(runs: readonly LoadedRun[], knownGroups: ReadonlySet<string>): Section {
  if (runs.length === 0) {
    return { id: 'overview', title: 'Overview', blocks: [paragraph('This pipeline declares no runs, so there is nothing to report yet.')] };
  }
  const blocks: Block[] = [runsTable(runs)];
  const seq2seq = runs.filter((r) => r.config.kind === 'seq2seq');
  const stream = runs.filter((r) => r.config.kind === 'stream');
  if (seq2seq.length > 0) blocks.push(seq2seqTable(seq2seq));
  if (stream.length > 0) blocks.push(streamTable(stream));
  blocks.push(...divergedNote(runs));
  const conclusions = overviewConclusions(runs);
  if (conclusions.length > 0) blocks.push(list(conclusions));
  if (seq2seq.length > 0) blocks.push(curvesBlock('overview-loss-seq2seq', seq2seq));
  if (stream.length > 0) blocks.push(curvesBlock('overview-loss-stream', stream));
  const unknown = [...new Set(runs.flatMap((r) => r.groups))].filter((g) => !knownGroups.has(g)).sort();
  if (unknown.length > 0) {
    blocks.push(
      note(
        `${plural(unknown.length, 'group')} without a report section: ${joinList(unknown.map((g) => `\`${g}\``))}. Their runs appear in the tables above only. Sections exist for ${joinList([...knownGroups].map((g) => `\`${g}\``))}.`,
      ),
    );
  }
  return { id: 'overview', title: 'Overview', blocks };
}

function runsTable(runs: readonly LoadedRun[]): Block {
  return table(
    [
      'run',
      'groups',
      'cell',
      'attention',
      { header: 'hidden', format: { kind: 'integer' } },
      { header: 'parameters', format: { kind: 'integer' } },
      { header: 'steps', format: { kind: 'integer' } },
      { header: 'seed', format: { kind: 'integer' } },
      'backend',
      { header: 'train time', format: { kind: 'duration' } },
      { header: 'tokens/s', format: { kind: 'integer' } },
    ],
    runs.map((run) => [
      run.label,
      run.groups.length === 0 ? '—' : run.groups.join(', '),
      cellName(run),
      attentionName(run) ?? '—',
      run.config.model.hiddenDim,
      run.summary.parameters,
      run.summary.steps,
      run.summary.seed,
      runBackendLabel(run),
      run.timing.wallSeconds * 1000,
      run.timing.tokensPerSecond,
    ]),
    'The runs of this pipeline. Train time and tokens/s are wall-clock measurements on the machine that ran them.',
  );
}

function seq2seqTable(runs: readonly LoadedRun[]): Block {
  const beamWidths = [...new Set(runs.flatMap((r) => (seq2seqOf(r) ? [seq2seqOf(r)!.beam.width] : [])))];
  return table(
    [
      'run',
      { header: 'loss', format: { kind: 'fixed', decimals: 3 }, best: 'min' },
      { header: 'perplexity', format: { kind: 'fixed', decimals: 2 }, best: 'min' },
      { header: 'exact p=1', format: PERCENT, best: 'max' },
      { header: 'exact greedy', format: PERCENT, best: 'max' },
      { header: 'exact beam', format: PERCENT, best: 'max' },
      { header: 'BLEU p=1', format: { kind: 'fixed', decimals: 1 }, best: 'max' },
      { header: 'BLEU greedy', format: { kind: 'fixed', decimals: 1 }, best: 'max' },
      { header: 'BLEU beam', format: { kind: 'fixed', decimals: 1 }, best: 'max' },
      { header: 'CER greedy', format: PERCENT, best: 'min' },
      { header: 'WER greedy', format: PERCENT, best: 'min' },
      { header: 'token error greedy', format: PERCENT, best: 'min' },
    ],
    runs.map((run) => {
      const e = seq2seqOf(run);
      if (!e) return [rowLabel(run), ...Array<null>(11).fill(null)];
      const { teacherForced: tf, greedy, beam } = e.decodings;
      return [
        rowLabel(run),
        e.loss,
        e.perplexity,
        tf.exactMatch,
        greedy.exactMatch,
        beam.exactMatch,
        tf.bleu.score,
        greedy.bleu.score,
        beam.bleu.score,
        greedy.cer,
        greedy.wer,
        greedy.tokenErrorRate,
      ];
    }),
    `Seq2seq results on the ${splitsOf(runs)} split (best of each column in bold). Loss and perplexity are per target ` +
      'token under teacher forcing. *p=1*: each token predicted from the gold prefix; *greedy* and *beam* ' +
      `(width ${beamWidths.join(', ') || '—'}): free-running decoding (p=0). BLEU is sacreBLEU corpus BLEU (signature above).`,
  );
}

function streamTable(runs: readonly LoadedRun[]): Block {
  return table(
    [
      'run',
      { header: 'loss', format: { kind: 'fixed', decimals: 3 }, best: 'min' },
      { header: 'perplexity', format: { kind: 'fixed', decimals: 2 }, best: 'min' },
      { header: 'accuracy', format: PERCENT, best: 'max' },
    ],
    runs.map((run) => {
      const e = streamOf(run);
      return e ? [rowLabel(run), e.loss, e.perplexity, e.accuracy] : [rowLabel(run), null, null, null];
    }),
    `Stream (language-model) results on the ${splitsOf(runs)} split: loss per token, perplexity and next-token accuracy.`,
  );
}

function overviewConclusions(runs: readonly LoadedRun[]): string[] {
  const out: string[] = [];
  const seq2seq = runs.filter((r) => seq2seqOf(r));
  const exact = best(seq2seq, (r) => seq2seqOf(r)!.decodings.greedy.exactMatch, 'max');
  const score = best(seq2seq, (r) => seq2seqOf(r)!.decodings.greedy.bleu.score, 'max');
  if (exact && score) {
    out.push(
      `Best greedy exact match: ${pct(exact.value)} (${bestLabels(exact)}); best greedy BLEU: ${bleu(score.value)} (${bestLabels(score)}), over ${plural(seq2seq.length, 'seq2seq run')} with a model.`,
    );
  }
  if (seq2seq.length > 0) {
    const gains = seq2seq.map((r) => {
      const e = seq2seqOf(r)!;
      return { run: r, gain: e.decodings.beam.bleu.score - e.decodings.greedy.bleu.score };
    });
    const better = gains.filter((g) => g.gain > 0).length;
    const largest = best(gains, (g) => g.gain, 'max')!;
    out.push(
      `Beam search scored a higher BLEU than greedy decoding in ${better} of ${plural(gains.length, 'run')}; the largest change was ${signed(largest.value, 1)} BLEU (${largest.item.run.label}).`,
    );
  }
  const stream = runs.filter((r) => streamOf(r));
  const perplexity = best(stream, (r) => streamOf(r)!.perplexity, 'min');
  if (perplexity) {
    out.push(
      `Lowest stream perplexity: ${fixed(perplexity.value, 2)} (${perplexity.item.label}, next-token accuracy ${pct(streamOf(perplexity.item)!.accuracy)}).`,
    );
  }
  const diverged = runs.filter((r) => r.summary.diverged !== undefined);
  out.push(
    diverged.length === 0
      ? `No run diverged (${plural(runs.length, 'run')}).`
      : `${diverged.length} of ${plural(runs.length, 'run')} diverged: ${joinList(diverged.map((r) => `${r.label} at step ${int(r.summary.diverged!.step)}`))}.`,
  );
  return out;
}

/** Distinct values with their counts, in first-seen order. */
function tally(values: readonly string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()];
}
