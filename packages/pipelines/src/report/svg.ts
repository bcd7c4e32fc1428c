/**
 * Vega-Lite spec -> SVG string, in Node, without a browser or a canvas: vega-lite `compile`, a headless Vega
 * `View` (`renderer: 'none'`), then `toSVG()`.
 *
 * The bytes must be a pure function of the spec (Nx caches the report stage by content), so:
 * - text is measured with fixed metrics (`./text-metrics.ts`), not with whatever `canvas` build is installed;
 * - Vega numbers clip paths and gradients with process-wide counters (`clip1`, `gradient_0`, ...), so the counters
 *   are reset before every render and renders run one at a time;
 * - the data loader refuses every request: a chart draws only the data it embeds.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { useFixedTextMetrics } from './text-metrics.ts';

export class ChartRenderError extends Error {
  constructor(
    readonly chart: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`chart ${JSON.stringify(chart)}: ${reason}`, options);
    this.name = 'ChartRenderError';
  }
}

/** A loader that fails on any URL: a report chart that needs the network or the disk is a bug. */
function offlineLoader(chart: string): vega.Loader {
  const refuse = async (uri: string): Promise<never> => {
    throw new ChartRenderError(chart, `tried to load ${JSON.stringify(uri)}; embed the data in the spec instead`);
  };
  const loader = vega.loader();
  loader.load = refuse;
  loader.sanitize = refuse;
  return loader;
}

// Renders share Vega's module-level id counters, so they are queued rather than interleaved.
let queue: Promise<unknown> = Promise.resolve();

function serialised<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

/**
 * Renders one Vega-Lite spec to an SVG document. `name` only labels errors.
 * Vega-Lite warnings (e.g. an unused encoding) are collected and thrown: a report should not ship a chart that
 * silently dropped part of what it was asked to draw.
 */
export function renderSvg(spec: TopLevelSpec, name = 'chart'): Promise<string> {
  return serialised(async () => {
    useFixedTextMetrics();
    const logger = collectingLogger();
    let vgSpec: vega.Spec;
    try {
      // A copy: Vega ingests inline data objects as its own tuples, tagging them and writing derived fields onto
      // them, which would change the caller's report (and its `.vl.json`) behind its back.
      vgSpec = compile(structuredClone(spec), { logger }).spec;
    } catch (error) {
      throw new ChartRenderError(name, `Vega-Lite could not compile the spec: ${messageOf(error)}`, { cause: error });
    }
    if (logger.messages.length > 0) {
      throw new ChartRenderError(name, `Vega-Lite warnings: ${logger.messages.join('; ')}`);
    }
    let view: vega.View | undefined;
    try {
      view = new vega.View(vega.parse(vgSpec), {
        renderer: 'none',
        loader: offlineLoader(name),
        logger,
      });
      await view.runAsync();
      vega.resetSVGDefIds();
      const svg = await view.toSVG();
      // An empty layer (e.g. a filter that matches nothing) has an infinite extent; it draws nothing and is fine.
      const problems = logger.messages.filter((m) => !m.startsWith('Infinite extent for field'));
      if (problems.length > 0) throw new ChartRenderError(name, `Vega warnings: ${problems.join('; ')}`);
      return svg;
    } catch (error) {
      if (error instanceof ChartRenderError) throw error;
      throw new ChartRenderError(name, `Vega could not render the spec: ${messageOf(error)}`, { cause: error });
    } finally {
      view?.finalize();
    }
  });
}

interface CollectingLogger {
  readonly messages: string[];
  level(level?: number): number | CollectingLogger;
  error(...args: unknown[]): CollectingLogger;
  warn(...args: unknown[]): CollectingLogger;
  info(...args: unknown[]): CollectingLogger;
  debug(...args: unknown[]): CollectingLogger;
}

/**
 * Keeps warnings and errors (Vega's default logger would print them to stderr, where nobody reads them).
 * Closures, not a class: Vega calls the methods detached from the object, so `this` cannot be relied on.
 */
function collectingLogger(): CollectingLogger {
  const messages: string[] = [];
  let current = 2; // vega-util's `Warn`
  const record = (args: unknown[]): void => {
    messages.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '));
  };
  const logger: CollectingLogger = {
    messages,
    level: (level?: number) => {
      if (level === undefined) return current;
      current = level;
      return logger;
    },
    error: (...args) => (record(args), logger),
    warn: (...args) => (current >= 2 && record(args), logger),
    info: () => logger,
    debug: () => logger,
  };
  return logger;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
