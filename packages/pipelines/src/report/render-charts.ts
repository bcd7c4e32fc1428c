/**
 * Every chart of a report as SVG, keyed by chart name. Charts render one after another: each takes a few tens of
 * milliseconds, and Vega's id counters must not interleave (see `./svg.ts`).
 */
import { chartBlocks, type ChartBlock, type Report } from './model.ts';
import { renderSvg } from './svg.ts';
import { validateReport } from './validate.ts';

export async function renderCharts(report: Report): Promise<Record<string, string>> {
  validateReport(report);
  const svgs: Record<string, string> = {};
  for (const block of chartBlocks(report)) svgs[block.name] = await renderSvg(describedSpec(block), block.name);
  return svgs;
}

/**
 * The spec with the figure title as its description, which Vega writes as the SVG's `aria-label`, so a screen
 * reader (and anyone opening the SVG alone) learns what the chart shows.
 */
export function describedSpec(block: ChartBlock): ChartBlock['spec'] {
  return block.spec.description === undefined ? { ...block.spec, description: block.title } : block.spec;
}
