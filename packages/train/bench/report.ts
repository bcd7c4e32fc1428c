/** Plain-text tables for the bench's stdout: results, per-op profiles, and the targets. */
import type { BenchConfig } from './configs.ts';
import type { CaseResult } from './cases.ts';
import type { TorchResult } from './torch-peer.ts';

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const fmt = (value: number | undefined, digits = 0): string => (value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits));
const ratio = (ours: number, theirs: number | undefined): string => (theirs === undefined ? '-' : `${(ours / theirs).toFixed(2)}x`);

export function resultsTable(config: BenchConfig, results: readonly CaseResult[], torchAll: readonly TorchResult[]): string {
  const torch = torchAll.filter((t) => t.clock === 'wall');
  const cell = torch.find((t) => t.mode === 'cell')?.tokensPerSecond;
  const fused = torch.find((t) => t.mode === 'fused')?.tokensPerSecond;
  const cellCpuMs = torchAll.find((t) => t.clock === 'cpu' && t.mode === 'cell')?.medianMs;
  const torchRss = torch.find((t) => t.mode === 'cell')?.peakRssMiB;
  const rows = results.map((r) => [
    `${r.backend} / ${r.path}`,
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

/** The speed targets from the task, checked against this run (undefined when a figure is missing). */
export function targetChecks(results: readonly CaseResult[], torch: readonly TorchResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const reference = results.filter((r) => r.config.name === 'reference');
  const peer = (mode: 'cell' | 'fused') => torch.find((t) => t.config === 'reference' && t.mode === mode && t.clock === 'wall');
  const best = (backend: string, paths: readonly string[]) =>
    reference.filter((r) => r.backend === backend && paths.includes(r.path)).sort((a, b) => b.tokensPerSecond - a.tokensPerSecond)[0];
  const check = (target: string, ours: CaseResult | undefined, theirs: TorchResult | undefined, goal: number) => {
    if (ours === undefined || theirs === undefined) {
      checks.push({ target, measured: ours === undefined ? 'no result for our side' : 'no PyTorch figure', met: undefined });
      return;
    }
    const x = ours.tokensPerSecond / theirs.tokensPerSecond;
    checks.push({ target, measured: `${x.toFixed(2)}x (${ours.backend} / ${ours.path}: ${ours.tokensPerSecond} vs ${theirs.tokensPerSecond} tokens/s)`, met: x >= goal });
  };
  const wasmPaths = ['product', 'unrolled', 'fused-cell', 'fused-sequence'];
  check('wasm >= 0.15x PyTorch LSTMCell (reference)', best('wasm', wasmPaths), peer('cell'), 0.15);
  check('wasm >= 0.3x PyTorch LSTMCell (reference)', best('wasm', wasmPaths), peer('cell'), 0.3);
  check('native unrolled >= 1.0x PyTorch LSTMCell (reference)', best('tensorflow', ['product', 'unrolled']), peer('cell'), 1.0);
  check('native fused >= 1.0x PyTorch nn.LSTM (reference)', best('tensorflow', ['fused-cell', 'fused-sequence']), peer('fused'), 1.0);
  const torchRss = peer('cell')?.peakRssMiB;
  for (const r of reference.filter((x) => x.rssScope === 'path')) {
    if (torchRss === undefined) break;
    checks.push({ target: `peak RSS <= 1.5x PyTorch's (${r.backend} / ${r.path})`, measured: `${(r.peakRssMiB / torchRss).toFixed(2)}x (${r.peakRssMiB} vs ${torchRss} MiB)`, met: r.peakRssMiB <= 1.5 * torchRss });
  }
  return checks;
}
