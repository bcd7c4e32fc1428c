import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import {
  chartBlocks,
  ChartRenderError,
  lossCurvesChart,
  measureText,
  namespaceSvgIds,
  renderCharts,
  renderSvg,
  withTitle,
} from '../src/report/index.ts';
import { sampleReport } from '../src/report/sample.ts';

const curveSpec = (): TopLevelSpec =>
  lossCurvesChart(
    ['a', 'b'].flatMap((run) => [0, 10, 20].map((step) => ({ run, split: 'train' as const, step, value: 1 / (step + 1) }))),
    { logY: true },
  );

describe('deterministic SVG', () => {
  it('gives identical bytes for the same spec, whatever was rendered before', async () => {
    const report = sampleReport();
    const first = await renderCharts(report);
    const again = await renderCharts(sampleReport());
    expect(again).toEqual(first);
    // Reversed order: Vega's clip-path counters would differ if they were not reset per chart.
    const blocks = chartBlocks(report).reverse();
    for (const block of blocks) expect(withTitle(await renderSvg(block.spec, block.name), block.title)).toBe(first[block.name]);
  });

  it('gives identical bytes when renders are started concurrently', async () => {
    const blocks = chartBlocks(sampleReport());
    const sequential: string[] = [];
    for (const b of blocks) sequential.push(await renderSvg(b.spec));
    const concurrent = await Promise.all(blocks.map((b) => renderSvg(b.spec)));
    expect(concurrent).toEqual(sequential);
  });

  it('gives identical bytes in a fresh Node process', async () => {
    const script = `
      import { lossCurvesChart, renderSvg } from './packages/pipelines/src/report/index.ts';
      const spec = lossCurvesChart(['a', 'b'].flatMap((run) => [0, 10, 20].map((step) => ({ run, split: 'train', step, value: 1 / (step + 1) }))), { logY: true });
      process.stdout.write(await renderSvg(spec));
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@bptt/source', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: new URL('../../..', import.meta.url).pathname, maxBuffer: 16 * 1024 * 1024 },
    );
    expect(stdout).toBe(await renderSvg(curveSpec()));
  });

  it('contains no timestamps or random ids, only counter ids starting at 1', async () => {
    const svg = await renderSvg(curveSpec());
    const ids = [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(ids.map((_, i) => `clip${i + 1}`));
    expect(svg).not.toMatch(/20\d\d-\d\d-\d\d/);
  });

  it('lays text out with the fixed Helvetica metrics, not a canvas or the 0.8-em guess', async () => {
    await renderSvg(curveSpec());
    const metrics = (vega as unknown as { textMetrics: { width: (item: object, text: string) => number; estimateWidth: unknown } })
      .textMetrics;
    expect(metrics.width).not.toBe(metrics.estimateWidth);
    expect(metrics.width({ fontSize: 11 }, 'step')).toBeCloseTo(measureText('step', 11), 10);
    expect(metrics.width({ fontSize: 11, limit: 5 }, 'a long label')).toBe(5);
  });
});

describe('renderSvg inputs', () => {
  it("does not modify the caller's spec (Vega would tag and extend the data objects it ingests)", async () => {
    const spec = lossCurvesChart([
      { run: 'a', split: 'train', step: 0, value: 1 },
      { run: 'a', split: 'valid', step: 0, value: 2 },
    ]);
    const before = structuredClone(spec);
    await renderSvg(spec);
    expect(spec).toStrictEqual(before);
    const datum = (spec as { data: { values: object[] } }).data.values[0]!;
    expect(Object.getOwnPropertySymbols(datum)).toEqual([]);
  });
});

describe('renderSvg errors', () => {
  it('refuses to load data from a URL, naming the chart and the URL', async () => {
    const spec = { data: { url: 'https://example.org/cars.json' }, mark: 'point' } as TopLevelSpec;
    await expect(renderSvg(spec, 'cars')).rejects.toThrow(/chart "cars": .*tried to load "https:\/\/example.org\/cars.json"/);
  });

  it('turns Vega-Lite warnings into errors, because the chart would silently miss something', async () => {
    const spec = {
      data: { values: [{ a: 1 }] },
      mark: 'bar',
      encoding: { x: { field: 'a', type: 'quantitative' }, shape: { field: 'a', type: 'nominal' } },
    } as TopLevelSpec;
    const error = await renderSvg(spec, 'bad').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChartRenderError);
    expect((error as Error).message).toMatch(/^chart "bad": Vega-Lite warnings: .*shape/);
  });

  it('still renders after a failed chart', async () => {
    await renderSvg({ data: { url: 'x.json' }, mark: 'point' } as TopLevelSpec).catch(() => undefined);
    expect(await renderSvg(curveSpec())).toMatch(/^<svg /);
  });
});

describe('SVG post-processing', () => {
  it('adds an accessible title to the root element', () => {
    expect(withTitle('<svg width="1"><g/></svg>', 'Loss <log>')).toBe('<svg width="1" role="img"><title>Loss &lt;log&gt;</title><g/></svg>');
  });

  it('prefixes ids and every reference to them, so inline charts do not share clip paths', () => {
    const svg = '<svg><defs><clipPath id="clip1"><rect/></clipPath></defs><g clip-path="url(#clip1)"/><use href="#clip1"/><a href="#elsewhere"/></svg>';
    expect(namespaceSvgIds(svg, 'loss-')).toBe(
      '<svg><defs><clipPath id="loss-clip1"><rect/></clipPath></defs><g clip-path="url(#loss-clip1)"/><use href="#loss-clip1"/><a href="#elsewhere"/></svg>',
    );
  });
});
