/** Plain-text tables for the bench's stdout: results, per-op profiles, and the targets. */
import type { BenchConfig } from './configs.ts';
import type { CaseResult } from './cases.ts';
import type { Floors } from './floors.ts';
import type { KerasResult } from './keras-peer.ts';
import { roundRatios, type RoundFigures } from './rounds.ts';
import type { TorchFloors, TorchResult } from './torch-peer.ts';

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const fmt = (value: number | undefined, digits = 0): string => (value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits));
const ratio = (ours: number, theirs: number | undefined): string => (theirs === undefined ? '-' : `${(ours / theirs).toFixed(2)}x`);

export function resultsTable(config: BenchConfig, results: readonly CaseResult[], torchAll: readonly TorchResult[], keras: readonly KerasResult[] = []): string {
  const torch = torchAll.filter((t) => t.clock === 'wall');
  const cell = torch.find((t) => t.mode === 'cell')?.tokensPerSecond;
  const fused = torch.find((t) => t.mode === 'fused')?.tokensPerSecond;
  const cellCpuMs = torchAll.find((t) => t.clock === 'cpu' && t.mode === 'cell')?.medianMs;
  const torchRss = torch.find((t) => t.mode === 'cell')?.peakRssMiB;
  const rows = results.map((r) => [
    `${r.backend} / ${r.path}${r.execution === undefined ? '' : ` (graph ${r.execution.graphSteps}/${r.execution.graphSteps + r.execution.eagerSteps})`}`,
    fmt(r.tokensPerSecond),
    fmt(r.medianMs, 1),
    fmt(r.medianCpuMs, 1),
    ratio(r.tokensPerSecond, cell),
    cellCpuMs === undefined ? '-' : `${(cellCpuMs / r.medianCpuMs).toFixed(2)}x`,
    ratio(r.tokensPerSecond, fused),
    `${fmt(r.peakRssMiB)}${r.rssScope === 'process' ? '*' : ''}`,
    torchRss === undefined ? '-' : `${(r.peakRssMiB / torchRss).toFixed(2)}x`,
    fmt(r.levers.kernelsPerTimeStep, 1),
    `${r.levers.matMulsOverAllTimeSteps}/${r.levers.transposedMatMulsPerStep}/${r.levers.matMulsPerStep}`,
    String(r.levers.syncsPerStep),
    `${fmt(r.firstLoss, 3)}->${fmt(r.lastLoss, 3)}`,
  ]);
  for (const t of torchAll) {
    if (t.clock === 'cpu') {
      rows.push([`pytorch ${t.mode}, 1 thread`, '-', '-', fmt(t.medianMs, 1), '-', cellCpuMs === undefined ? '-' : `${(cellCpuMs / t.medianMs).toFixed(2)}x`, '-', fmt(t.peakRssMiB), '-', '-', '-', '-', `${fmt(t.firstLoss, 3)}->${fmt(t.lastLoss, 3)}`]);
      continue;
    }
    rows.push([`pytorch ${t.torch} / ${t.mode}`, fmt(t.tokensPerSecond), fmt(t.medianMs, 1), '-', ratio(t.tokensPerSecond, cell), '-', ratio(t.tokensPerSecond, fused), fmt(t.peakRssMiB), torchRss === undefined ? '-' : `${(t.peakRssMiB / torchRss).toFixed(2)}x`, '-', '-', '-', `${fmt(t.firstLoss, 3)}->${fmt(t.lastLoss, 3)}`]);
  }
  for (const k of keras) {
    rows.push([k.version, fmt(k.tokensPerSecond), fmt(k.medianMs, 1), '-', ratio(k.tokensPerSecond, cell), '-', ratio(k.tokensPerSecond, fused), fmt(k.peakRssMiB), torchRss === undefined ? '-' : `${(k.peakRssMiB / torchRss).toFixed(2)}x`, '-', '-', '-', `${fmt(k.firstLoss, 3)}->${fmt(k.lastLoss, 3)}`]);
  }
  const title = `${config.name}: B=${config.B} H=${config.H} E=${config.E} V=${config.V} T=${config.T} (encoder and decoder), one-layer LSTM seq2seq, Adam, teacher forcing`;
  const header = ['backend / path', 'tokens/s', 'ms/step', 'cpu ms', 'x torch cell', 'x cell (cpu)', 'x nn.LSTM', 'peak RSS MiB', 'x torch RSS', 'kernels/t', 'matmuls W/T/all', 'syncs', 'loss'];
  return `${title}\n${table(header, rows)}`;
}

export function profileTable(result: CaseResult, top: number): string {
  const rows = result.profile.byKernel.slice(0, top).map((k) => [k.name, String(k.count), fmt(k.ms, 2), `${(100 * k.share).toFixed(1)}%`]);
  const rest = result.profile.byKernel.slice(top);
  if (rest.length > 0) {
    const ms = rest.reduce((a, k) => a + k.ms, 0);
    const share = rest.reduce((a, k) => a + k.share, 0);
    rows.push([`(${rest.length} other kernels)`, String(rest.reduce((a, k) => a + k.count, 0)), fmt(ms, 2), `${(100 * share).toFixed(1)}%`]);
  }
  for (const scope of result.profile.customGradScopes) {
    rows.push([`[customGrad in '${scope.name}']`, String(scope.count), fmt(scope.ms, 2), 'nested']);
  }
  const head = `${result.config.name} ${result.backend} / ${result.path}: ${result.profile.kernels} kernels, ${fmt(result.profile.kernelMs, 1)} ms of kernel time (one profiled step with a fresh Adam; profiler overhead included)`;
  return `${head}\n${table(['kernel', 'calls', 'ms', 'share'], rows)}`;
}

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

/**
 * Ceilings from the floors: the best tokens/s any implementation on a backend could reach, counting only the work
 * no implementation can skip, so the true ceiling is lower still (embeddings, output layer, loss and Adam are left
 * out).
 * - per-step path (an unrolled decoder, needed for p < 1): 2T time steps (encoder + decoder), each with at least
 *   4 kernels (a fused cell forward, its gate gradient, and the dh and dW matmuls) and the three recurrent matmuls'
 *   compute (their measured time less one dispatch each);
 * - fused path (native): two layers' BlockLSTMV2 + BlockLSTMGradV2 (encoder and decoder), nothing else.
 */
export interface Ceiling {
  readonly perStepFloorMs: number;
  readonly perStepTokensPerSecond: number;
  /** The per-step floor plus the rest of our leanest step (its kernels other than the recurrence) at dispatch cost. */
  readonly perStepWithRestTokensPerSecond?: number;
  readonly fusedFloorMs?: number;
  readonly fusedTokensPerSecond?: number;
}

/**
 * `restKernels`: kernels of a training step that are not the recurrence (embeddings, output layer, loss, Adam), as
 * counted in our fused-sequence step (its total less the 4 sequence kernels); undefined when that path did not run.
 */
export function ceilings(config: BenchConfig, floors: Floors, restKernels?: number): Ceiling {
  const d = floors.dispatchUs;
  const compute = Object.values(floors.matMulUs).reduce((sum, us) => sum + Math.max(0, us - d), 0);
  const perStepFloorMs = (2 * config.T * (4 * d + compute)) / 1000;
  const tokens = config.B * config.T;
  const perSecond = (ms: number) => tokens / (ms / 1000);
  const perStep: Ceiling = {
    perStepFloorMs,
    perStepTokensPerSecond: perSecond(perStepFloorMs),
    ...(restKernels === undefined ? {} : { perStepWithRestTokensPerSecond: perSecond(perStepFloorMs + (restKernels * d) / 1000) }),
  };
  if (floors.blockLstmMs === undefined) return perStep;
  const fusedFloorMs = 2 * floors.blockLstmMs;
  return { ...perStep, fusedFloorMs, fusedTokensPerSecond: perSecond(fusedFloorMs) };
}

/** Kernels of our fused-sequence step that are not its 4 sequence kernels (2 layers, forward and backward). */
export function restKernelsOf(results: readonly CaseResult[], backend: string, config: BenchConfig['name']): number | undefined {
  const r = results.find((x) => x.backend === backend && x.config.name === config && x.path === 'fused-sequence');
  return r === undefined ? undefined : Math.max(0, r.profile.kernels - 4);
}

export function floorsTable(config: BenchConfig, floors: readonly Floors[], torch: TorchFloors | undefined, torchResults: readonly TorchResult[], results: readonly CaseResult[]): string {
  const wall = torchResults.filter((t) => t.clock === 'wall');
  const cell = wall.find((t) => t.mode === 'cell');
  const fused = wall.find((t) => t.mode === 'fused');
  const mm = (m: Floors['matMulUs']) => `${fmt(m.forward, 0)}/${fmt(m.inputGrad, 0)}/${fmt(m.weightGrad, 0)}`;
  const rows = floors.map((f) => {
    const c = ceilings(config, f, restKernelsOf(results, f.backend, config.name));
    const withRest = c.perStepWithRestTokensPerSecond;
    return [
      f.backend,
      fmt(f.dispatchUs, 1),
      mm(f.matMulUs),
      fmt(c.perStepFloorMs, 1),
      `${fmt(c.perStepTokensPerSecond)} (${ratio(c.perStepTokensPerSecond, cell?.tokensPerSecond)})`,
      withRest === undefined ? '-' : `${fmt(withRest)} (${ratio(withRest, cell?.tokensPerSecond)})`,
      c.fusedFloorMs === undefined ? '-' : fmt(c.fusedFloorMs, 1),
      c.fusedTokensPerSecond === undefined ? '-' : `${fmt(c.fusedTokensPerSecond)} (${ratio(c.fusedTokensPerSecond, fused?.tokensPerSecond)})`,
      `${f.loadedRssMiB}${cell === undefined ? '' : ` (${(f.loadedRssMiB / cell.peakRssMiB).toFixed(2)}x)`}`,
    ];
  });
  if (torch !== undefined) {
    rows.push([`pytorch (${torch.threads} threads)`, fmt(torch.dispatchUs, 1), mm(torch.matMulUs), cell === undefined ? '-' : fmt(cell.medianMs, 1), cell === undefined ? '-' : `${cell.tokensPerSecond} (measured, cell)`, '-', fused === undefined ? '-' : fmt(fused.medianMs, 1), fused === undefined ? '-' : `${fused.tokensPerSecond} (measured, nn.LSTM)`, cell === undefined ? '-' : `${cell.peakRssMiB} (peak)`]);
  }
  const header = ['backend', 'dispatch us', 'matmul us fwd/dh/dW', 'per-step floor ms', 'ceiling tok/s (x torch cell)', '+ rest of step (x cell)', 'fused floor ms', 'ceiling tok/s (x nn.LSTM)', 'loaded RSS MiB (x torch peak)'];
  const notes = [
    `${config.name}: floors count 2T = ${2 * config.T} time steps of >= 4 kernels and the 3 recurrent matmuls' compute (per-step), or`,
    "two layers' BlockLSTMV2 + BlockLSTMGradV2 (fused, native); the rest of a training step is left out, so real ceilings are lower.",
    '+ rest of step: also the non-recurrent kernels of our fused-sequence step (embeddings, output, loss, Adam) at dispatch cost.',
    'loaded RSS: node + tsx + tfjs + @bptt/models + the backend, after its first kernel and before any model exists.',
  ];
  return `${table(header, rows)}\n${notes.join('\n')}`;
}

/** The speed targets from the task, checked against this run (undefined when a figure is missing). */
export function targetChecks(
  results: readonly (CaseResult & Partial<RoundFigures>)[],
  torch: readonly (TorchResult & Partial<RoundFigures>)[],
  floors: readonly Floors[] = [],
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const reference = results.filter((r) => r.config.name === 'reference');
  const peer = (mode: 'cell' | 'fused') => torch.find((t) => t.config === 'reference' && t.mode === mode && t.clock === 'wall');
  const best = (backend: string, paths: readonly string[]) =>
    reference.filter((r) => r.backend === backend && paths.includes(r.path)).sort((a, b) => b.tokensPerSecond - a.tokensPerSecond)[0];
  const ceilingOf = (backend: string, kind: 'perStep' | 'fused', theirs: TorchResult | undefined): string => {
    const f = floors.find((x) => x.backend === backend && x.config === 'reference');
    const config = reference[0]?.config;
    if (f === undefined || config === undefined || theirs === undefined) return '';
    const c = ceilings(config, f, restKernelsOf(results, backend, 'reference'));
    const tokens = kind === 'perStep' ? (c.perStepWithRestTokensPerSecond ?? c.perStepTokensPerSecond) : c.fusedTokensPerSecond;
    return tokens === undefined ? '' : `; ceiling ${(tokens / theirs.tokensPerSecond).toFixed(2)}x`;
  };
  const check = (target: string, ours: (CaseResult & Partial<RoundFigures>) | undefined, theirs: (TorchResult & Partial<RoundFigures>) | undefined, goal: number, ceiling = '') => {
    if (ours === undefined || theirs === undefined) {
      checks.push({ target, measured: ours === undefined ? 'no result for our side' : 'no PyTorch figure', met: undefined });
      return;
    }
    const x = ours.tokensPerSecond / theirs.tokensPerSecond;
    // With --rounds, each round's own ratio too: the verdict stays the ratio of the median rounds.
    const paired = roundRatios(ours.roundsTokensPerSecond ?? [], theirs.roundsTokensPerSecond ?? []);
    const byRound = paired === undefined ? '' : `; round by round ${paired.ratios.map((r) => `${r.toFixed(2)}x`).join(', ')}, median ${paired.median.toFixed(2)}x`;
    checks.push({ target, measured: `${x.toFixed(2)}x (${ours.backend} / ${ours.path}: ${ours.tokensPerSecond} vs ${theirs.tokensPerSecond} tokens/s${byRound}${ceiling})`, met: x >= goal });
  };
  const wasmPaths = ['product', 'product-stepwise', 'unrolled', 'fused-cell', 'fused-sequence'];
  check('wasm >= 0.15x PyTorch LSTMCell (reference)', best('wasm', wasmPaths), peer('cell'), 0.15);
  check('wasm >= 0.3x PyTorch LSTMCell (reference)', best('wasm', wasmPaths), peer('cell'), 0.3, ceilingOf('wasm', 'perStep', peer('cell')));
  // On the native backend the product trains each step as one graph with the recurrence step by step (per-step
  // paths); product-eager and fused-sequence run TensorFlow's BlockLSTMV2 (fused). The fused target is checked
  // against the fastest native path users get, whichever it is; the measured line names it. Ceilings are eager
  // ones (dispatch-bound), which a graph step is not bound by.
  check('native per-step >= 1.0x PyTorch LSTMCell (reference)', best('tensorflow', ['product', 'product-stepwise', 'unrolled', 'fused-cell']), peer('cell'), 1.0, ceilingOf('tensorflow', 'perStep', peer('cell')));
  check('native fused or fastest >= 1.0x PyTorch nn.LSTM (reference)', best('tensorflow', ['product', 'product-eager', 'fused-sequence']), peer('fused'), 1.0, ceilingOf('tensorflow', 'fused', peer('fused')));
  // Memory: the task sets 1.5x PyTorch's peak RSS on each configuration, so every configuration is checked.
  for (const configName of [...new Set(results.map((r) => r.config.name))]) {
    const torchRss = torch.find((t) => t.config === configName && t.mode === 'cell' && t.clock === 'wall')?.peakRssMiB;
    if (torchRss === undefined) continue;
    for (const r of results.filter((x) => x.config.name === configName && x.rssScope === 'path')) {
      const loaded = floors.find((f) => f.backend === r.backend && f.config === configName)?.loadedRssMiB;
      checks.push({
        target: `peak RSS <= 1.5x PyTorch's (${configName}, ${r.backend} / ${r.path})`,
        measured: `${(r.peakRssMiB / torchRss).toFixed(2)}x (${r.peakRssMiB} vs ${torchRss} MiB${loaded === undefined ? '' : `; backend loaded, no model: ${(loaded / torchRss).toFixed(2)}x`})`,
        met: r.peakRssMiB <= 1.5 * torchRss,
      });
    }
  }
  return checks;
}
