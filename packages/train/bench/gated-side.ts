import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

/** What a side reports after each window. */
export interface Window {
  readonly stepMs: readonly number[];
  readonly cpuMsPerStep: number;
  readonly graphSteps?: number;
  readonly steps?: number;
}

/**
 * One side of the paired bench, a process that prints `READY` (warmed up) or `WINDOW {json}` (a window's step
 * times) at each gate and waits there for a line on stdin: `go` runs one more window, anything else ends it.
 * run-case.ts --gate speaks this for our training loop, torch-peer.ts's gate wrapper for the PyTorch peer.
 */
export class GatedSide {
  readonly windows: Window[] = [];
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private stderrTail: string[] = [];
  private exited = false;
  backendLine: string | undefined;

  constructor(
    readonly name: string,
    command: string,
    args: readonly string[],
    options: { readonly cwd: string; readonly env?: Readonly<Record<string, string>> },
  ) {
    this.child = spawn(command, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (line.startsWith('BACKEND ')) this.backendLine = line.slice('BACKEND '.length);
      if (!line.startsWith('READY') && !line.startsWith('WINDOW ')) return;
      if (this.waiting === undefined) this.lines.push(line);
      else this.resolveWith(line);
    });
    createInterface({ input: this.child.stderr }).on('line', (line) => {
      this.stderrTail = [...this.stderrTail, line].slice(-5);
    });
    // 'close', not 'exit': stdout's last lines may still be on their way when the process exits.
    this.child.on('close', () => {
      this.exited = true;
      this.resolveWith(undefined);
    });
  }

  private resolveWith(line: string | undefined): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.(line);
  }

  private async nextGateLine(): Promise<string> {
    const queued = this.lines.shift();
    const line = queued ?? (this.exited ? undefined : await new Promise<string | undefined>((done) => (this.waiting = done)));
    if (line === undefined) throw new Error(`${this.name} ended before its gate: ${this.stderrTail.join(' | ') || 'no stderr'}`);
    return line;
  }

  async ready(): Promise<void> {
    const line = await this.nextGateLine();
    if (line !== 'READY') throw new Error(`${this.name}: expected READY, got '${line.slice(0, 80)}'`);
  }

  async runWindow(): Promise<Window> {
    this.child.stdin.write('go\n');
    const line = await this.nextGateLine();
    if (!line.startsWith('WINDOW ')) throw new Error(`${this.name}: expected WINDOW, got '${line.slice(0, 80)}'`);
    const window = JSON.parse(line.slice('WINDOW '.length)) as Window;
    this.windows.push(window);
    return window;
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      this.child.stdin.end('stop\n');
      await new Promise<void>((done) => (this.exited ? done() : this.child.once('close', () => done())));
    }
  }
}
