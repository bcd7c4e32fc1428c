/**
 * npm run bench [-- --quick] [-- --out file.json] [...]: training throughput of the LSTM seq2seq on every
 * available backend and recurrent path, next to PyTorch measured in the same run.
 *
 * For each configuration (configs.ts) and backend (tensorflow, wasm, cpu) and path (run-case.ts), a child process
 * trains for warm-up + timed optimizer steps with @bptt/train's loop and reports the median step time as tokens/s
 * (B x T decoder tokens per step), its peak RSS, a per-kernel profile of one step, and the speed levers measured in
 * that step. Then the PyTorch peer runs on the same sizes (cell and fused modes). Prints tables to stdout and
 * writes everything as JSON (default artifacts/bench/bench-results.json, git-ignored).
 *
 * Options:
 *   --quick              reference config, product, product-eager and product-composed (native), product-stepwise and
 *                        fused-sequence (cpu: product only), few steps, one process
 *                        per backend (< 1 min on an idle 2-core machine)
 *   --out <file>         where to write the JSON
 *   --configs a,b        reference, larger                      (default: both; --quick: reference)
 *   --backends a,b       tensorflow, wasm, cpu                  (default: all three)
 *   --paths a,b          product, product-eager, product-steps and product-composed (native only), product-stepwise, unrolled,
 *                        fused-cell, fused-sequence
 *   --warmup N --steps N timed steps after warm-up              (default 3 and 10; --quick 1 and 3)
 *   --max-seconds N      per case, timing stops early after this (at least 3 timed steps are kept)
 *   --no-torch           skip the PyTorch peer
 *   --no-keras           skip the Keras peer (peers/keras_seq2seq.py; runs when python3 imports tensorflow + keras)
 *   --no-floors          skip the floors (floors.ts: dispatch, recurrent matmuls, BlockLSTM kernels, loaded RSS)
 *   --torch-script <p>   the peer (default ../shared/bench/torch_seq2seq.py from the repository root)
 *   --wasm-threads N     BPTT_WASM_THREADS for the wasm cases: 1..8 or auto (default auto, one per vCPU: the
 *                        cases run one at a time, and PyTorch and TensorFlow use every core too)
 *   --rounds N           run every case and peer N times in turn and report each one's median round (default 1;
 *                        on a shared host, where speed drifts by ±25% over minutes, 3 keeps one slow phase from
 *                        deciding a ratio). Keras and the floors run in the first round only.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, relative, resolve } from 'node:path';
import { stableStringify } from '@bptt/data';
import { wasmThreadsFromEnv } from '@bptt/models';
import { optionReader } from './cli-options.ts';
import { BENCH_CONFIGS, benchConfig, type BenchConfig } from './configs.ts';
import { floorsTable, profileTable, resultsTable, table, targetChecks } from './report.ts';
import { BENCH_PATHS, NATIVE_ONLY_PATHS, type BenchPath, type CaseResult } from './cases.ts';
import { medianRounds } from './rounds.ts';
import type { Floors } from './floors.ts';
import { KERAS_SCRIPT, kerasAvailability, runKerasPeer, type KerasResult } from './keras-peer.ts';
import { defaultTorchScript, runTorchFloors, runTorchPeer, torchAvailability, TORCH_MODES, type TorchFloors, type TorchResult } from './torch-peer.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');
const RUN_CASE = resolve(import.meta.dirname, 'run-case.ts');
const FLOORS = resolve(import.meta.dirname, 'floors.ts');
const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
type Backend = (typeof BACKENDS)[number];

interface Options {
  readonly quick: boolean;
  readonly out: string;
  readonly configs: readonly BenchConfig[];
  readonly backends: readonly Backend[];
  readonly paths: readonly BenchPath[];
  readonly warmup: number;
  readonly steps: number;
  readonly maxSeconds: number;
  readonly torch: boolean;
  readonly keras: boolean;
  readonly floors: boolean;
  readonly torchScript: string;
  readonly wasmThreads: string;
  readonly rounds: number;
}

function parseOptions(argv: readonly string[]): Options {
  const { value, list, count } = optionReader(argv, 'bench');
  const known = new Set(['quick', 'out', 'configs', 'backends', 'paths', 'warmup', 'steps', 'max-seconds', 'no-torch', 'no-keras', 'no-floors', 'torch-script', 'wasm-threads', 'rounds']);
  for (const arg of argv) {
    if (arg.startsWith('--') && !known.has(arg.slice(2))) throw new Error(`bench: unknown option ${arg} (see the top of packages/train/bench/main.ts)`);
  }
  const quick = argv.includes('--quick');
  const configNames = list('configs', BENCH_CONFIGS.map((c) => c.name), quick ? ['reference'] : BENCH_CONFIGS.map((c) => c.name));
  return {
    quick,
    out: resolve(value('out') ?? resolve(REPO_ROOT, 'artifacts', 'bench', 'bench-results.json')),
    configs: configNames.map(benchConfig),
    backends: list('backends', BACKENDS, BACKENDS),
    paths: list('paths', BENCH_PATHS, quick ? ['product', 'product-eager', 'product-composed', 'product-stepwise', 'fused-sequence'] : BENCH_PATHS),
    warmup: count('warmup', quick ? 1 : 3),
    steps: Math.max(1, count('steps', quick ? 3 : 10)),
    maxSeconds: count('max-seconds', quick ? 8 : 60),
    torch: !argv.includes('--no-torch'),
    keras: !argv.includes('--no-keras'),
    floors: !argv.includes('--no-floors'),
    torchScript: resolve(value('torch-script') ?? defaultTorchScript(REPO_ROOT)),
    wasmThreads: wasmThreadsOption(value('wasm-threads') ?? 'auto'),
    rounds: Math.max(1, count('rounds', 1)),
  };
}

function wasmThreadsOption(raw: string): string {
  try {
    return String(wasmThreadsFromEnv({ BPTT_WASM_THREADS: raw }));
  } catch (error) {
    throw new Error(`bench: --wasm-threads: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function pathsFor(backend: Backend, options: Options): BenchPath[] {
  // The cpu backend is a last-resort fallback, ~10x slower than wasm: --quick only checks that it trains.
  if (options.quick && backend === 'cpu') return options.paths.includes('product') ? ['product'] : [];
  // Graph steps and the step kernels exist on native TensorFlow only; elsewhere these paths would repeat product.
  return options.paths.filter((path) => !NATIVE_ONLY_PATHS.includes(path) || backend === 'tensorflow');
}

type ChildOutcome = { readonly results: CaseResult[] } | { readonly unavailable: string } | { readonly failed: string };

/** A bench child process (node + tsx on our sources): its stdout lines, and why it failed when it did. */
function runBenchScript(script: string, args: readonly string[], timeoutMs: number, options: Options): { lines: string[]; failure: string | undefined } {
  const child = spawnSync(process.execPath, ['--conditions=@bptt/source', '--import', 'tsx', script, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, BPTT_WASM_THREADS: options.wasmThreads },
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  const stderr = (child.stderr ?? '').split('\n').filter((l) => /error|Error|throw/.test(l)).slice(0, 3).join(' | ');
  return { lines: (child.stdout ?? '').split('\n'), failure: child.status === 0 ? undefined : (child.error?.message ?? (stderr || `exit code ${child.status}`)) };
}

/** The payloads of `PREFIX {json}` lines, or the reason a backend is unavailable (`UNAVAILABLE reason`). */
function parseLines<T>(lines: readonly string[], prefix: string): { payloads: T[]; unavailable: string | undefined } {
  const unavailable = lines.find((l) => l.startsWith('UNAVAILABLE '))?.slice('UNAVAILABLE '.length);
  const payloads = lines.filter((l) => l.startsWith(`${prefix} `)).map((l) => JSON.parse(l.slice(prefix.length + 1)) as T);
  return { payloads, unavailable };
}

function runChild(backend: Backend, config: BenchConfig, paths: readonly BenchPath[], options: Options): ChildOutcome {
  // --quick only checks that the slow cpu fallback trains: one step, no warm-up.
  const [warmup, steps] = options.quick && backend === 'cpu' ? [0, 1] : [options.warmup, options.steps];
  const args = [
    '--backend', backend, '--config', config.name, '--paths', paths.join(','),
    '--warmup', String(warmup), '--steps', String(steps), '--max-seconds', String(options.maxSeconds),
  ];
  // Generous: the budget inside the child ends timing; this only catches a hung process.
  const timeout = paths.length * (4 * options.maxSeconds + 300) * 1000;
  const { lines, failure } = runBenchScript(RUN_CASE, args, timeout, options);
  const { payloads: results, unavailable } = parseLines<CaseResult>(lines, 'RESULT');
  if (unavailable !== undefined) return { unavailable };
  if (failure !== undefined || results.length === 0) return { failed: failure ?? 'no RESULT line' };
  return { results };
}

function runFloors(backend: Backend, config: BenchConfig, options: Options): Floors | string {
  const { lines, failure } = runBenchScript(FLOORS, ['--backend', backend, '--config', config.name], 600_000, options);
  const { payloads, unavailable } = parseLines<Floors>(lines, 'FLOORS');
  if (unavailable !== undefined) return unavailable;
  const floors = payloads[0];
  return failure === undefined && floors !== undefined ? floors : `failed: ${failure ?? 'no FLOORS line'}`;
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = performance.now();
  const loadBefore = loadavg()[0] as number;
  const cores = availableParallelism();
  say(`bptt-lab bench${options.quick ? ' (--quick)' : ''}: node ${process.versions.node}, ${cores} cores (${cpus()[0]?.model ?? 'unknown CPU'}), load average ${loadBefore.toFixed(2)}`);
  if (options.backends.includes('wasm')) say(`wasm: ${options.wasmThreads} thread(s) (--wasm-threads; BPTT_WASM_THREADS in the product, default 1)`);
  if (loadBefore > cores) say(`warning: the machine is busy (load ${loadBefore.toFixed(1)} on ${cores} cores); wall-clock figures will be low and noisy`);

  const torch = options.torch ? torchAvailability(options.torchScript) : ({ available: false, reason: 'skipped (--no-torch)' } as const);
  say(torch.available ? `PyTorch peer: torch ${torch.version}, ${torch.script}` : `PyTorch peer: not run: ${torch.reason}; our figures follow without ratios`);
  const keras = options.keras ? kerasAvailability() : ({ available: false, reason: 'skipped (--no-keras)' } as const);
  say(keras.available ? `Keras peer: ${keras.version}, ${relative(REPO_ROOT, KERAS_SCRIPT)}` : `Keras peer: not run: ${keras.reason}`);

  const allResults: CaseResult[] = [];
  const allTorchResults: TorchResult[] = [];
  const kerasResults: KerasResult[] = [];
  const floors: Floors[] = [];
  const torchFloors: TorchFloors[] = [];
  const skipped: { backend: string; config: string; path: string; reason: string }[] = [];
  const unavailable = new Map<Backend, string>();

  for (let round = 1; round <= options.rounds; round++) {
    if (options.rounds > 1) say(`round ${round} of ${options.rounds}`);
    const firstRound = round === 1;
    for (const config of options.configs) {
      for (const backend of options.backends) {
        const paths = pathsFor(backend, options);
        if (paths.length === 0) continue;
        const reason = unavailable.get(backend);
        if (reason !== undefined) {
          if (firstRound) skipped.push({ backend, config: config.name, path: paths.join(','), reason });
          continue;
        }
        // --quick shares one process per backend (faster start, but peak RSS then covers every path in it).
        const groups = options.quick ? [paths] : paths.map((p) => [p]);
        for (const group of groups) {
          say(`  running ${config.name} ${backend} ${group.join(', ')} ...`);
          const outcome = runChild(backend, config, group, options);
          if ('unavailable' in outcome) {
            unavailable.set(backend, outcome.unavailable);
            say(`  ${backend}: unavailable: ${outcome.unavailable}`);
            skipped.push({ backend, config: config.name, path: group.join(','), reason: outcome.unavailable });
            break;
          }
          if ('failed' in outcome) {
            say(`  ${backend} ${group.join(', ')}: FAILED: ${outcome.failed}`);
            skipped.push({ backend, config: config.name, path: group.join(','), reason: `failed: ${outcome.failed}` });
            continue;
          }
          allResults.push(...outcome.results);
        }
      }
      if (torch.available) {
        for (const clock of ['wall', 'cpu'] as const) {
          for (const mode of TORCH_MODES) {
            say(`  running ${config.name} pytorch ${mode} (${clock === 'wall' ? `${cores} threads, wall clock` : '1 thread, CPU time'}) ...`);
            try {
              allTorchResults.push(runTorchPeer(torch.script, config, mode, clock, {
                steps: options.quick ? 5 : 20,
                warmup: options.quick ? 2 : 3,
                threads: cores,
                timeoutMs: 600_000,
              }));
            } catch (error) {
              say(`  ${error instanceof Error ? error.message : String(error)}`);
            }
          }
        }
      }
      if (keras.available && firstRound) {
        say(`  running ${config.name} keras (${cores} threads, wall clock) ...`);
        try {
          kerasResults.push(runKerasPeer(config, { steps: options.quick ? 5 : 20, warmup: options.quick ? 2 : 3, threads: cores, timeoutMs: 600_000 }));
        } catch (error) {
          say(`  ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      if (options.floors && firstRound) {
        for (const backend of options.backends) {
          if (unavailable.has(backend)) continue;
          say(`  measuring ${config.name} ${backend} floors (dispatch, recurrent matmuls${backend === 'tensorflow' ? ', BlockLSTM kernels' : ''}, loaded RSS) ...`);
          const measured = runFloors(backend, config, options);
          if (typeof measured === 'string') say(`  ${backend} floors: ${measured}`);
          else floors.push(measured);
        }
        if (torch.available) {
          try {
            torchFloors.push(runTorchFloors(config, cores));
          } catch (error) {
            say(`  ${error instanceof Error ? error.message : String(error)}`);
          }
        }
      }
    }
  }

  const results = medianRounds(allResults, (r) => `${r.config.name}/${r.backend}/${r.path}`);
  const torchResults = medianRounds(allTorchResults, (t) => `${t.config}/${t.mode}/${t.clock}`);
  if (options.rounds > 1) {
    say('');
    say(`tokens/s of each round (the tables below show each case's median round):`);
    for (const r of [...results, ...torchResults]) {
      const name = 'path' in r ? `${r.config.name} ${r.backend} / ${r.path}` : `${r.config} pytorch ${r.mode} (${r.clock})`;
      say(`  ${name}: ${r.roundsTokensPerSecond.join(', ')}`);
    }
  }

  say('');
  for (const config of options.configs) {
    const ours = results.filter((r) => r.config.name === config.name);
    if (ours.length === 0) continue;
    say(resultsTable(config, ours, torchResults.filter((t) => t.config === config.name), kerasResults.filter((k) => k.config === config.name)));
    say('');
  }
  say('cpu ms: process CPU time per step (all threads). peak RSS: per process; * = shared by the paths run in one');
  say('process (--quick). kernels/t: kernels per time step (encoder + decoder) in one training step. matmuls W/T/all:');
  say('over all B*T rows at once / with a transposed operand / all, per step. syncs: tensor read-backs per step.');
  say('The wasm kernel fixes in use are listed per result in the JSON (backendDetail).');
  if (skipped.length > 0) {
    say('');
    say(table(['skipped', 'config', 'path', 'why'], skipped.map((s) => [s.backend, s.config, s.path, s.reason])));
  }

  say('\nwhere the time goes (one training step, tf.profile):');
  for (const r of results.filter((x) => x.config.name === options.configs[0]?.name)) {
    say('');
    say(profileTable(r, 8));
  }

  if (floors.length > 0) {
    say('\nfloors: what no implementation on a backend can avoid, measured in this run (floors.ts), as ceilings on tokens/s:');
    for (const config of options.configs) {
      const mine = floors.filter((f) => f.config === config.name);
      if (mine.length === 0) continue;
      say('');
      say(floorsTable(config, mine, torchFloors.find((t) => t.config === config.name), torchResults.filter((t) => t.config === config.name), results));
    }
  }

  const checks = targetChecks(results, torchResults, floors);
  say('');
  say(table(['target', 'measured', 'met'], checks.map((c) => [c.target, c.measured, c.met === undefined ? '?' : c.met ? 'yes' : 'no'])));
  if (torch.available) {
    say('The speed ratios above rest on a few steps per side, timed minutes apart: on a shared host, take the verdicts');
    say('against PyTorch from `npm run bench:paired` (windows back to back, a 95% interval per ratio).');
  }

  const loadAfter = loadavg()[0] as number;
  const report = {
    machine: { node: process.versions.node, cores, cpu: cpus()[0]?.model ?? 'unknown', loadAverageBefore: loadBefore, loadAverageAfter: loadAfter },
    options: { ...options, configs: options.configs.map((c) => c.name) },
    peers: { pytorch: torch, keras },
    results,
    pytorch: torchResults,
    keras: kerasResults,
    floors,
    torchFloors,
    skipped,
    targets: checks,
    seconds: Math.round((performance.now() - startedAt) / 100) / 10,
  };
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, stableStringify(report));
  say(`\nwrote ${options.out} (${report.seconds} s, load average ${loadBefore.toFixed(2)} -> ${loadAfter.toFixed(2)})`);
}

await main();
