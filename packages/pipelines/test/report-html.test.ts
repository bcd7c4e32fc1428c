import { describe, expect, it } from 'vitest';
import { chart, code, note, paragraph, renderCharts, renderHtml, reportToFiles, table, type Report } from '../src/report/index.ts';
import { sampleReport } from '../src/report/sample.ts';

const tinySpec = {
  data: { values: [{ x: 1, y: 2 }, { x: 2, y: 3 }] },
  mark: { type: 'line', clip: true },
  encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
} as const;

const tiny: Report = {
  title: 'Tiny <report>',
  intro: 'First paragraph.\n\nSecond with `code`.',
  meta: [{ label: 'Seed', value: '7' }],
  sections: [
    {
      id: 'results',
      title: 'Results',
      blocks: [
        table([{ header: 'run' }, { header: 'acc', format: { kind: 'percent', decimals: 0 }, best: 'max' }], [['a|b', 0.5], ['c', 0.75]], 'Accuracy.'),
        chart('one', 'First chart', tinySpec, 'A *caption*.'),
        chart('two', 'Second chart', tinySpec),
      ],
    },
    {
      id: 'more',
      title: 'More',
      blocks: [note('Careful: <b>not bold</b>.', 'caution'), code('if (a < b) {\n  return "x";\n}\n', 'ts'), paragraph('End.')],
    },
  ],
};

describe('renderHtml', () => {
  it('writes one self-contained page: no scripts, no external resources', async () => {
    const html = renderHtml(tiny, await renderCharts(tiny));
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(html).not.toMatch(/<script|<link rel="stylesheet"|<img |<iframe|@import/i);
    // The only URLs are in-page anchors, the SVG namespaces and the empty data: favicon.
    const urls = [...html.matchAll(/(?:href|src)="([^"]*)"/g)].map((m) => m[1]!);
    expect(urls.filter((u) => !u.startsWith('#') && u !== 'data:,')).toEqual([]);
    expect(html).toContain('<title>Tiny &lt;report&gt;</title>');
  });

  it('has a table of contents that links to every section', async () => {
    const html = renderHtml(tiny, await renderCharts(tiny));
    expect(html).toContain('<nav id="contents" aria-label="Contents">');
    expect(html).toContain('<li><a href="#results">Results</a></li>\n<li><a href="#more">More</a></li>');
    for (const id of ['results', 'more']) expect(html).toContain(`<section id="${id}">`);
  });

  it('inlines each chart with its own ids, and numbers figures and tables', async () => {
    const html = renderHtml(tiny, await renderCharts(tiny));
    expect(html.match(/<svg /g)).toHaveLength(2);
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['one-clip1', 'two-clip1', 'figure-one', 'figure-two']));
    for (const ref of html.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(ref[1]);
    expect(html).toContain('<figcaption><strong>Figure 1.</strong> First chart. A <em>caption</em>.</figcaption>');
    expect(html).toContain('<figcaption><strong>Figure 2.</strong> Second chart.</figcaption>');
    expect(html).toContain('<caption><strong>Table 1.</strong> Accuracy.</caption>');
  });

  it('writes tables, notes and code with escaping and alignment', async () => {
    const html = renderHtml(tiny, await renderCharts(tiny));
    expect(html).toContain('<th scope="col">run</th><th scope="col" class="right">acc</th>');
    expect(html).toContain('<tr><td>a|b</td><td class="right">50%</td></tr>\n<tr><td>c</td><td class="right"><strong>75%</strong></td></tr>');
    expect(html).toContain('<aside class="note note-caution" role="note">\n<p class="note-label">Caution</p>\n<p>Careful: &lt;b&gt;not bold&lt;/b&gt;.</p>');
    expect(html).toContain('<pre><code class="language-ts">if (a &lt; b) {&#10;  return &quot;x&quot;;&#10;}</code></pre>');
    expect(html).toContain('<p>First paragraph.</p>\n<p>Second with <code>code</code>.</p>');
    expect(html).toContain('<dt>Seed</dt><dd>7</dd>');
  });

  it('fails clearly when a chart has no SVG', () => {
    expect(() => renderHtml(tiny, { one: '<svg/>' })).toThrow(
      'report: chart "two": has no SVG; pass the result of renderCharts(report) to renderHtml',
    );
  });
});

describe('reportToFiles', () => {
  it('returns README.md, index.html, and an SVG and a Vega-Lite spec per chart, in sorted order', async () => {
    const files = await reportToFiles(tiny);
    expect(Object.keys(files)).toEqual(['README.md', 'charts/one.svg', 'charts/one.vl.json', 'charts/two.svg', 'charts/two.vl.json', 'index.html']);
    expect(files['README.md']).toContain('![First chart](charts/one.svg)');
    expect(files['charts/one.svg']).toMatch(/^<svg [^>]*role="img"><title>First chart<\/title>/);
    expect(files['charts/one.svg']!.endsWith('</svg>\n')).toBe(true);
    expect(JSON.parse(files['charts/one.vl.json']!)).toEqual(tinySpec);
  });

  it('is byte-identical across runs for the sample report', async () => {
    const [a, b] = [await reportToFiles(sampleReport(3)), await reportToFiles(sampleReport(3))];
    expect(b).toEqual(a);
    expect(Object.keys(a)).toHaveLength(2 + 2 * 9);
    // A different seed changes the noisy curves, so the determinism above is not vacuous.
    expect((await reportToFiles(sampleReport(4)))['charts/loss.svg']).not.toBe(a['charts/loss.svg']);
  });
});
