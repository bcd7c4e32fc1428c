import { Effect, Exit, Layer } from 'effect';
import * as NodeFileSystem from '@effect/platform-node/NodeFileSystem';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stableStringify } from '@bptt/data';
import type { History, Seq2SeqGradientFlow, StreamGradientFlow } from '@bptt/train';
import { tensorBackendLayer } from '../src/framework/backend.ts';
import { InputError } from '../src/framework/errors.ts';
import { lineProgress, Progress } from '../src/framework/progress.ts';
import { runStage } from '../src/framework/stage.ts';
import { reportStage } from '../src/stages/report/index.ts';
import type {
  AttentionSample,
  DecodedSample,
  DecodingMetrics,
  EvaluationResult,
  Seq2SeqEvaluation,
  StreamEvaluation,
  TrainSummary,
  TrainTiming,
} from '../src/stages/shared/run-files.ts';

const EXPERIMENTS = 'packages/pipelines/experiments';
const SIGNATURE = 'nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.4.2';

// ---------------------------------------------------------------------------------------------------------------
// A fake workspace: declarations as an engineer writes them, run outputs shaped exactly as run-files.ts says.

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function temporaryRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'bptt-report-'));
  roots.push(root);
  return root;
}

function write(root: string, path: string, content: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

function pipelineFile(pipeline: string): string {
  return `${EXPERIMENTS}/${pipeline}/pipeline.ts`;
}

function declareRun(root: string, pipeline: string, name: string, dataset: string, body: string): void {
  write(
    root,
    `${EXPERIMENTS}/${pipeline}/runs/${name}/run.ts`,
    `import { defineRun } from '../../../../src/declare.ts';\nimport data from '../../datasets/${dataset}/dataset.ts';\n\nexport default defineRun({\n  dataset: data,\n${body}\n});\n`,
  );
}

interface RunOutputs {
  readonly summary: TrainSummary;
  readonly history: History;
  readonly diagnostics?: readonly (Seq2SeqGradientFlow | StreamGradientFlow)[];
  readonly timing: TrainTiming;
  readonly metrics: EvaluationResult;
  readonly samples?: readonly DecodedSample[];
  readonly attention?: readonly AttentionSample[];
}

function writeOutputs(root: string, pipeline: string, name: string, outputs: RunOutputs): void {
  const train = `artifacts/${pipeline}/runs/${name}/train`;
  const evaluate = `artifacts/${pipeline}/runs/${name}/evaluate`;
  write(root, `${train}/summary.json`, stableStringify(outputs.summary));
  write(root, `${train}/history.json`, stableStringify(outputs.history));
  write(root, `${train}/timing.json`, stableStringify(outputs.timing));
  if (outputs.diagnostics) write(root, `${train}/diagnostics.json`, stableStringify(outputs.diagnostics));
  write(root, `${evaluate}/metrics.json`, stableStringify(outputs.metrics));
  if (outputs.samples) write(root, `${evaluate}/samples.json`, stableStringify(outputs.samples));
  if (outputs.attention) write(root, `${evaluate}/attention.json`, stableStringify(outputs.attention));
}

function decoding(d: Partial<Omit<DecodingMetrics, 'bleu'>> & Pick<DecodingMetrics, 'exactMatch' | 'tokenAccuracy'> & { bleu: number }): DecodingMetrics {
  return {
    cer: null,
    wer: null,
    tokenErrorRate: 1 - d.tokenAccuracy,
    meanEditDistance: 0,
    ...d,
    bleu: { score: d.bleu, signature: SIGNATURE, formatted: `BLEU = ${d.bleu.toFixed(2)} ...` },
  };
}

function history(losses: readonly number[], gradNorms: readonly number[], clipAt: number | null, ratio?: (step: number) => number): History {
  return {
    steps: losses.map((loss, step) => ({
      step,
      epoch: 0,
      loss,
      tokens: 100,
      learningRate: 0.001,
      ...(ratio ? { teacherForcingRatio: ratio(step) } : {}),
      gradNorm: gradNorms[step]!,
      clipped: clipAt !== null && gradNorms[step]! > clipAt,
    })),
    evaluations: [],
  };
}

function withEvaluations(h: History, evaluations: readonly { step: number; train: number; valid?: number }[]): History {
  return {
    steps: h.steps,
    evaluations: evaluations.map((e) => ({
      step: e.step,
      trainLoss: e.train,
      trainPerplexity: Math.exp(e.train),
      ...(e.valid === undefined ? {} : { validLoss: e.valid, validPerplexity: Math.exp(e.valid) }),
      learningRate: 0.001,
    })),
  };
}

function seq2seqMetrics(
  run: string,
  loss: number,
  decodings: Seq2SeqEvaluation['decodings'],
  exposureBias: Seq2SeqEvaluation['exposureBias'],
): Seq2SeqEvaluation {
  return { kind: 'seq2seq', run, backend: 'cpu', split: 'test', examples: 20, loss, perplexity: Math.exp(loss), decodings, beam: { width: 3, lengthPenalty: 0.6 }, exposureBias };
}

const given = (count: number, errors: number) => ({ count, errors, errorRate: count === 0 ? null : errors / count });

/** A G2P pipeline of three runs: an LSTM, a GRU with attention and scheduled sampling, and an LSTM that diverged. */
function g2pWorkspace(): string {
  const root = temporaryRoot();
  write(
    root,
    pipelineFile('demo'),
    `import { definePipeline } from '../../src/declare.ts';\n\nexport default definePipeline({\n  title: 'Demo G2P',\n  description: 'Two tiny ' + 'grapheme-to-phoneme models and one that explodes.',\n  expectedDuration: 'a minute',\n});\n`,
  );
  write(
    root,
    `${EXPERIMENTS}/demo/datasets/cmudict/dataset.ts`,
    `import { defineDataset } from '../../../../src/declare.ts';\n\nexport default defineDataset({\n  synthesize: { task: 'cmudict', seed: 1, sizes: { train: 3000, valid: 200, test: 200 } },\n  tokenize: { minFrequency: 1 },\n});\n`,
  );
  declareRun(
    root,
    'demo',
    'lstm',
    'cmudict',
    `  groups: ['basic', 'attention', 'teacher-forcing', 'exposure-bias', 'clipping', 'g2p'],\n  model: { cell: 'lstm', hiddenDim: 32 },\n  train: { seed: 1, clip: { mode: 'norm', max: 1 } },`,
  );
  declareRun(
    root,
    'demo',
    'gru-attn',
    'cmudict',
    `  label: 'GRU+dot',\n  groups: ['basic', 'attention', 'teacher-forcing', 'exposure-bias', 'g2p'],\n  model: { cell: 'gru', hiddenDim: 32, attention: 'dot' },\n  train: { seed: 2, teacherForcing: { type: 'inverseSigmoid', k: 10 } },\n  evaluate: { attentionExamples: 1 },`,
  );
  declareRun(
    root,
    'demo',
    'noclip',
    'cmudict',
    `  groups: ['clipping'],\n  onDivergence: 'record',\n  model: { cell: 'lstm', hiddenDim: 32 },\n  train: { seed: 1, clip: { mode: 'none' } },`,
  );

  writeOutputs(root, 'demo', 'lstm', {
    summary: { run: 'lstm', kind: 'seq2seq', backend: 'cpu', seed: 1, parameters: 12345, steps: 4, stoppedEarly: false, bestStep: 4, bestValidLoss: 0.9 },
    history: withEvaluations(history([2.0, 1.6, 1.3, 1.1], [0.5, 2.5, 1.2, 0.8], 1, () => 1), [
      { step: 2, train: 1.8, valid: 1.5 },
      { step: 4, train: 1.2, valid: 0.9 },
    ]),
    diagnostics: [
      { step: 0, loss: 2.1, encoder: [0.001, 0.01, 0.1], decoder: [0.2, 0.3] },
      { step: 4, loss: 1.0, encoder: [0.004, 0.02, 0.2], decoder: [0.5, 0.4] },
    ],
    timing: { backend: { name: 'cpu' }, wallSeconds: 12.5, tokensPerSecond: 3200 },
    metrics: seq2seqMetrics(
      'lstm',
      0.95,
      {
        teacherForced: decoding({ exactMatch: 0.6, tokenAccuracy: 0.9, bleu: 80.5, tokenErrorRate: 0.1, meanEditDistance: 0.4 }),
        greedy: decoding({ exactMatch: 0.35, tokenAccuracy: 0.7, bleu: 55.2, cer: 0.15, wer: 0.65, tokenErrorRate: 0.3, meanEditDistance: 1.2 }),
        beam: decoding({ exactMatch: 0.4, tokenAccuracy: 0.72, bleu: 58.0, tokenErrorRate: 0.27, meanEditDistance: 1.1 }),
      },
      {
        perPosition: [
          { position: 0, count: 20, teacherForcedErrorRate: 0.05, freeRunningErrorRate: 0.05 },
          { position: 1, count: 20, teacherForcedErrorRate: 0.08, freeRunningErrorRate: 0.2 },
          { position: 2, count: 18, teacherForcedErrorRate: 0.1, freeRunningErrorRate: 0.35 },
          { position: 3, count: 8, teacherForcedErrorRate: 0.125, freeRunningErrorRate: 0.5 },
        ],
        firstError: {
          teacherForced: { histogram: [1, 3, 2, 2], noError: 12, sequences: 20 },
          freeRunning: { histogram: [1, 5, 4, 3], noError: 7, sequences: 20 },
        },
        errorAccumulation: {
          perPosition: [
            { position: 0, cleanPrefix: given(20, 1), afterError: given(0, 0) },
            { position: 1, cleanPrefix: given(19, 2), afterError: given(1, 1) },
            { position: 2, cleanPrefix: given(11, 1), afterError: given(7, 4) },
            { position: 3, cleanPrefix: given(0, 0), afterError: given(8, 4) },
          ],
          overall: { cleanPrefix: given(50, 5), afterError: given(16, 9) },
        },
      },
    ),
    samples: [
      { source: 'cat', gold: 'K AE T', greedy: 'K AE T', beam: 'K AE T' },
      { source: 'phone', gold: 'F OW N', greedy: 'P HH OW N', beam: 'F OW N' },
    ],
  });

  writeOutputs(root, 'demo', 'gru-attn', {
    // Trained on native TensorFlow: the report names its threads per kernel, which can change results, and how many
    // steps ran as compiled graphs.
    summary: { run: 'gru-attn', kind: 'seq2seq', backend: 'tensorflow', intraOpThreads: 1, nativeGraph: { policy: 'auto', graphSteps: 2, eagerSteps: 2 }, seed: 2, parameters: 15000, steps: 4, stoppedEarly: false, bestStep: 4, bestValidLoss: 0.7 },
    history: withEvaluations(
      history([1.9, 1.4, 1.0, 0.8], [0.6, 0.9, 0.7, 0.5], null, (step) => 10 / (10 + Math.exp(step / 10))),
      [
        { step: 2, train: 1.65, valid: 1.2 },
        { step: 4, train: 0.9, valid: 0.7 },
      ],
    ),
    diagnostics: [
      { step: 0, loss: 2.0, encoder: [0.01, 0.05, 0.1], decoder: [0.2, 0.25] },
      { step: 4, loss: 0.8, encoder: [0.05, 0.1, 0.2], decoder: [0.3, 0.3] },
    ],
    timing: { backend: { name: 'cpu' }, wallSeconds: 15, tokensPerSecond: 2800.4 },
    metrics: seq2seqMetrics(
      'gru-attn',
      0.72,
      {
        teacherForced: decoding({ exactMatch: 0.7, tokenAccuracy: 0.93, bleu: 85.0, meanEditDistance: 0.3 }),
        greedy: decoding({ exactMatch: 0.55, tokenAccuracy: 0.85, bleu: 70.1, cer: 0.08, wer: 0.45, tokenErrorRate: 0.15, meanEditDistance: 0.6 }),
        beam: decoding({ exactMatch: 0.6, tokenAccuracy: 0.86, bleu: 69.5, tokenErrorRate: 0.14, meanEditDistance: 0.55 }),
      },
      {
        perPosition: [
          { position: 0, count: 20, teacherForcedErrorRate: 0.05, freeRunningErrorRate: 0.05 },
          { position: 1, count: 20, teacherForcedErrorRate: 0.05, freeRunningErrorRate: 0.1 },
          { position: 2, count: 16, teacherForcedErrorRate: 0.0625, freeRunningErrorRate: 0.125 },
        ],
        firstError: {
          teacherForced: { histogram: [1, 1, 1], noError: 17, sequences: 20 },
          freeRunning: { histogram: [1, 2, 1], noError: 16, sequences: 20 },
        },
        errorAccumulation: {
          perPosition: [
            { position: 0, cleanPrefix: given(20, 1), afterError: given(0, 0) },
            { position: 1, cleanPrefix: given(19, 2), afterError: given(1, 0) },
            { position: 2, cleanPrefix: given(14, 1), afterError: given(2, 1) },
          ],
          overall: { cleanPrefix: given(53, 4), afterError: given(3, 1) },
        },
      },
    ),
    samples: [{ source: 'cat', gold: 'K AE T', greedy: 'K AE T', beam: 'K AE T' }],
    attention: [
      {
        source: ['c', 'a', 't', '</s>'],
        output: ['K', 'AE', 'T', '</s>'],
        weights: [
          [0.9, 0.05, 0.03, 0.02],
          [0.1, 0.8, 0.05, 0.05],
          [0.05, 0.05, 0.85, 0.05],
          [0.0, 0.1, 0.1, 0.8],
        ],
      },
    ],
  });

  writeOutputs(root, 'demo', 'noclip', {
    summary: { run: 'noclip', kind: 'seq2seq', backend: 'cpu', seed: 1, parameters: 12345, steps: 3, diverged: { step: 3, value: 'NaN' } },
    history: history([2.0, 3.5, 40.0], [5, 80, 4000], null, () => 1),
    timing: { backend: { name: 'cpu' }, wallSeconds: 3, tokensPerSecond: null },
    metrics: { kind: 'diverged', run: 'noclip', diverged: { step: 3, value: 'NaN' } },
  });
  return root;
}

/** A stream pipeline: delayed recall with delay 4, truncated BPTT with k2 = 2 and k2 = 8, one with dropout. */
function streamWorkspace(): string {
  const root = temporaryRoot();
  write(
    root,
    pipelineFile('recall'),
    `import { definePipeline } from '../../src/declare.ts';\n\nexport default definePipeline({ title: 'Recall', description: 'Delayed recall under truncated BPTT.' });\n`,
  );
  write(
    root,
    `${EXPERIMENTS}/recall/datasets/delay4/dataset.ts`,
    `import { defineDataset } from '../../../../src/declare.ts';\n\nexport default defineDataset({\n  synthesize: { task: 'delayed-recall', seed: 1, sizes: { train: 2000, valid: 200, test: 200 }, alphabetSize: 8, delay: 4 },\n  tokenize: {},\n});\n`,
  );
  const groups = `groups: ['truncation', 'dropout', 'lm'],`;
  declareRun(root, 'recall', 'k2', 'delay4', `  groups: ['truncation', 'dropout', 'lm', 'speed'],\n  model: { cell: 'lstm', hiddenDim: 16 },\n  train: { seed: 3, bptt: { mode: 'truncated', k2: 2 } },`);
  declareRun(
    root,
    'recall',
    'k8',
    'delay4',
    `  ${groups}\n  model: { cell: 'lstm', hiddenDim: 16, dropout: { variational: 0.25 } },\n  train: { seed: 3, bptt: { mode: 'truncated', k2: 8 } },`,
  );
  const stream = (run: string, loss: number, accuracy: number): StreamEvaluation => ({
    kind: 'stream',
    run,
    backend: 'wasm',
    split: 'test',
    tokens: 200,
    loss,
    perplexity: Math.exp(loss),
    accuracy,
  });
  writeOutputs(root, 'recall', 'k2', {
    summary: { run: 'k2', kind: 'stream', backend: 'wasm', seed: 3, parameters: 2000, steps: 2, stoppedEarly: false, bestStep: 2, bestValidLoss: 2.07 },
    history: withEvaluations(history([2.1, 2.08], [0.3, 0.2], 1), [{ step: 2, train: 2.05, valid: 2.07 }]),
    diagnostics: [{ step: 2, loss: 2.0, hidden: [0, 0, 0, 0, 0, 0, 0.02, 0.3] }],
    timing: { backend: 'wasm', wallSeconds: 1.5, tokensPerSecond: 900 },
    metrics: stream('k2', 2.08, 0.131),
  });
  writeOutputs(root, 'recall', 'k8', {
    summary: { run: 'k8', kind: 'stream', backend: 'wasm', seed: 3, parameters: 2000, steps: 2, stoppedEarly: false, bestStep: 2, bestValidLoss: 0.1 },
    history: withEvaluations(history([1.2, 0.2], [0.9, 0.4], 1), [{ step: 2, train: 0.3, valid: 0.1 }]),
    diagnostics: [{ step: 2, loss: 0.1, hidden: [0.001, 0.002, 0.004, 0.01, 0.02, 0.05, 0.1, 0.3] }],
    timing: { backend: 'wasm', wallSeconds: 2, tokensPerSecond: 850 },
    metrics: stream('k8', 0.12, 0.97),
  });
  return root;
}

// ---------------------------------------------------------------------------------------------------------------

const layers = Layer.mergeAll(NodeFileSystem.layer, Layer.succeed(Progress, lineProgress(() => {})), tensorBackendLayer('cpu'));

const runReport = (root: string, pipeline: string) =>
  Effect.runPromiseExit(runStage(reportStage, { workspaceRoot: root, file: pipelineFile(pipeline) }).pipe(Effect.provide(layers)));

function errorOf(exit: Exit.Exit<unknown, unknown>): unknown {
  if (Exit.isSuccess(exit)) return undefined;
  return (exit.cause as unknown as { reasons: { error: unknown }[] }).reasons[0]?.error;
}

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out[relative(dir, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** The `index`-th Markdown table row (in document order) whose first cell is `label`, as its cells. */
function rowOf(section: string, label: string, index = 0): string[] {
  const line = section.split('\n').filter((l) => l.startsWith(`| ${label} |`))[index];
  if (!line) throw new Error(`no row ${index} "${label}" in:\n${section}`);
  return line.slice(2, -2).split(' | ');
}

/** The Markdown between `## title` and the next `## `. */
function sectionOf(readme: string, title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`no section "${title}"`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe('report stage', () => {
  it('writes the report files with the numbers of every run, a diverged run included', async () => {
    const root = g2pWorkspace();
    const exit = await runReport(root, 'demo');
    expect(errorOf(exit)).toBeUndefined();
    const out = join(root, 'informes/demo');
    const files = readTree(out);
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining([
        'README.md',
        'index.html',
        'charts/overview-loss-seq2seq.svg',
        'charts/overview-loss-seq2seq.vl.json',
        'charts/basic-gradient-flow.svg',
        'charts/attention-exact-match.svg',
        'charts/attention-gru-attn-1.svg',
        'charts/teacher-forcing-token-accuracy.svg',
        'charts/exposure-bias-position-error.svg',
        'charts/exposure-bias-first-error.svg',
        'charts/exposure-bias-accumulation.svg',
        'charts/clipping-loss.svg',
        'charts/clipping-grad-norm.svg',
      ]),
    );
    const readme = files['README.md']!;

    // Title, intro (a string concatenation in the declaration) and meta.
    expect(readme.startsWith('# Demo G2P\n\nTwo tiny grapheme-to-phoneme models and one that explodes.\n')).toBe(true);
    expect(readme).toContain('- **Runs:** 3 (3 seq2seq, 0 stream)');
    expect(readme).toContain('- **Backend:** tensorflow, 1 thread per kernel (1 run), cpu (2 runs)');
    expect(readme).toContain('- **Seeds:** 1, 2');
    expect(readme).toContain('- **Total train time:** 30.5 s');
    expect(readme).toContain('- **Expected duration:** a minute');
    // The BLEU signature is stated once, for the whole report.
    expect(readme.split(SIGNATURE).length - 1).toBe(1);

    // Sections appear in the fixed order, only for groups some run has.
    const titles = readme.split('\n').filter((l) => l.startsWith('## ') && l !== '## Contents');
    expect(titles).toEqual([
      '## Overview',
      '## Question 1: seq2seq without attention, LSTM vs GRU',
      '## Attention vs no attention',
      '## Question 2: teacher forcing and scheduled sampling',
      '## Question 5: exposure bias',
      '## Question 3b: gradient clipping',
      '## Grapheme-to-phoneme conversion (CMUdict)',
    ]);

    const overview = sectionOf(readme, 'Overview');
    // label, groups, cell, attention, hidden, parameters, steps, seed, backend, train time, tokens/s
    expect(rowOf(overview, 'GRU+dot')).toEqual(['GRU+dot', 'basic, attention, teacher-forcing, exposure-bias, g2p', 'GRU', 'dot', '32', '15,000', '4', '2', 'tensorflow, 1 thread per kernel, 2 of 4 steps as graphs', '15.0 s', '2,800']);
    expect(rowOf(overview, 'noclip')).toEqual(['noclip', 'clipping', 'LSTM', 'none', '32', '12,345', '3', '1', 'cpu', '3.00 s', '—']);
    // loss, perplexity, exact p=1/greedy/beam, BLEU p=1/greedy/beam, CER, WER, token error (greedy); best in bold.
    expect(rowOf(overview, 'lstm', 1)).toEqual(['lstm', '0.950', '2.59', '60.0%', '35.0%', '40.0%', '80.5', '55.2', '58.0', '15.0%', '65.0%', '30.0%']);
    const gruMetrics = overview.split('\n').filter((l) => l.startsWith('| GRU+dot |'))[1];
    expect(gruMetrics).toBe('| GRU+dot | **0.720** | **2.05** | **70.0%** | **55.0%** | **60.0%** | **85.0** | **70.1** | **69.5** | **8.0%** | **45.0%** | **15.0%** |');
    expect(rowOf(overview, 'noclip (diverged at step 3)')).toEqual(['noclip (diverged at step 3)', ...Array(11).fill('—')]);
    expect(overview).toContain('Best greedy exact match: 55.0% (GRU+dot); best greedy BLEU: 70.1 (GRU+dot), over 2 seq2seq runs with a model.');
    expect(overview).toContain('Beam search scored a higher BLEU than greedy decoding in 1 of 2 runs; the largest change was +2.8 BLEU (lstm).');
    expect(overview).toContain('1 of 3 runs diverged: noclip at step 3.');

    const basic = sectionOf(readme, 'Question 1: seq2seq without attention, LSTM vs GRU');
    expect(basic).toContain('The best GRU (GRU+dot) leads the best LSTM by 20.0 pp of exact match (35.0% LSTM vs 55.0% GRU) on this budget.');
    // ‖∂L/∂h_0‖ after training: 0.004 for the LSTM, against its largest norm 0.5 (125×).
    expect(basic).toContain('lstm, after 4 steps: ‖∂L/∂h_0‖ at the first encoder step is 0.00400, 125× smaller than the largest norm of the sequence (0.500).');
    expect(basic).toContain('| lstm | phone | F OW N | P HH OW N | F OW N |');
    expect(basic).toContain('> [!CAUTION]\n> GRU+dot uses dot attention: its results differ from the other runs in the attention as well as the cell');

    const attention = sectionOf(readme, 'Attention vs no attention');
    expect(attention).toContain(
      'Attention helps here: the best run with attention, GRU+dot, reaches greedy BLEU 70.1 and exact match 55.0%; the best without, lstm, 55.2 and 35.0% (+14.9 BLEU).',
    );
    // Mean of each row's largest weight: (0.9 + 0.8 + 0.85 + 0.8) / 4 = 0.8375.
    expect(attention).toContain("The mean of each output step's largest weight is 0.84 (1 = every step attends to a single source token; 0.25 = uniform over the 4 source tokens).");

    const tf = sectionOf(readme, 'Question 2: teacher forcing and scheduled sampling');
    // run, training p, final p, token acc p=1, p=0, gap, exact p=1, p=0, BLEU p=1, p=0, BLEU gap
    expect(rowOf(tf, 'lstm')).toEqual(['lstm', 'p=1', '1.00', '90.0%', '70.0%', '20.0', '60.0%', '35.0%', '80.5', '55.2', '25.3']);
    // The inverse-sigmoid ratio at the last step (3): 10 / (10 + e^0.3) = 0.881.
    expect(rowOf(tf, 'GRU+dot').slice(0, 3)).toEqual(['GRU+dot', 'scheduled: inverse sigmoid, k=10', '0.88']);
    expect(tf).toContain('The smallest p=1 − p=0 gap is +8.0 pp (GRU+dot, scheduled: inverse sigmoid, k=10), the largest +20.0 pp (lstm, p=1).');

    const exposure = sectionOf(readme, 'Question 5: exposure bias');
    // Compounding is claimed only past a two-proportion z of 1.96: z = 3.94 for 9/16 vs 5/50, 1.52 for 1/3 vs 4/53.
    expect(exposure).toContain(
      'lstm: after an earlier error the p=0 token error rate is 56.3% (9/16 tokens) against 10.0% (5/50) with a correct prefix, 5.6× higher: errors compound (two-proportion z = 3.94, above 1.96).',
    );
    expect(exposure).toContain(
      'GRU+dot: after an earlier error the p=0 token error rate is 33.3% (1/3 tokens) against 7.5% (4/53) with a correct prefix, 4.4× higher, but not significantly (two-proportion z = 1.52, below 1.96): these counts do not show that errors compound.',
    );
    expect(exposure).toContain('lstm: 35.0% of sequences have no wrong token with p=0, 60.0% with p=1; the most frequent first-error position with p=0 is 1 (25.0% of sequences).');
    expect(exposure).toContain('lstm: per-position token error goes from 5.0% (p=1) and 5.0% (p=0) at position 0 to 10.0% (p=1) and 35.0% (p=0) at position 2 (the last position 18 of 20 sequences reach).');
    expect(exposure).toContain('lstm, from p=1 to p=0: token accuracy 90.0% → 70.0% (−20.0 pp), BLEU 80.5 → 55.2 (−25.3), edits per sequence 0.40 → 1.20 (+0.80).');

    const clipping = sectionOf(readme, 'Question 3b: gradient clipping');
    // run, clip, steps, clipped, max norm, at step, median norm, final train loss, final valid loss, diverged
    expect(rowOf(clipping, 'lstm')).toEqual(['lstm', 'norm ≤ 1', '4', '50.0%', '2.50', '1', '1.00', '**1.200**', '**0.900**', 'no']);
    expect(rowOf(clipping, 'noclip')).toEqual(['noclip', 'none', '3', '0.0%', '4000', '2', '80.0', '—', '—', 'step 3 (NaN)']);
    expect(clipping).toContain('noclip (no clipping): its largest pre-clip gradient norm was 4000 at step 2 (50× its median, 80.0).');
    expect(clipping).toContain('lstm (norm ≤ 1) clipped 50.0% of its 4 steps; its largest pre-clip gradient norm was 2.50 at step 1 (2.5× its median, 1.00).');
    expect(clipping).toContain('noclip (no clipping) diverged at step 3 (value NaN).');
    expect(clipping).not.toContain('No run diverged');

    const g2p = sectionOf(readme, 'Grapheme-to-phoneme conversion (CMUdict)');
    // PER = greedy token error rate, WER = 1 − exact match.
    expect(rowOf(g2p, 'lstm').slice(4)).toEqual(['30.00%', '65.00%', '27.00%', '60.00%']);
    expect(rowOf(g2p, 'encoder-decoder LSTM')).toEqual(['encoder-decoder LSTM', '7.63%', '28.61%']);
    expect(rowOf(g2p, 'bi-directional LSTM, alignment-based')).toEqual(['bi-directional LSTM, alignment-based', '5.45%', '23.55%']);
    expect(g2p).toContain('Sequence-to-Sequence Neural Net Models for Grapheme-to-Phoneme Conversion');
    expect(g2p).toContain("Our best PER is 14.00% (GRU+dot) and our best WER 40.00% (GRU+dot), against 7.63% / 28.61% for Yao & Zweig's encoder-decoder LSTM (1.83× and 1.40× theirs).");
    expect(g2p).toContain('not comparable as equals');
    expect(g2p).toContain('Ours: cmudict: train 3,000, valid 200 and test 200 words; 20 words scored; 12,345 to 15,000 parameters; 12.5 s to 15.0 s of training on tensorflow, 1 thread per kernel and cpu.');

    // Diverged runs are named where they appear and never silently dropped.
    expect(readme).toContain('noclip diverged at step 3 (value NaN)');
    // Nothing time-dependent: no dates anywhere.
    for (const [name, content] of Object.entries(files)) expect(content, name).not.toMatch(/\b20\d\d-\d\d-\d\d\b/);
    expect(files['index.html']).toContain('Demo G2P');
  });

  it('renders byte-identical files from the same inputs', async () => {
    const root = g2pWorkspace();
    expect(Exit.isSuccess(await runReport(root, 'demo'))).toBe(true);
    const first = readTree(join(root, 'informes/demo'));
    expect(Exit.isSuccess(await runReport(root, 'demo'))).toBe(true);
    const second = readTree(join(root, 'informes/demo'));
    expect(Object.keys(second).sort()).toEqual(Object.keys(first).sort());
    for (const name of Object.keys(first)) expect(second[name], name).toBe(first[name]);
    // The same inputs in another folder give the same bytes too (no absolute paths in the output).
    const elsewhere = g2pWorkspace();
    expect(Exit.isSuccess(await runReport(elsewhere, 'demo'))).toBe(true);
    expect(readTree(join(elsewhere, 'informes/demo'))).toEqual(first);
  });

  it('fails with an InputError naming a missing file, and leaves no report', async () => {
    const root = g2pWorkspace();
    rmSync(join(root, 'artifacts/demo/runs/gru-attn/evaluate/samples.json'));
    const exit = await runReport(root, 'demo');
    const error = errorOf(exit);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).path).toBe('artifacts/demo/runs/gru-attn/evaluate/samples.json');
    expect((error as InputError).message).toContain('missing; run `npx nx run demo-run-gru-attn:evaluate` first');
    expect(existsSync(join(root, 'informes/demo'))).toBe(false);

    const other = g2pWorkspace();
    rmSync(join(other, 'artifacts/demo/runs/lstm/train/diagnostics.json'));
    expect((errorOf(await runReport(other, 'demo')) as InputError).path).toBe('artifacts/demo/runs/lstm/train/diagnostics.json');
  });

  it('fails with an InputError naming a malformed file and the field', async () => {
    const root = g2pWorkspace();
    const file = 'artifacts/demo/runs/lstm/train/history.json';
    const broken = JSON.parse(readFileSync(join(root, file), 'utf8')) as { steps: { gradNorm: unknown }[] };
    broken.steps[1]!.gradNorm = 'big';
    writeFileSync(join(root, file), JSON.stringify(broken));
    const error = errorOf(await runReport(root, 'demo')) as InputError;
    expect(error).toBeInstanceOf(InputError);
    expect(error.path).toBe(file);
    expect(error.reason).toContain('steps.1.gradNorm');

    writeFileSync(join(root, file), '{ not json');
    expect((errorOf(await runReport(root, 'demo')) as InputError).reason).toContain('is not valid JSON');
  });

  it('refuses a diverged summary whose evaluation is not marked diverged', async () => {
    const root = g2pWorkspace();
    write(root, 'artifacts/demo/runs/noclip/evaluate/metrics.json', stableStringify({ kind: 'stream', run: 'noclip', backend: 'cpu', split: 'test', tokens: 1, loss: 1, perplexity: 2.7, accuracy: 0.5 }));
    const error = errorOf(await runReport(root, 'demo')) as InputError;
    expect(error.path).toBe('artifacts/demo/runs/noclip/evaluate/metrics.json');
    expect(error.reason).toContain('diverged at step 3');
  });

  it('reports a diverged run as diverged in every section it belongs to', async () => {
    const root = g2pWorkspace();
    const all = ['basic', 'attention', 'teacher-forcing', 'exposure-bias', 'truncation', 'clipping', 'dropout', 'g2p', 'lm'];
    declareRun(
      root,
      'demo',
      'noclip',
      'cmudict',
      `  groups: ${JSON.stringify(all)},\n  onDivergence: 'record',\n  model: { cell: 'lstm', hiddenDim: 32 },\n  train: { seed: 1, clip: { mode: 'none' } },`,
    );
    expect(errorOf(await runReport(root, 'demo'))).toBeUndefined();
    const readme = readFileSync(join(root, 'informes/demo/README.md'), 'utf8');
    const sections = readme.split('\n## ').slice(2);
    expect(sections).toHaveLength(all.length + 1);
    for (const section of sections) expect(section, section.split('\n')[0]).toMatch(/noclip \(diverged at step 3\)|noclip diverged at step 3|\| noclip \|.*\| step 3 \(NaN\) \|/);
  });

  it('names every run that ties for the best value instead of crowning one', async () => {
    const root = g2pWorkspace();
    const file = join(root, 'artifacts/demo/runs/gru-attn/evaluate/metrics.json');
    const metrics = JSON.parse(readFileSync(file, 'utf8')) as Seq2SeqEvaluation;
    const tied = { ...metrics, decodings: { ...metrics.decodings, greedy: { ...metrics.decodings.greedy, exactMatch: 0.35 } } };
    writeFileSync(file, stableStringify(tied));
    expect(errorOf(await runReport(root, 'demo'))).toBeUndefined();
    const readme = readFileSync(join(root, 'informes/demo/README.md'), 'utf8');
    expect(readme).toContain('Best greedy exact match: 35.0% (GRU+dot and lstm, tied); best greedy BLEU: 70.1 (GRU+dot)');
    expect(readme).toContain('What matters at test time is p=0: the best free-running exact match is 35.0% (GRU+dot and lstm, tied).');
  });

  it('keeps gradient spikes when a long run is summarised in buckets of steps', async () => {
    const root = g2pWorkspace();
    const norms = Array.from({ length: 1300 }, (_, i) => (i === 777 ? 50 : 0.5 + (i % 7) / 10));
    const losses = Array.from({ length: 1300 }, (_, i) => 2 / (1 + i / 100));
    const long = withEvaluations(history(losses, norms, 1), [{ step: 1300, train: 0.2, valid: 0.3 }]);
    write(root, 'artifacts/demo/runs/lstm/train/history.json', stableStringify(long));
    expect(errorOf(await runReport(root, 'demo'))).toBeUndefined();
    const files = readTree(join(root, 'informes/demo'));
    const clipping = sectionOf(files['README.md']!, 'Question 3b: gradient clipping');
    // 1,300 steps, clipped when the norm exceeds 1: 0.5 + (i % 7) / 10 > 1 for i % 7 = 6, plus the spike.
    const clippedSteps = norms.filter((n) => n > 1).length;
    expect(rowOf(clipping, 'lstm').slice(0, 6)).toEqual(['lstm', 'norm ≤ 1', '1,300', `${((clippedSteps / 1300) * 100).toFixed(1)}%`, '50.0', '777']);
    expect(clipping).toContain('Each point summarises up to 3 consecutive steps (token-weighted mean loss; largest norm).');
    const spec = JSON.parse(files['charts/clipping-grad-norm.vl.json']!) as { layer: { data: { values: { series: string; t: number; norm: number }[] } }[] };
    const lstm = spec.layer[0]!.data.values.filter((v) => v.series === 'lstm');
    expect(lstm.length).toBe(434);
    expect(Math.max(...lstm.map((v) => v.norm))).toBe(50);
  });

  it('reports truncated BPTT against the task delay, dropout and perplexity for stream runs', async () => {
    const root = streamWorkspace();
    const exit = await runReport(root, 'recall');
    expect(errorOf(exit)).toBeUndefined();
    const files = readTree(join(root, 'informes/recall'));
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(['charts/truncation-sweep.svg', 'charts/truncation-gradient-flow.svg', 'charts/dropout-gap.svg', 'charts/lm-perplexity.svg', 'charts/overview-loss-stream.svg']),
    );
    const readme = files['README.md']!;
    expect(readme).not.toContain('BLEU signature');
    const overview = sectionOf(readme, 'Overview');
    expect(rowOf(overview, 'k8').slice(0, 4)).toEqual(['k8', 'truncation, dropout, lm', 'LSTM', '—']);
    expect(overview.split('\n').filter((l) => l.startsWith('| k8 |'))[1]).toBe('| k8 | **0.120** | **1.13** | **97.0%** |');
    expect(overview).toContain('Lowest stream perplexity: 1.13 (k8, next-token accuracy 97.0%).');
    expect(overview).toContain('No run diverged (2 runs).');
    expect(overview).toContain('1 group without a report section: `speed`. Their runs appear in the tables above only.');

    const truncation = sectionOf(readme, 'Question 3a: truncated BPTT');
    expect(rowOf(truncation, 'k2')).toEqual(['k2', 'delay4', 'LSTM', 'truncated k1=2, k2=2', '2', '4', 'norm ≤ 1', '2.080', '13.1%']);
    expect(truncation).toContain('Accuracy by window: k2=2 13.1% (k2), k2=8 97.0% (k8).');
    expect(truncation).toContain(
      'delay4 needs the gradient to reach 4 steps back. Windows k2 ≤ 4 (k2=2) reach at most 13.1% (chance: 12.5%); windows beyond it (k2=8) reach at least 97.0%: the window decides whether the dependency is learnt.',
    );
    // hidden[8 - 1 - 4] = hidden[3]: 0 for k2=2, 0.01 for k2=8.
    expect(truncation).toContain('Gradient norm 4 steps back from the loss, after training: k2=2: 0, k2=8: 0.0100.');
    const sweep = JSON.parse(files['charts/truncation-sweep.vl.json']!) as { layer: { data?: { values: { k2?: number; label?: string }[] } }[] };
    expect(sweep.layer.some((l) => l.data?.values.some((v) => v.k2 === 4 && v.label === 'delay 4'))).toBe(true);

    const dropout = sectionOf(readme, 'Question 4: recurrent dropout');
    expect(dropout).toContain('k2 (dropout none): final train loss 2.050, valid loss 2.070, gap +0.020.');
    expect(dropout).toContain('k8 (dropout variational 0.25): final train loss 0.300, valid loss 0.100, gap −0.200.');
    expect(dropout).toContain("The smallest gap, −0.200, is k8's (variational 0.25), against +0.020 without dropout (k2).");
    expect(dropout).toContain('k8: validation loss below training loss');

    // Delayed recall is not the Brown corpus, and the title does not claim it is.
    const lm = sectionOf(readme, 'Language modelling');
    // final valid ppl = exp(0.1), best valid ppl = exp(bestValidLoss), test ppl = exp(0.12).
    expect(rowOf(lm, 'k8')).toEqual(['k8', 'truncated k1=8, k2=8', 'norm ≤ 1', 'variational 0.25', '2', '**1.11**', '**1.11**', '**1.13**', '**97.0%**']);
    expect(lm).toContain('Test perplexity, lowest first: 1.13 (k8: truncated k1=8, k2=8, clip norm ≤ 1, dropout variational 0.25); 8.00 (k2:');
  });
});
