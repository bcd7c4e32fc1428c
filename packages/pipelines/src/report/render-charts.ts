/**
 * Every chart of a report as SVG, keyed by chart name. Charts render one after another: each takes a few tens of
 * milliseconds, and Vega's id counters must not interleave (see `./svg.ts`).
 */
import { escapeHtml } from './format.ts';
import { chartBlocks, type Report } from './model.ts';
import { renderSvg } from './svg.ts';
import { validateReport } from './validate.ts';

export async function renderCharts(report: Report): Promise<Record<string, string>> {
  validateReport(report);
  const svgs: Record<string, string> = {};
  for (const block of chartBlocks(report)) svgs[block.name] = withTitle(await renderSvg(block.spec, block.name), block.title);
  return svgs;
}

/**
 * Names the chart inside the SVG (`role="img"` and a `<title>`), so a screen reader, and anyone opening the SVG
 * file alone, learns what it shows. The per-mark ARIA labels Vega would add are switched off in the theme: one
 * label per data point tripled the file size and reads as noise.
 */
export function withTitle(svg: string, title: string): string {
  return svg.replace(/^<svg\b([^>]*)>/, (_, attributes: string) => `<svg${attributes} role="img"><title>${escapeHtml(title.trim())}</title>`);
}
