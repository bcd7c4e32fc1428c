/**
 * Progress of a long stage: a live bar on a terminal, plain periodic lines in CI and logs.
 */
import { Context, Layer } from 'effect';

export interface ProgressUpdate {
  readonly done: number;
  readonly total: number;
  /** Short metrics to show next to the bar, e.g. { loss: 1.23, 'tok/s': 5400 }. */
  readonly metrics?: Readonly<Record<string, number | string>>;
}

export interface ProgressReporter {
  start(label: string, total: number): void;
  update(update: ProgressUpdate): void;
  finish(summary?: string): void;
}

export class Progress extends Context.Service<Progress, ProgressReporter>()('bptt/Progress') {}

function formatMetrics(metrics: ProgressUpdate['metrics']): string {
  if (!metrics) return '';
  return Object.entries(metrics)
    .map(([key, value]) => `${key}=${typeof value === 'number' ? formatNumber(value) : value}`)
    .join(' ');
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toPrecision(4);
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}

/** A redrawn single-line bar, for interactive terminals. */
export function terminalProgress(stream: NodeJS.WriteStream, now: () => number = Date.now): ProgressReporter {
  let label = '';
  let startedAt = 0;
  let lastDraw = 0;
  return {
    start(l, total) {
      label = l;
      startedAt = now();
      stream.write(`${label}: 0/${total}\n`);
    },
    update({ done, total, metrics }) {
      const t = now();
      if (t - lastDraw < 100 && done < total) return;
      lastDraw = t;
      const width = 24;
      const filled = total > 0 ? Math.round((width * done) / total) : 0;
      const elapsed = (t - startedAt) / 1000;
      const eta = done > 0 ? (elapsed * (total - done)) / done : Number.NaN;
      const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${formatMetrics(metrics)} eta ${formatDuration(eta)}`;
      stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 120) - 1)}`);
    },
    finish(summary) {
      stream.write(`\r\x1b[2K${label}: done in ${formatDuration((now() - startedAt) / 1000)}${summary ? ` (${summary})` : ''}\n`);
    },
  };
}

/** Plain lines every `intervalMs` (and at the end), for CI logs and Nx's captured output. */
export function lineProgress(write: (line: string) => void, intervalMs = 10_000, now: () => number = Date.now): ProgressReporter {
  let label = '';
  let startedAt = 0;
  let lastLine = 0;
  return {
    start(l, total) {
      label = l;
      startedAt = now();
      lastLine = startedAt;
      write(`${label}: starting (${total} steps)`);
    },
    update({ done, total, metrics }) {
      const t = now();
      if (t - lastLine < intervalMs) return;
      lastLine = t;
      const percent = total > 0 ? Math.floor((100 * done) / total) : 0;
      write(`${label}: ${done}/${total} (${percent}%) ${formatMetrics(metrics)} elapsed ${formatDuration((t - startedAt) / 1000)}`);
    },
    finish(summary) {
      write(`${label}: done in ${formatDuration((now() - startedAt) / 1000)}${summary ? ` (${summary})` : ''}`);
    },
  };
}

export function progressLayer(): Layer.Layer<Progress> {
  const interactive = process.stderr.isTTY === true && !process.env['CI'];
  const reporter = interactive ? terminalProgress(process.stderr) : lineProgress((line) => process.stderr.write(`${line}\n`));
  return Layer.succeed(Progress, reporter);
}
