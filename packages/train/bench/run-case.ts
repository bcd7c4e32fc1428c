/**
 * One benchmark process: starts one backend, then for each requested path trains a fresh model for
 * warmup + steps optimizer steps with @bptt/train's own training loop (trainSeq2Seq: batch creation, forward,
 * backward, Adam, loss read-back) and times every step; then profiles one more step. Prints one
 * `RESULT {json}` line per path. main.ts runs one path per process so that peak RSS belongs to that path.
 *
 *   node --conditions=@bptt/source --import tsx packages/train/bench/run-case.ts \
 *     --backend wasm --config reference --paths product,fused-cell --warmup 3 --steps 10 [--max-seconds 60]
 *
 * Timing stops once --max-seconds are spent (keeping at least two timed steps). With `--gate K --windows N` it
 * instead times windows of K steps when paired.ts says so (runGatedPath).
 */
import { readSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@bptt/data';
import {
  BackendUnavailableError,
  fusedRecurrenceFromEnv,
  makeSeq2SeqBatch,
  nativeGraphStepsFromEnv,
  nativeStepKernelsFromEnv,
  Seq2SeqModel,
  setFusedRecurrence,
  setNativeGraphSteps,
  setNativeStepKernels,
  type BackendName,
  type Seq2SeqForwardOptions,
  type TrainableSeq2Seq,
} from '@bptt/models';
import {
  clipGradients,
  createOptimizer,
  lossAndGradients,
  parseTrainConfig,
  trainSeq2Seq,
  type OnProgress,
  type Seq2SeqSplit,
} from '@bptt/train';
import { BenchSeq2Seq } from './bench-seq2seq.ts';
import { optionReader } from './cli-options.ts';
import { benchConfig, type BenchConfig } from './configs.ts';
import { BENCH_PATHS, type BenchPath, type CaseResult, type Levers } from './cases.ts';
import { median, profileStep, round } from './measure.ts';
import { startBackend } from './setup-backend.ts';

const SEED = 0;
const PRODUCT_MODEL = '@bptt/models Seq2SeqModel (lstm, 1 layer, no attention, no dropout)';

function trainConfig(config: BenchConfig, steps: number) {
  return parseTrainConfig({
    seed: SEED,
    batchSize: config.B,
    epochs: 1,
    maxSteps: steps,
    optimizer: { type: 'adam', lr: 1e-3 },
    // The PyTorch peer neither clips nor evaluates; neither do we, so the step is the same work.
    clip: { mode: 'none' },
    teacherForcing: { type: 'constant', ratio: 1 },
    evalEvery: steps,
    diagnostics: { every: 0 },
  });
}

/** Random tokens (ids 4..V-1: PAD, BOS, EOS, UNK excluded) sized so batching gives exactly T steps each side. */
function randomSplit(config: BenchConfig, examples: number): Seq2SeqSplit {
  const rng = createRng(`bench:${config.name}`);
  const sequence = () => Array.from({ length: config.T - 1 }, () => rng.int(4, config.V - 1));
  // Batching appends EOS to the source (S = T) and BOS/EOS around the target (T decoder steps).
  return { source: Array.from({ length: examples }, sequence), target: Array.from({ length: examples }, sequence) };
}

function buildModel(path: BenchPath, config: BenchConfig): { model: TrainableSeq2Seq & { dispose(): void }; description: string } {
  if (path === 'product' || path === 'product-eager' || path === 'product-steps' || path === 'product-composed' || path === 'product-stepwise') {
    const model = new Seq2SeqModel({
      config: { cell: 'lstm', embeddingDim: config.E, hiddenDim: config.H, layers: 1, attention: 'none' },
      sourceVocabSize: config.V,
      targetVocabSize: config.V,
      seed: SEED,
    });
    const setting = {
      product: '',
      'product-eager': ', BPTT_NATIVE_GRAPH=off',
      'product-steps': ', BPTT_NATIVE_STEP_KERNELS=steps',
      'product-composed': ', BPTT_NATIVE_STEP_KERNELS=off',
      'product-stepwise': ', BPTT_FUSED_RECURRENCE=off',
    }[path];
    return { model, description: `${PRODUCT_MODEL}${setting}` };
  }
  const model = new BenchSeq2Seq({ hidden: config.H, embedding: config.E, vocab: config.V }, path, SEED);
  return { model, description: `bench-seq2seq.ts, recurrent path '${path}'` };
}

function declaredLevers(path: BenchPath, backend: BackendName): Pick<Levers, 'fusedGates' | 'inputProjection'> {
  switch (path) {
    case 'product':
    case 'product-steps':
    case 'product-composed':
      // On native, a graph with the recurrence as one step-kernels kernel each way per layer (product, where built),
      // or step by step: one kernel each way per step (product-steps), or composed gate ops forward and
      // LSTMBlockCellGrad backward (product-composed).
      return { fusedGates: true, inputProjection: 'one matmul for all steps' };
    case 'product-eager':
      return backend === 'tensorflow'
        ? { fusedGates: true, inputProjection: 'inside BlockLSTMV2, whole sequence' }
        : { fusedGates: true, inputProjection: 'one matmul for all steps' };
    case 'product-stepwise':
      return { fusedGates: true, inputProjection: 'one matmul for all steps' };
    case 'unrolled':
      return { fusedGates: false, inputProjection: 'one matmul for all steps' };
    case 'fused-cell':
      return backend === 'tensorflow'
        ? { fusedGates: true, inputProjection: 'inside LSTMBlockCell, per step' }
        : { fusedGates: true, inputProjection: 'one matmul for all steps' };
    case 'fused-sequence':
      return backend === 'tensorflow'
        ? { fusedGates: true, inputProjection: 'inside BlockLSTMV2, whole sequence' }
        : { fusedGates: true, inputProjection: 'one matmul for all steps' };
  }
}

async function runPath(backend: BackendName, backendDetail: string, config: BenchConfig, path: BenchPath, warmup: number, steps: number, maxSeconds: number, rssScope: 'path' | 'process'): Promise<CaseResult> {
  const total = warmup + steps;
  const train = randomSplit(config, config.B * (total + 2));
  const { model, description } = buildModel(path, config);
  try {
    // Timed: @bptt/train's loop, exactly as a training run uses it; a step ends when its progress event fires.
    const stamps: number[] = [];
    const cpuStamps: number[] = [];
    const losses: number[] = [];
    const cpuStarted = processCpuMs();
    const deadline = performance.now() + maxSeconds * 1000;
    const started = performance.now();
    let warm = warmup;
    let execution: CaseResult['execution'];
    const counted = (graph: { graphCalls: number; eagerCalls: number; disabledBecause?: string } | undefined) => {
      if (graph !== undefined) execution = { graphSteps: graph.graphCalls, eagerSteps: graph.eagerCalls, ...(graph.disabledBecause === undefined ? {} : { disabledBecause: graph.disabledBecause }) };
    };
    await trainUntilStopped(model, config, total, train, (event) => {
      const now = performance.now();
      counted(event.execution?.nativeGraph);
      stamps.push(now);
      cpuStamps.push(processCpuMs());
      losses.push(event.loss);
      // A slow backend (cpu on the larger config) gets one warm-up step and fewer timed steps rather than a run
      // of many minutes: when the first step alone takes a sixth of the budget, and when the budget is spent.
      if (stamps.length === 1 && now - started > (maxSeconds * 1000) / 6) warm = Math.min(warm, 1);
      if (now > deadline && stamps.length >= warm + 2) throw new StopTiming();
    });
    const stepMs = stamps.map((t, k) => round(t - (k === 0 ? started : (stamps[k - 1] as number)), 2)).slice(warm);
    const medianMs = median(stepMs);
    const cpuStepMs = cpuStamps.map((t, k) => t - (k === 0 ? cpuStarted : (cpuStamps[k - 1] as number))).slice(warm);

    // Read before the profiled step below, which is the bench's own work (a fresh optimizer, an op-by-op step):
    // the PyTorch peer's peak likewise covers its training steps only.
    const peakRssMiB = round(process.resourceUsage().maxRSS / 1024, 1);

    // Profiled: one more step composed from the same @bptt/train pieces the loop calls, in the same order.
    const parsed = trainConfig(config, 1);
    const optimizer = createOptimizer(parsed.optimizer, model.trainableVariables);
    const indices = Array.from({ length: config.B }, (_, i) => i);
    const options: Seq2SeqForwardOptions = { training: true, teacherForcing: { ratio: 1 } };
    const step = () => {
      const batch = makeSeq2SeqBatch(train, indices);
      const { loss, grads } = lossAndGradients(model.trainableVariables, () => model.forward(batch, options).loss);
      loss.dataSync(); // the loop reads every step's loss
      const clip = clipGradients(grads, parsed.clip);
      optimizer.apply(clip.grads, parsed.optimizer.lr);
      tf.dispose([loss, ...grads, ...clip.grads, ...(Object.values(batch) as tf.Tensor[])]);
    };
    // Not warmed separately: the profiled step includes this fresh optimizer creating Adam's moment estimates
    // (two zerosLike per weight, a few dozen tiny kernels), which is cheaper than one more training step.
    const profile = await profileStep(step, config.B * config.T);
    const timeSteps = 2 * config.T;
    return {
      backend,
      backendDetail,
      config,
      path,
      model: description,
      warmup: warm,
      stepMs,
      medianMs,
      medianCpuMs: round(median(cpuStepMs), 2),
      tokensPerSecond: Math.round((config.B * config.T) / (medianMs / 1000)),
      firstLoss: round(losses[0] ?? Number.NaN, 4),
      lastLoss: round(losses[losses.length - 1] ?? Number.NaN, 4),
      peakRssMiB,
      rssScope,
      levers: {
        ...declaredLevers(path, backend),
        kernelsPerTimeStep: round(profile.kernels / timeSteps, 1),
        matMulsPerStep: profile.matMuls,
        transposedMatMulsPerStep: profile.transposedMatMuls,
        matMulsOverAllTimeSteps: profile.wideMatMuls,
        syncsPerStep: profile.syncs,
      },
      ...(execution === undefined ? {} : { execution }),
      profile,
    };
  } finally {
    model.dispose();
  }
}

class StopTiming extends Error {}

function processCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** @bptt/train's loop for `total` steps, as a training run uses it, until done or onProgress throws StopTiming. */
async function trainUntilStopped(model: TrainableSeq2Seq, config: BenchConfig, total: number, train: Seq2SeqSplit, onProgress: OnProgress): Promise<void> {
  await trainSeq2Seq({ model, config: trainConfig(config, total), data: { train }, onProgress }).catch((error: unknown) => {
    if (!(error instanceof StopTiming)) throw error;
  });
}

function applyPathSettings(path: BenchPath): void {
  // product-stepwise forces the per-step route; every other path runs as the user's environment says.
  setFusedRecurrence(path === 'product-stepwise' ? 'off' : fusedRecurrenceFromEnv());
  setNativeGraphSteps(path === 'product-eager' ? 'off' : nativeGraphStepsFromEnv());
  setNativeStepKernels(path === 'product-composed' ? 'off' : path === 'product-steps' ? 'steps' : nativeStepKernelsFromEnv());
}

/** One line from stdin, read synchronously (the gate holds the training loop still until it arrives). */
function readLineSync(): string {
  const byte = Buffer.alloc(1);
  let line = '';
  for (;;) {
    let n: number;
    try {
      n = readSync(0, byte, 0, 1, null);
    } catch (error) {
      // A non-blocking stdin has nothing yet: wait a millisecond, off the CPU, and try again.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      continue;
    }
    if (n === 0 || byte[0] === 0x0a) return line;
    line += String.fromCharCode(byte[0] as number);
  }
}

/**
 * `--gate K --windows N`: this process's side of the paired bench (paired.ts). After the warm-up it prints `READY`
 * and, after every K timed steps, `WINDOW {json}` (those steps' wall and CPU times), each time waiting for a line on
 * stdin: `go` runs the next window, anything else ends the run. A step's time starts when the gate opens, so the
 * waiting is never timed.
 */
async function runGatedPath(config: BenchConfig, path: BenchPath, warmup: number, windowSteps: number, windows: number): Promise<void> {
  const total = warmup + windowSteps * windows;
  const train = randomSplit(config, config.B * (total + 2));
  const { model } = buildModel(path, config);
  let stepsDone = 0;
  let stepMs: number[] = [];
  let last = 0;
  let cpuAtGate = processCpuMs();
  let graphSteps = 0;
  const openGate = (line: string): void => {
    process.stdout.write(`${line}\n`);
    if (readLineSync().trim() !== 'go') throw new StopTiming();
    cpuAtGate = processCpuMs();
  };
  try {
    if (warmup === 0) openGate('READY');
    last = performance.now();
    await trainUntilStopped(model, config, total, train, (event) => {
      const now = performance.now();
      graphSteps = event.execution?.nativeGraph?.graphCalls ?? 0;
      stepsDone++;
      if (stepsDone > warmup) stepMs.push(round(now - last, 3));
      if (stepsDone === warmup) openGate('READY');
      else if (stepsDone > warmup && (stepsDone - warmup) % windowSteps === 0) {
        const window = { stepMs, cpuMsPerStep: round((processCpuMs() - cpuAtGate) / windowSteps, 3), graphSteps, steps: stepsDone };
        stepMs = [];
        openGate(`WINDOW ${JSON.stringify(window)}`);
      }
      last = performance.now();
    });
  } finally {
    model.dispose();
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const { value, count } = optionReader(argv, 'run-case');
  const backend = value('backend') as BackendName | undefined;
  if (backend === undefined || !['tensorflow', 'wasm', 'cpu'].includes(backend)) {
    throw new Error(`run-case: --backend must be tensorflow, wasm or cpu, got '${backend ?? ''}'`);
  }
  const config = benchConfig(value('config') ?? 'reference');
  const paths = (value('paths') ?? 'product').split(',') as BenchPath[];
  for (const path of paths) {
    if (!(BENCH_PATHS as readonly string[]).includes(path)) throw new Error(`run-case: unknown path '${path}' (expected ${BENCH_PATHS.join(', ')})`);
  }
  const warmup = count('warmup', 3);
  const steps = count('steps', 10, 1);
  const maxSeconds = count('max-seconds', 120);
  const gate = count('gate', 0);
  if (gate > 0 && paths.length !== 1) throw new Error(`run-case: --gate runs one path, got '${paths.join(',')}'`);

  let started: Awaited<ReturnType<typeof startBackend>>;
  try {
    started = await startBackend(backend);
  } catch (error) {
    // main.ts reads this line to report the backend as unavailable rather than failed.
    if (error instanceof BackendUnavailableError) {
      process.stdout.write(`UNAVAILABLE ${error.detail}\n`);
      process.exit(3);
    }
    throw error;
  }
  const info = started;
  const detail =
    info.wasm !== undefined
      ? `wasm simd=${info.wasm.simd} threads=${info.wasm.threads}; kernel fixes: ${info.wasm.kernelFixes.join('; ')}`
      : info.native !== undefined
        ? `${info.name} ${info.versions.backend}; intra-op threads=${info.native.intraOpThreads}`
        : `${info.name} ${info.versions.backend}`;
  if (gate > 0) {
    const path = paths[0] as BenchPath;
    applyPathSettings(path);
    process.stdout.write(`BACKEND ${JSON.stringify({ backend, detail })}\n`);
    await runGatedPath(config, path, warmup, gate, count('windows', 1, 1));
    return;
  }
  for (const path of paths) {
    applyPathSettings(path);
    const result = await runPath(backend, detail, config, path, warmup, steps, maxSeconds, paths.length === 1 ? 'path' : 'process');
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  }
}

await main(process.argv.slice(2));
