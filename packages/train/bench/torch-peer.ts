/**
 * The PyTorch peer (/work/shared/bench/torch_seq2seq.py, next to this repository as ../shared/bench/): run in the
 * same bench run, on the same sizes, so our throughput is a ratio measured on the same machine at the same time.
 * Nothing is copied from it; if it or torch is missing the bench says so and reports our figures alone.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BenchConfig } from './configs.ts';

export const TORCH_MODES = ['cell', 'fused'] as const;
export type TorchMode = (typeof TORCH_MODES)[number];

/** What every Python peer reports, whatever its framework (runPeerScript). */
export interface PeerRun {
  readonly threads: number;
  readonly medianMs: number;
  readonly tokensPerSecond: number;
  readonly firstLoss: number;
  readonly lastLoss: number;
  readonly peakRssMiB: number;
}

export interface TorchResult extends PeerRun {
  readonly mode: TorchMode;
  /** 'wall': the peer as written; 'cpu': one thread, and its step timer reads process CPU time instead. */
  readonly clock: 'wall' | 'cpu';
  readonly config: BenchConfig['name'];
  readonly torch: string;
}

export type TorchAvailability = { readonly available: true; readonly script: string; readonly version: string } | { readonly available: false; readonly reason: string };

export function defaultTorchScript(repoRoot: string): string {
  return resolve(repoRoot, '..', 'shared', 'bench', 'torch_seq2seq.py');
}

export function torchAvailability(script: string): TorchAvailability {
  if (!existsSync(script)) return { available: false, reason: `the PyTorch peer script is absent (looked for ${script})` };
  try {
    const version = execFileSync('python3', ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    return { available: true, script, version };
  } catch {
    return { available: false, reason: 'python3 cannot import torch (python3 -m pip install torch)' };
  }
}

// Runs the peer in-process under runpy, then prints the interpreter's peak RSS (ru_maxrss is KiB on Linux), so
// the peer's memory is measured the same way as ours without changing its script. With 'cpu' as first argument
// the peer's step timer (time.perf_counter) reads process CPU time instead: a figure that other load on the
// machine barely moves, comparable with our single-threaded backends' CPU time per step.
const PEAK_RSS_WRAPPER = [
  'import resource, runpy, sys, time',
  "if sys.argv[1] == 'cpu': time.perf_counter = time.process_time",
  'script = sys.argv[2]',
  'sys.argv = sys.argv[2:]',
  "runpy.run_path(script, run_name='__main__')",
  "print('PEAK_RSS_KIB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)",
].join('\n');

/** The `RESULT {json}` line every peer prints (torch_seq2seq.py's format; `torch` holds the framework's version). */
interface PeerResultLine {
  readonly torch: string;
  readonly threads: number;
  readonly median_ms: number;
  readonly tokens_per_s: number;
  readonly first_loss: number;
  readonly last_loss: number;
}

/** Runs a Python peer under PEAK_RSS_WRAPPER and parses its RESULT line; throws with the peer's last stderr lines. */
export function runPeerScript(label: string, clock: 'wall' | 'cpu', script: string, args: readonly string[], timeoutMs: number): { version: string; run: PeerRun } {
  const run = spawnSync('python3', ['-c', PEAK_RSS_WRAPPER, clock, script, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  const line = run.stdout?.split('\n').find((l) => l.startsWith('RESULT '));
  const rss = run.stdout?.split('\n').find((l) => l.startsWith('PEAK_RSS_KIB '));
  if (run.status !== 0 || line === undefined || rss === undefined) {
    const why = run.error?.message ?? run.stderr?.trim().split('\n').slice(-3).join(' | ') ?? `exit ${run.status}`;
    throw new Error(`${label} failed: ${why}`);
  }
  const result = JSON.parse(line.slice('RESULT '.length)) as PeerResultLine;
  return {
    version: result.torch,
    run: {
      threads: result.threads,
      medianMs: result.median_ms,
      tokensPerSecond: result.tokens_per_s,
      firstLoss: result.first_loss,
      lastLoss: result.last_loss,
      peakRssMiB: Math.round((Number(rss.split(' ')[1]) / 1024) * 10) / 10,
    },
  };
}

/** torch_seq2seq.py's size flags for a bench config. */
export function sizeArgs(config: BenchConfig): string[] {
  return ['--B', String(config.B), '--H', String(config.H), '--E', String(config.E), '--V', String(config.V), '--T', String(config.T)];
}

export function runTorchPeer(script: string, config: BenchConfig, mode: TorchMode, clock: 'wall' | 'cpu', options: { steps: number; warmup: number; threads: number; timeoutMs: number }): TorchResult {
  const args = ['--mode', mode, ...sizeArgs(config), '--steps', String(options.steps), '--warmup', String(options.warmup), '--threads', String(clock === 'cpu' ? 1 : options.threads)];
  const { version, run } = runPeerScript(`PyTorch peer (${mode}, ${clock}, ${config.name})`, clock, script, args, options.timeoutMs);
  return { mode, clock, config: config.name, torch: version, ...run };
}

// The paired bench's gate (paired.ts) around the unchanged peer: the peer times each step between two
// time.perf_counter() calls, so the wrapper replaces that function, for calls from the peer's own file only, with
// one that records each step (the caller's file is compared with the exact path run_path compiled it under: nothing
// but a string comparison inside the timed step) and, before a step starts, prints READY (after the warm-up) or WINDOW {json} (after
// every window of steps) and waits for `go` on stdin; anything else ends the process. The wait falls before the
// step's first timer call, so it is never timed.
const GATED_WRAPPER = [
  'import json, os, runpy, sys, time',
  'window, warmup, script = int(sys.argv[1]), int(sys.argv[2]), os.path.realpath(sys.argv[3])',
  'sys.argv = sys.argv[3:]',
  'real = time.perf_counter',
  "state = dict(calls=0, started=0.0, times=[], cpu=0.0)",
  'def gate(line):',
  '    print(line, flush=True)',
  "    if sys.stdin.readline().strip() != 'go':",
  '        os._exit(0)',
  "    state['cpu'] = time.process_time()",
  'def timer():',
  '    if sys._getframe(1).f_code.co_filename != script:',
  '        return real()',
  "    step, ending = divmod(state['calls'], 2)",
  "    state['calls'] += 1",
  '    if not ending:',
  '        if step == warmup:',
  "            gate('READY')",
  '        elif step > warmup and (step - warmup) % window == 0:',
  "            cpu = (time.process_time() - state['cpu']) * 1000 / window",
  "            gate('WINDOW ' + json.dumps(dict(stepMs=state['times'], cpuMsPerStep=cpu)))",
  "            state['times'] = []",
  "        state['started'] = real()",
  "        return state['started']",
  '    now = real()',
  "    if step >= warmup:",
  "        state['times'].append((now - state['started']) * 1000)",
  '    return now',
  'time.perf_counter = timer',
  "runpy.run_path(script, run_name='__main__')",
].join('\n');

/** The command line of the PyTorch peer behind the paired bench's gate: `windows` windows of `windowSteps` steps. */
export function gatedTorchCommand(script: string, config: BenchConfig, mode: TorchMode, options: { windowSteps: number; windows: number; warmup: number; threads: number }): { command: string; args: string[] } {
  // One step more than the windows need: the gate after the last window opens when that step starts.
  const steps = options.warmup + options.windowSteps * options.windows + 1;
  const peerArgs = ['--mode', mode, ...sizeArgs(config), '--steps', String(steps), '--warmup', '0', '--threads', String(options.threads)];
  return { command: 'python3', args: ['-c', GATED_WRAPPER, String(options.windowSteps), String(options.warmup), script, ...peerArgs] };
}

/** PyTorch's side of floors.ts: the same tiny op and the same three recurrent matmuls, µs per call (median). */
export interface TorchFloors {
  readonly config: BenchConfig['name'];
  readonly threads: number;
  readonly dispatchUs: number;
  readonly matMulUs: { readonly forward: number; readonly inputGrad: number; readonly weightGrad: number };
}

const FLOORS_SCRIPT = [
  'import json, statistics, sys, time, torch',
  'B, H, threads = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])',
  'torch.set_num_threads(threads)',
  'def us(f, calls):',
  '    for _ in range(20): f()',
  '    per = max(1, calls // 10); out = []',
  '    for _ in range(10):',
  '        t0 = time.perf_counter()',
  '        for _ in range(per): f()',
  '        out.append((time.perf_counter() - t0) * 1e6 / per)',
  '    return round(statistics.median(out), 1)',
  'one = torch.ones(1); h = torch.randn(B, H); W = torch.randn(H, 4 * H); dz = torch.randn(B, 4 * H)',
  'WT = torch.randn(4 * H, H); hT = torch.randn(H, B)',
  'with torch.no_grad():',
  '    r = dict(dispatchUs=us(lambda: one + one, 4000), matMulUs=dict(forward=us(lambda: h @ W, 400),',
  '             inputGrad=us(lambda: dz @ WT, 400), weightGrad=us(lambda: hT @ dz, 400)))',
  "print('FLOORS ' + json.dumps(r))",
].join('\n');

export function runTorchFloors(config: BenchConfig, threads: number): TorchFloors {
  const run = spawnSync('python3', ['-c', FLOORS_SCRIPT, String(config.B), String(config.H), String(threads)], { encoding: 'utf8', timeout: 120_000 });
  const line = run.stdout?.split('\n').find((l) => l.startsWith('FLOORS '));
  if (run.status !== 0 || line === undefined) throw new Error(`PyTorch floors (${config.name}) failed: ${run.stderr?.trim().split('\n').slice(-2).join(' | ') ?? `exit ${run.status}`}`);
  return { config: config.name, threads, ...(JSON.parse(line.slice('FLOORS '.length)) as Omit<TorchFloors, 'config' | 'threads'>) };
}
