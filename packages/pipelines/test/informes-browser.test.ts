/**
 * The reports committed under informes/ are what a reader of the repository sees first: each one must open from
 * disk in a browser, draw every chart, and log no error. (The report stage's own tests cover how they are built.)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_STATES, findChromium, inPage, openFile, SKIP, type ChartState } from './browser.ts';

const INFORMES = resolve(import.meta.dirname, '../../../informes');
const reports = existsSync(INFORMES)
  ? readdirSync(INFORMES).filter((name) => existsSync(join(INFORMES, name, 'index.html'))).sort()
  : [];

describe.skipIf(SKIP)('committed reports in informes/ open in headless Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    const executablePath = findChromium();
    if (!executablePath) throw new Error('No Chromium found: apt-get install -y chromium fonts-liberation (or BPTT_SKIP_BROWSER_TESTS=1)');
    browser = await chromium.launch({ executablePath, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the main job has a committed report', () => {
    expect(reports).toContain('ablation');
  });

  it.each(reports)('informes/%s/index.html loads, draws every chart, and logs no error', async (name) => {
    const { page, problems } = await openFile(browser, join(INFORMES, name, 'index.html'));
    expect(problems).toEqual({ console: [], errors: [], requests: [] });
    const charts = await inPage<ChartState[]>(page, CHART_STATES);
    // Every chart the Markdown report links is drawn in the page.
    const linked = [...readFileSync(join(INFORMES, name, 'README.md'), 'utf8').matchAll(/\]\(charts\/([a-z0-9-]+)\.svg\)/g)].map((m) => m[1]);
    expect(charts.map((c) => c.id.replace(/^figure-/, ''))).toEqual(linked);
    for (const chart of charts) {
      expect(chart.width, chart.id).toBeGreaterThan(100);
      expect(chart.drawn, chart.id).toBeGreaterThan(0);
      expect(chart.dangling, chart.id).toEqual([]);
      expect(existsSync(join(INFORMES, name, 'charts', `${chart.id.replace(/^figure-/, '')}.svg`)), chart.id).toBe(true);
    }
    await page.close();
  });
});
