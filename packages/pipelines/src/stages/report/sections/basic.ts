/** Question 1: seq2seq without attention, LSTM vs GRU: results, curves and how far the gradient reaches back. */
import { list, note, paragraph, table, type Block, type Section, type TableCell } from '../../../report/index.ts';
import type { LoadedRun } from '../load.ts';
import { bleu, fixed, int, joinList, norm, pct, times, labelWith } from '../text.ts';
import {
  attentionName,
  best,
  cellName,
  curvesBlock,
  divergedNote,
  finalFlow,
  flowNorms,
  gradientFlowBlocks,
  isSeq2SeqFlow,
  rowLabel,
  seq2seqOf,
  splitsOf,
  streamOf,
  type SectionInput,
} from './common.ts';

const PERCENT = { kind: 'percent', decimals: 1 } as const;

export function basicSection({ runs }: SectionInput): Section {
  const blocks: Block[] = [
    paragraph(
      'Encoder-decoders without attention: the decoder sees the source only through the encoder\'s final state ' +
        '(Sutskever et al. 2014). The question is whether the LSTM\'s additive cell state or the GRU\'s gated ' +
        'interpolation carries the source better, and how much gradient reaches the first encoder steps.',
    ),
    metricsTable(runs),
    ...divergedNote(runs),
    ...attentionCaveat(runs),
  ];
  const conclusions = [...metricConclusions(runs), ...flowConclusions(runs)];
  if (conclusions.length > 0) blocks.push(list(conclusions));
  blocks.push(curvesBlock('basic-loss', runs));
  blocks.push(
    ...gradientFlowBlocks(
      'basic-gradient-flow',
      runs,
      'Norm of the loss gradient with respect to the top-layer hidden state at each time step of the fixed diagnostic ' +
        'batch: encoder steps first, then decoder steps (after the dashed rule), before training and after the last step. Log scale.',
    ),
  );
  const examples = examplesTable(runs);
  if (examples) blocks.push(examples);
  return { id: 'basic', title: 'Question 1: seq2seq without attention, LSTM vs GRU', blocks };
}

/** The question is about models without attention; a run with attention in the group changes two things at once. */
function attentionCaveat(runs: readonly LoadedRun[]): Block[] {
  const attended = runs.filter((r) => (attentionName(r) ?? 'none') !== 'none');
  if (attended.length === 0) return [];
  return [
    note(
      `${joinList(attended.map((r) => `${r.label} uses ${attentionName(r)} attention`))}: ${attended.length === 1 ? 'its' : 'their'} results differ from the other runs in the attention as well as the cell, so they do not isolate LSTM vs GRU.`,
      'caution',
    ),
  ];
}

function metricsTable(runs: readonly LoadedRun[]): Block {
  return table(
    [
      'run',
      'cell',
      { header: 'hidden', format: { kind: 'integer' } },
      { header: 'parameters', format: { kind: 'integer' } },
      { header: 'loss', format: { kind: 'fixed', decimals: 3 }, best: 'min' },
      { header: 'perplexity', format: { kind: 'fixed', decimals: 2 }, best: 'min' },
      { header: 'token accuracy greedy', format: PERCENT, best: 'max' },
      { header: 'exact greedy', format: PERCENT, best: 'max' },
      { header: 'BLEU greedy', format: { kind: 'fixed', decimals: 1 }, best: 'max' },
      { header: 'token error greedy', format: PERCENT, best: 'min' },
    ],
    runs.map((run): TableCell[] => {
      const head: TableCell[] = [rowLabel(run), cellName(run), run.config.model.hiddenDim, run.summary.parameters];
      const e = seq2seqOf(run);
      if (e) {
        const g = e.decodings.greedy;
        return [...head, e.loss, e.perplexity, g.tokenAccuracy, g.exactMatch, g.bleu.score, g.tokenErrorRate];
      }
      const s = streamOf(run);
      return [...head, s?.loss ?? null, s?.perplexity ?? null, s?.accuracy ?? null, null, null, null];
    }),
    `LSTM and GRU on the ${splitsOf(runs)} split; greedy decoding (p=0).`,
  );
}

function metricConclusions(runs: readonly LoadedRun[]): string[] {
  const scored = runs.filter((r) => seq2seqOf(r));
  if (scored.length === 0) return [];
  // Compare cells among runs without attention when both cells have one; otherwise among all (with the caveat note).
  const plain = scored.filter((r) => (attentionName(r) ?? 'none') === 'none');
  const pool = new Set(plain.map(cellName)).size > 1 ? plain : scored;
  const byCell = new Map<string, LoadedRun[]>();
  for (const run of pool) byCell.set(cellName(run), [...(byCell.get(cellName(run)) ?? []), run]);
  const out: string[] = [];
  const exact = (r: LoadedRun) => seq2seqOf(r)!.decodings.greedy.exactMatch;
  const describe = (r: LoadedRun) =>
    `${labelWith(r.label, cellName(r))}: exact match ${pct(exact(r))}, BLEU ${bleu(seq2seqOf(r)!.decodings.greedy.bleu.score)}, loss ${fixed(seq2seqOf(r)!.loss)}`;
  out.push(`Greedy results: ${scored.map(describe).join('; ')}.`);
  const lstm = best(byCell.get('LSTM') ?? [], exact, 'max');
  const gru = best(byCell.get('GRU') ?? [], exact, 'max');
  if (lstm && gru) {
    const diff = lstm.value - gru.value;
    const leader = diff === 0 ? undefined : diff > 0 ? lstm : gru;
    out.push(
      leader
        ? `The best ${cellName(leader.item)} (${leader.item.label}) leads the best ${leader === lstm ? 'GRU' : 'LSTM'} by ${fixed(Math.abs(diff) * 100, 1)} pp of exact match (${pct(lstm.value)} LSTM vs ${pct(gru.value)} GRU) on this budget.`
        : `The best LSTM and the best GRU tie at ${pct(lstm.value)} exact match.`,
    );
    const lstmParams = lstm.item.summary.parameters;
    const gruParams = gru.item.summary.parameters;
    if (lstmParams !== gruParams) {
      out.push(`They differ in size: ${lstm.item.label} has ${int(lstmParams)} parameters, ${gru.item.label} ${int(gruParams)}.`);
    }
  } else {
    const cells = [...byCell.keys()];
    out.push(`Only ${joinList(cells)} runs have results in this group, so LSTM and GRU cannot be compared here.`);
  }
  return out;
}

/**
 * How much of the gradient reaches the first encoder step, relative to the largest norm of the sequence: the
 * vanishing-gradient question in one number per run.
 */
function flowConclusions(runs: readonly LoadedRun[]): string[] {
  const out: string[] = [];
  for (const run of runs) {
    const flow = finalFlow(run);
    if (!flow || !isSeq2SeqFlow(flow) || flow.encoder.length === 0) continue;
    const all = flowNorms(flow);
    const peak = Math.max(...all);
    const first = flow.encoder[0]!;
    const ratio = times(peak, first);
    out.push(
      `${labelWith(run.label, cellName(run))}, after ${flow.step} steps: ‖∂L/∂h_0‖ at the first encoder step is ${norm(first)}, ` +
        (ratio ? `${ratio} smaller than the largest norm of the sequence (${norm(peak)}).` : `against a largest norm of ${norm(peak)}.`),
    );
  }
  return out;
}

function examplesTable(runs: readonly LoadedRun[]): Block | undefined {
  const rows = runs.flatMap((run) => run.samples.slice(0, 3).map((s) => [run.label, s.source, s.gold, s.greedy, s.beam]));
  if (rows.length === 0) return undefined;
  return table(['run', 'source', 'gold', 'greedy', 'beam'], rows, 'A few decoded examples of each run (from samples.json).');
}
