/**
 * The version that BLEU signatures record. sacreBLEU writes its own version (`version:2.6.0`); ours writes
 * `bptt-lab-<version of @bptt/metrics>` so a reader can tell which implementation produced a number, and a
 * change to this package's version (which any change to the metric must come with) shows in every signature.
 */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** `bptt-lab-0.1.0` for @bptt/metrics 0.1.0; read once from this package's package.json. */
export function metricsVersion(): string {
  if (cached === undefined) {
    // `../package.json` is the package root both from src/ (workspace) and from dist/ (published build).
    const url = new URL('../package.json', import.meta.url);
    const manifest = JSON.parse(readFileSync(url, 'utf8')) as { name?: unknown; version?: unknown };
    if (manifest.name !== '@bptt/metrics' || typeof manifest.version !== 'string') {
      throw new Error(`metricsVersion: ${url.pathname} is not @bptt/metrics's package.json (no version)`);
    }
    cached = `bptt-lab-${manifest.version}`;
  }
  return cached;
}
