/**
 * Headless Chromium helpers for the report tests: a system Chromium (Debian's; npm's browser downloads are not
 * used), opening a file as a reader would, and what each inline chart looks like once drawn.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';

export const SKIP = process.env['BPTT_SKIP_BROWSER_TESTS'] === '1';

export function findChromium(): string | undefined {
  const candidates = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((path): path is string => path !== undefined && path !== '' && existsSync(path));
}

export interface PageProblems {
  console: string[];
  errors: string[];
  requests: string[];
}

export async function openFile(browser: Browser, path: string): Promise<{ page: Page; problems: PageProblems }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: PageProblems = { console: [], errors: [], requests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.console.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.errors.push(error.message));
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith('file://') && !url.startsWith('data:')) problems.requests.push(url);
  });
  page.on('requestfailed', (request) => problems.errors.push(`failed to load ${request.url()}`));
  await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
  return { page, problems };
}

// In-page code is plain JavaScript: the workspace typechecks without the DOM library, on purpose.
export function inPage<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}

export interface ChartState {
  id: string;
  width: number;
  height: number;
  drawn: number;
  /** clip-path references to ids that are not in the document. */
  dangling: string[];
}

export const CHART_STATES = `[...document.querySelectorAll('figure.chart')].map((figure) => {
  const svg = figure.querySelector('svg');
  const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
  const marks = svg ? [...svg.querySelectorAll('.role-mark > *')] : [];
  const drawn = marks.filter((m) => { const b = m.getBBox(); return b.width > 0 || b.height > 0; });
  const dangling = svg
    ? [...svg.querySelectorAll('[clip-path]')]
        .map((e) => (/url\\(#([^)]+)\\)/.exec(e.getAttribute('clip-path') || '') || [])[1] || '')
        .filter((id) => !document.getElementById(id))
    : [];
  return { id: figure.id, width: box.width, height: box.height, drawn: drawn.length, dangling };
})`;

