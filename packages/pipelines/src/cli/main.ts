/**
 * `bptt`: the one command every stage runs through, plus the metric tools shaped like sacreBLEU's CLI.
 *
 *   bptt stage <stage> <declaration.ts> [--config-hash H] [--backend auto|tensorflow|wasm|cpu]
 *   bptt bleu REF_FILE [REF_FILE...] < HYP_FILE [--tokenize 13a|none] [--smooth-method ...] [-lc] [--format json]
 *   bptt edit-distance HYP_FILE REF_FILE [--format json]
 *   bptt why <project>:<target>
 *   bptt backend [--backend ...]
 */
import { readFileSync } from 'node:fs';
import { runCli } from './run-cli.ts';

const workspaceRoot = process.env['BPTT_WORKSPACE_ROOT'] ?? process.cwd();
const readStdin = (): string => (process.stdin.isTTY ? '' : readFileSync(0, 'utf8'));

runCli(process.argv.slice(2), { workspaceRoot, readStdin }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bptt: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 70;
  },
);
