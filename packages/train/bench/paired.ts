/**
 * npm run bench:paired [-- --configs reference,larger --windows 15 --window-steps 30 ...]: our training step
 * against the PyTorch peer's, timed in short windows run back to back.
 *
 * Why: on a shared host the speed of the machine drifts by tens of percent over seconds to minutes, and the
 * main bench times each side for well under a second, minutes apart, so one slow phase can decide a ratio. Here
 * every side is one long-lived process, warmed up once, that waits at a gate between windows of K training
 * steps. Each round runs one window of every side in turn (the order rotated from round to round), so a round's
 * windows run within seconds of each other, and each round gives its own ratio: their median step time over ours.
 * The verdict rests on the median of those ratios and its distribution-free 95% interval (paired-stats.ts): faster
 * when the whole interval is above 1.0x, slower when it is below, otherwise parity within this host's noise.
 *
 * Sides: ours (run-case.ts --gate, @bptt/train's own loop, default backend tensorflow, path product) and the PyTorch
 * peer (../shared/bench/torch_seq2seq.py, unchanged, behind the gate in torch-peer.ts), nn.LSTM and the LSTMCell
 * loop, both with one thread per core as in the main bench. Peak memory is the main bench's business.
 *
 * Options:
 *   --configs a,b        reference, larger (default both)
 *   --backend b          our backend: tensorflow (default), wasm or cpu
 *   --paths a,b          our paths (default product)
 *   --variant ENV=V,...  also run each of our paths with these environment variables (repeatable), each compared
 *                        with the plain path as well as with the peers: an A/B of a setting, e.g.
 *                        --variant TF_NUM_INTRAOP_THREADS=2
 *   --peers a,b          fused (nn.LSTM), cell (LSTMCell loop) (default both)
 *   --windows N          rounds (default 15: the smallest count whose 95% interval leaves out three rounds a side)
 *   --lives L            fresh processes for every side L times, the rounds split between them (default 5): a
 *                        process keeps a speed of its own for its whole life (six launches of the PyTorch peer
 *                        in a row, quiet host: nn.LSTM's median step 20.9 to 38.8 ms; five of ours: 21.7 to
 *                        28.3 ms), so no one process decides a verdict
 *   --window-steps K     training steps per window (default 30)
 *   --warmup N           untimed steps before the first window (default 5: our first steps trace graphs)
 *   --torch-script <p>   the peer (default ../shared/bench/torch_seq2seq.py from the repository root)
 *   --out <file>         JSON (default artifacts/bench/paired-results.json)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stableStringify } from '@bptt/data';
import { optionReader } from './cli-options.ts';
import { BENCH_CONFIGS, benchConfig, type BenchConfig } from './configs.ts';
import { BENCH_PATHS, type BenchPath } from './cases.ts';
import { GatedSide, type Window } from './gated-side.ts';
import { median } from './measure.ts';
import { comparePaired, roundOrder, roundsPerLife, type PairedComparison } from './paired-stats.ts';
import { table } from './report.ts';
import { defaultTorchScript, gatedTorchCommand, torchAvailability, TORCH_MODES, type TorchMode } from './torch-peer.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');
const RUN_CASE = resolve(import.meta.dirname, 'run-case.ts');
const OUR_BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
// Between two windows: long enough for the threads of the side that just ran to stop spinning and sleep
// (libgomp's and our own spin budgets are well under this), short against a window.
const SETTLE_MS = 100;

interface Options {
  readonly configs: readonly BenchConfig[];
  readonly backend: (typeof OUR_BACKENDS)[number];
  readonly paths: readonly BenchPath[];
  readonly variants: readonly Readonly<Record<string, string>>[];
  readonly peers: readonly TorchMode[];
  readonly windows: number;
  readonly lives: number;
  readonly windowSteps: number;
  readonly warmup: number;
  readonly torchScript: string;
  readonly out: string;
}

function parseOptions(argv: readonly string[]): Options {
  const known = new Set(['configs', 'backend', 'paths', 'variant', 'peers', 'windows', 'lives', 'window-steps', 'warmup', 'torch-script', 'out']);
  for (let i = 0; i < argv.length; i += 2) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--') || !known.has(arg.slice(2))) throw new Error(`bench:paired: unknown option '${arg}' (see the top of packages/train/bench/paired.ts)`);
    if (argv[i + 1] === undefined || (argv[i + 1] as string).startsWith('--')) throw new Error(`bench:paired: ${arg} needs a value`);
  }
  const { value, list, count } = optionReader(argv, 'bench:paired');
  const variants = argv.flatMap((arg, i) => (arg === '--variant' ? [parseVariant(argv[i + 1] as string)] : []));
  const backends = list('backend', OUR_BACKENDS, ['tensorflow']);
  if (backends.length !== 1) throw new Error(`bench:paired: --backend takes one backend, got '${backends.join(',')}'`);
  const windows = count('windows', 15, 1);
  const lives = count('lives', 5, 1);
  if (lives > windows) throw new Error(`bench:paired: --lives ${lives} exceeds --windows ${windows} (each set of processes runs at least one round)`);
  return {
    configs: list('configs', BENCH_CONFIGS.map((c) => c.name), BENCH_CONFIGS.map((c) => c.name)).map(benchConfig),
    backend: backends[0] as Options['backend'],
    paths: list('paths', BENCH_PATHS, ['product']),
    variants,
    peers: list('peers', TORCH_MODES, TORCH_MODES),
    windows,
    lives,
    windowSteps: count('window-steps', 30, 1),
    warmup: count('warmup', 5, 1),
    torchScript: resolve(value('torch-script') ?? defaultTorchScript(REPO_ROOT)),
    out: resolve(value('out') ?? resolve(REPO_ROOT, 'artifacts', 'bench', 'paired-results.json')),
  };
}

function parseVariant(raw: string): Record<string, string> {
  const variant: Record<string, string> = {};
  for (const item of raw.split(',')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(item);
    if (match === null) throw new Error(`bench:paired: --variant wants NAME=value[,NAME=value], got '${item}'`);
    variant[match[1] as string] = match[2] as string;
  }
  return variant;
}

/** Linux's CPU time counters (/proc/stat, all CPUs): total and stolen (the hypervisor ran someone else). */
function cpuTicks(): { total: number; steal: number } | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  return { total: fields.slice(0, 8).reduce((a, b) => a + b, 0), steal: fields[7] ?? 0 };
}

function stealShare(before: ReturnType<typeof cpuTicks>, after: ReturnType<typeof cpuTicks>): number | undefined {
  if (before === undefined || after === undefined || after.total === before.total) return undefined;
  return (after.steal - before.steal) / (after.total - before.total);
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

const tokensPerSecond = (config: BenchConfig, stepMs: number) => Math.round((config.B * config.T) / (stepMs / 1000));

interface SideSummary {
  readonly side: string;
  readonly windowMedianMs: readonly number[];
  readonly medianTokensPerSecond: number;
  readonly cpuMsPerStep: number;
  /** Median share of the machine's CPU time the hypervisor stole during this side's windows (undefined: unknown). */
  readonly stealShare: number | undefined;
}

interface ConfigOutcome {
  readonly config: BenchConfig['name'];
  readonly backendDetail: string | undefined;
  readonly sides: readonly SideSummary[];
  readonly comparisons: readonly ({ readonly ours: string; readonly theirs: string } & PairedComparison)[];
  readonly graphSteps: Record<string, string>;
}

async function runConfig(config: BenchConfig, options: Options, torchScript: string): Promise<ConfigOutcome> {
  const threads = availableParallelism();
  const ourSides = options.paths.flatMap((path) =>
    [{}, ...options.variants].map((env: Readonly<Record<string, string>>) => {
      const setting = Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ');
      return [
        `${options.backend} / ${path}${setting === '' ? '' : ` [${setting}]`}`,
        process.execPath,
        ['--conditions=@bptt/source', '--import', 'tsx', RUN_CASE, '--backend', options.backend, '--config', config.name, '--paths', path, '--warmup', String(options.warmup), '--gate', String(options.windowSteps), '--windows', String(roundsPerLife(options, 0))],
        env,
      ] as const;
    }),
  );
  const peerSides = options.peers.map((mode) => {
    const { command, args } = gatedTorchCommand(torchScript, config, mode, { windowSteps: options.windowSteps, windows: roundsPerLife(options, 0), warmup: options.warmup, threads });
    return [mode === 'fused' ? 'pytorch nn.LSTM' : 'pytorch LSTMCell loop', command, args, {}] as const;
  });
  const all = [...ourSides, ...peerSides];
  const windows = new Map<string, Window[]>(all.map(([name]) => [name, []]));
  const steal = new Map<string, number[]>();
  let backendLine: string | undefined;
  let round = 0;
  for (let life = 0; life < options.lives; life++) {
    const sides: GatedSide[] = [];
    try {
      // One at a time, so no side warms up (or traces its graphs) while another is timed.
      for (const [name, command, args, env] of all) {
        say(`  ${config.name}, processes ${life + 1}/${options.lives}: starting ${name} ...`);
        const side = new GatedSide(name, command, args, { cwd: REPO_ROOT, env });
        sides.push(side);
        await side.ready();
      }
      backendLine ??= sides[0]?.backendLine;
      for (let k = 0; k < roundsPerLife(options, life); k++, round++) {
        const figures: string[] = [];
        for (const side of roundOrder(sides, round)) {
          const before = cpuTicks();
          const window = await side.runWindow();
          const share = stealShare(before, cpuTicks());
          if (share !== undefined) steal.set(side.name, [...(steal.get(side.name) ?? []), share]);
          windows.get(side.name)?.push(window);
          figures.push(`${side.name} ${median(window.stepMs).toFixed(1)} ms`);
          await sleep(SETTLE_MS);
        }
        say(`  ${config.name} round ${round + 1}/${options.windows}: ${figures.join(', ')}`);
      }
    } finally {
      await Promise.all(sides.map((side) => side.stop()));
    }
  }
  const summaries = all.map(([name]): SideSummary => {
    const mine = windows.get(name) ?? [];
    const windowMedianMs = mine.map((w) => median(w.stepMs));
    const stolen = steal.get(name);
    return {
      side: name,
      windowMedianMs,
      medianTokensPerSecond: tokensPerSecond(config, median(windowMedianMs)),
      cpuMsPerStep: median(mine.map((w) => w.cpuMsPerStep)),
      stealShare: stolen === undefined ? undefined : median(stolen),
    };
  });
  const ours = summaries.slice(0, ourSides.length);
  const theirs = summaries.slice(ourSides.length);
  // Each variant also against its plain path (the first of each group of 1 + variants sides).
  const group = 1 + options.variants.length;
  const againstPlain = ours.flatMap((o, k) => (k % group === 0 ? [] : [[o, ours[k - (k % group)] as SideSummary] as const]));
  const comparisons = [...ours.flatMap((o) => theirs.map((t) => [o, t] as const)), ...againstPlain].map(([o, t]) => ({ ours: o.side, theirs: t.side, ...comparePaired(o.windowMedianMs, t.windowMedianMs) }));
  const graphSteps = Object.fromEntries(
    ourSides.map(([name]) => {
      const last = windows.get(name)?.at(-1);
      return [name, last?.graphSteps === undefined ? 'n/a' : `${last.graphSteps}/${last.steps} (last process)`];
    }),
  );
  return { config: config.name, backendDetail: backendLine, sides: summaries, comparisons, graphSteps };
}

function report(config: BenchConfig, outcome: ConfigOutcome, options: Options): void {
  say('');
  say(`${config.name} (B ${config.B}, H ${config.H}, E ${config.E}, V ${config.V}, T ${config.T}): ${options.windows} rounds of ${options.windowSteps} steps a side, ${options.lives} set(s) of processes`);
  say(
    table(
      ['side', 'tokens/s (median window)', 'cpu ms/step', 'steal', 'window medians, ms (first 8)'],
      outcome.sides.map((s) => [
        s.side,
        String(s.medianTokensPerSecond),
        s.cpuMsPerStep.toFixed(1),
        s.stealShare === undefined ? '?' : `${(100 * s.stealShare).toFixed(1)}%`,
        s.windowMedianMs.slice(0, 8).map((ms) => ms.toFixed(1)).join(' '),
      ]),
    ),
  );
  say('');
  say(
    table(
      ['ours', 'x theirs', 'median round ratio', '95% interval', 'rounds ours faster', 'sign test p', 'verdict'],
      outcome.comparisons.map((c) => [
        c.ours,
        c.theirs,
        `${c.median.toFixed(2)}x`,
        c.interval === undefined ? 'too few rounds' : `${c.interval.low.toFixed(2)}-${c.interval.high.toFixed(2)}x`,
        `${c.wins}/${c.ratios.length}`,
        c.signTestP < 0.001 ? '<0.001' : c.signTestP.toFixed(3),
        c.verdict,
      ]),
    ),
  );
  say(`graph steps (ours, of all steps trained): ${Object.entries(outcome.graphSteps).map(([k, v]) => `${k} ${v}`).join(', ')}`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = performance.now();
  const loadBefore = loadavg()[0] as number;
  say(`bptt-lab paired bench: node ${process.versions.node}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), load average ${loadBefore.toFixed(2)}`);
  const torch = torchAvailability(options.torchScript);
  say(torch.available ? `PyTorch peer: torch ${torch.version}, ${torch.script}` : `PyTorch peer: not run: ${torch.reason}; nothing to pair with`);
  if (!torch.available) process.exit(2);
  const outcomes: ConfigOutcome[] = [];
  for (const config of options.configs) {
    const outcome = await runConfig(config, options, torch.script);
    outcomes.push(outcome);
    report(config, outcome, options);
  }
  say('');
  say('ratio: their median step time over ours in one round (> 1: ours faster). 95% interval: of the median ratio,');
  say('from order statistics (distribution-free). verdict: faster / slower when the interval lies above / below 1.0x.');
  say("cpu ms/step: the side's process CPU time per step (all its threads). steal: the median share of the machine's CPU");
  say('time the hypervisor gave to other guests during the side\'s windows (/proc/stat); a busy host slows the sides unevenly.');
  const loadAfter = loadavg()[0] as number;
  const json = {
    machine: { node: process.versions.node, cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', loadAverageBefore: loadBefore, loadAverageAfter: loadAfter },
    options: { ...options, configs: options.configs.map((c) => c.name) },
    pytorch: torch.version,
    outcomes,
    seconds: Math.round((performance.now() - startedAt) / 100) / 10,
  };
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, stableStringify(json));
  say(`\nwrote ${options.out} (${json.seconds} s, load average ${loadBefore.toFixed(2)} -> ${loadAfter.toFixed(2)})`);
}

await main();
