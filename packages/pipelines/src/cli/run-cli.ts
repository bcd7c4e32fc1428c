/** Command dispatch for `bptt`; returns the exit code instead of exiting, so tests can drive it. */
import { Cause, Effect, Exit, Layer } from 'effect';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as NodeFileSystem from '@effect/platform-node/NodeFileSystem';
import { runBleuCommand, runEditDistanceCommand } from '@bptt/metrics';
import { backendChoiceFrom, tensorBackendLayer } from '../framework/backend.ts';
import { progressLayer } from '../framework/progress.ts';
import { runStage } from '../framework/stage.ts';
import { STAGES } from '../stages/index.ts';
import { parseArgs, stringFlag } from './args.ts';
import { explainRerun } from './why.ts';

export interface CliEnvironment {
  readonly workspaceRoot: string;
  readonly readStdin: () => string;
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
}

const USAGE = `usage:
  bptt stage <stage> <declaration.ts> [--config-hash H] [--backend auto|tensorflow|wasm|cpu]
  bptt bleu REF_FILE [REF_FILE...] < HYP_FILE [--tokenize 13a|none] [--smooth-method exp|floor|add-k|none] [--smooth-value V] [-lc] [--format json]
  bptt edit-distance HYP_FILE REF_FILE [--format json]
  bptt why <project>:<target>
  bptt backend [--backend auto|tensorflow|wasm|cpu]
`;

export async function runCli(argv: readonly string[], env: CliEnvironment): Promise<number> {
  const out = env.stdout ?? ((text: string) => process.stdout.write(text));
  const err = env.stderr ?? ((text: string) => process.stderr.write(text));
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'stage':
        return await stageCommand(rest, env, err);
      case 'bleu':
      case 'edit-distance': {
        const io = { stdin: command === 'bleu' ? env.readStdin() : '', readFile: (path: string) => readText(env.workspaceRoot, path) };
        const result = command === 'bleu' ? runBleuCommand([...rest], io) : runEditDistanceCommand([...rest], io);
        if (result.stdout) out(result.stdout);
        if (result.stderr) err(result.stderr);
        return result.exitCode;
      }
      case 'why': {
        const [task] = rest;
        if (!task) throw new Error('bptt why needs <project>:<target>');
        out(await explainRerun(env.workspaceRoot, task));
        return 0;
      }
      case 'backend': {
        const { initBackend } = await import('@bptt/models');
        const info = await initBackend(backendChoiceFrom(stringFlag(parseArgs(rest), 'backend')));
        out(`${JSON.stringify(info, null, 2)}\n`);
        return 0;
      }
      case undefined:
      case '--help':
      case 'help':
        out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        err(`bptt: unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    err(`bptt: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

async function stageCommand(argv: readonly string[], env: CliEnvironment, err: (text: string) => void): Promise<number> {
  const args = parseArgs(argv);
  const [stageName, file] = args.positionals;
  if (!stageName || !file) throw new Error(`bptt stage needs <stage> <declaration.ts>\n${USAGE}`);
  const load = STAGES[stageName as keyof typeof STAGES];
  if (!load) throw new Error(`unknown stage "${stageName}" (stages: ${Object.keys(STAGES).join(', ')})`);
  const definition = await load();
  const choice = backendChoiceFrom(stringFlag(args, 'backend'));
  const expectedHash = stringFlag(args, 'config-hash');
  const program = runStage(definition, { workspaceRoot: env.workspaceRoot, file, ...(expectedHash ? { expectedHash } : {}) }).pipe(
    Effect.provide(Layer.mergeAll(NodeFileSystem.layer, progressLayer(), tensorBackendLayer(choice))),
  );
  const exit = await Effect.runPromiseExit(program);
  if (Exit.isSuccess(exit)) {
    err(`bptt: ${stageName} ${file}: wrote ${exit.value.files} files to ${exit.value.outputDir}\n`);
    return 0;
  }
  const failure = Cause.findErrorOption(exit.cause);
  if (failure._tag === 'Some') {
    err(`bptt: ${stageName} failed\n${failure.value.message}\n`);
    const cause = (failure.value as { cause?: unknown }).cause;
    if (cause instanceof Error && process.env['BPTT_DEBUG']) err(`${cause.stack}\n`);
  } else {
    err(`bptt: ${stageName} failed\n${Cause.prettyErrors(exit.cause).map((e) => e.stack ?? e.message).join("\n")}\n`);
  }
  return 1;
}

function readText(workspaceRoot: string, path: string): string {
  return readFileSync(resolve(workspaceRoot, path), 'utf8');
}
