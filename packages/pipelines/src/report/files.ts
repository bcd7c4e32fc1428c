/**
 * Every file of `informes/<pipeline>/`, as paths relative to that folder:
 *
 *   README.md               the report in Markdown (charts as images)
 *   index.html              the same report as one self-contained page
 *   charts/<name>.svg       each chart
 *   charts/<name>.vl.json   each chart's Vega-Lite spec with its data, to re-plot or restyle it (e.g. in the
 *                           Vega editor) without rerunning the pipeline
 *
 * Keys are sorted, so iterating the record writes files in a stable order.
 */
import { stableStringify } from '@bptt/data';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './markdown.ts';
import { chartBlocks, type Report } from './model.ts';
import { renderCharts } from './render-charts.ts';
import { ReportError } from './validate.ts';

export const CHARTS_DIR = 'charts';

export async function reportToFiles(report: Report): Promise<Record<string, string>> {
  const svgs = await renderCharts(report);
  const files: Record<string, string> = {
    'README.md': renderMarkdown(report, { chartsDir: CHARTS_DIR }),
    'index.html': renderHtml(report, svgs),
  };
  for (const block of chartBlocks(report)) {
    files[`${CHARTS_DIR}/${block.name}.svg`] = `${svgs[block.name]!}\n`;
    files[`${CHARTS_DIR}/${block.name}.vl.json`] = specJson(block.name, block.spec);
  }
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function specJson(name: string, spec: unknown): string {
  try {
    return stableStringify(spec);
  } catch (error) {
    // The chart builders turn NaN into null; a hand-written spec may not have.
    throw new ReportError(`chart ${JSON.stringify(name)}`, `its spec is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}
