/**
 * Opens a generated report in headless Chromium from disk (file://), as a reader would.
 *
 * Needs a system Chromium (npm's browser downloads are not used): `apt-get install -y chromium fonts-liberation`.
 * Set CHROMIUM_PATH to use another binary, or BPTT_SKIP_BROWSER_TESTS=1 to skip on a machine without one.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartBlocks, measureText, reportToFiles } from '../src/report/index.ts';
import { sampleReport } from '../src/report/sample.ts';
import { CHART_STATES, findChromium, inPage, openFile, SKIP, type ChartState } from './browser.ts';

interface DrawnText {
  text: string;
  width: number;
  size: number;
  weight: number;
}

const DRAWN_TEXTS = `[...document.querySelectorAll('figure.chart svg text')].map((t) => {
  const style = getComputedStyle(t);
  return { text: t.textContent || '', width: t.getComputedTextLength(), size: parseFloat(style.fontSize), weight: Number(style.fontWeight) };
})`;

describe.skipIf(SKIP)('index.html in headless Chromium', () => {
  const report = sampleReport();
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    const executablePath = findChromium();
    if (!executablePath) {
      throw new Error(
        'No Chromium found (looked at $CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser). ' +
          'Install it with `apt-get update && apt-get install -y chromium fonts-liberation`, point CHROMIUM_PATH at a ' +
          'Chromium binary, or set BPTT_SKIP_BROWSER_TESTS=1 to skip the browser tests on this machine.',
      );
    }
    // Chromium refuses to start its sandbox as root (containers, CI).
    const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
    browser = await chromium.launch({ executablePath, headless: true, args });
    dir = await mkdtemp(join(tmpdir(), 'bptt-report-'));
    for (const [path, content] of Object.entries(await reportToFiles(report))) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loads from file:// without errors, warnings or network requests', async () => {
    const { page, problems } = await openFile(browser, join(dir, 'index.html'));
    expect(await page.title()).toBe(report.title);
    expect(await page.locator('h1').textContent()).toBe(report.title);
    expect(problems).toEqual({ console: [], errors: [], requests: [] });
    await page.close();
  });

  it('renders every chart inline with a non-zero size and drawn marks', async () => {
    const { page } = await openFile(browser, join(dir, 'index.html'));
    const charts = await inPage<ChartState[]>(page, CHART_STATES);
    expect(charts.map((c) => c.id)).toEqual(chartBlocks(report).map((b) => `figure-${b.name}`));
    for (const chart of charts) {
      expect(chart.width, chart.id).toBeGreaterThan(100);
      expect(chart.height, chart.id).toBeGreaterThan(50);
      expect(chart.drawn, chart.id).toBeGreaterThan(0);
      expect(chart.dangling, chart.id).toEqual([]);
    }
    await page.close();
  });

  it('has a working table of contents', async () => {
    const { page } = await openFile(browser, join(dir, 'index.html'));
    const links = await page.locator('nav#contents a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(links).toEqual(report.sections.map((s) => `#${s.id}`));
    await page.locator('nav#contents a[href="#gradients"]').click();
    await page.waitForFunction("location.hash === '#gradients'");
    const top = await inPage<number>(page, "document.getElementById('gradients').getBoundingClientRect().top");
    expect(Math.abs(top)).toBeLessThan(50);
    await page.close();
  });

  it('draws chart text with the widths the layout was computed with', async () => {
    const { page } = await openFile(browser, join(dir, 'index.html'));
    const texts = await inPage<DrawnText[]>(page, DRAWN_TEXTS);
    const ascii = texts.filter((t) => /^[\x20-\x7e]{3,}$/.test(t.text));
    expect(ascii.length).toBeGreaterThan(50);
    const off = ascii.filter((t) => Math.abs(measureText(t.text, t.size, t.weight) - t.width) > 0.01 * t.width + 0.5);
    // If this fails, the browser drew with a font that is not metric-compatible with Helvetica: install
    // fonts-liberation (Liberation Sans has Arial's, hence Helvetica's, widths).
    expect(off.slice(0, 5)).toEqual([]);
    await page.close();
  });

  it('opens a chart SVG file on its own', async () => {
    const { page, problems } = await openFile(browser, join(dir, 'charts', 'loss.svg'));
    expect(await inPage<number>(page, "document.querySelector('svg').getBoundingClientRect().width")).toBeGreaterThan(100);
    expect(await page.locator('svg > title').textContent()).toBe('Cross-entropy per token');
    expect(problems).toEqual({ console: [], errors: [], requests: [] });
    await page.close();
  });
});
